"""`manage.py seed_demo [--reset]`: a demo organization a person can click through."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cx_hub.demo.content import DEMO_PASSWORD, DEMO_URL, USERS
from cx_hub.demo.seed import is_seeded, reset_demo, seed_demo


class Command(BaseCommand):
    help = (
        "Seed the Northpeak demo: users in every role, a channel of every kind, about 200 "
        "contacts and 500 threads. The same data every time; does nothing if already seeded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo data first, then seed again."
        )
        parser.add_argument(
            "--url", default=DEMO_URL, help=f"Where the demo will be served (default {DEMO_URL})."
        )

    def handle(self, *args, reset: bool = False, url: str = DEMO_URL, **options):
        self.url = url
        started = time.monotonic()
        try:
            with transaction.atomic():
                if reset:
                    reset_demo()
                    self.stdout.write("Deleted the previous demo data.")
                elif is_seeded():
                    self.stdout.write("The demo is already seeded (use --reset to start over).")
                    self._print_logins()
                    return
                counts = seed_demo()
        except ValidationError as exc:  # e.g. a demo user or team left over from a partial seed
            problem = " ".join(exc.messages)
            raise CommandError(f"{problem} Run seed_demo --reset to start over.") from exc
        elapsed = time.monotonic() - started

        self.stdout.write(self.style.SUCCESS(f"Seeded the demo in {elapsed:.1f} s:"))
        for name, count in counts.items():
            self.stdout.write(f"  {name:<16} {count:>5}")
        self._print_logins()

    def _print_logins(self) -> None:
        width = max(len(u.email) for u in USERS)
        self.stdout.write("")
        self.stdout.write(f"  {'email':<{width}}  {'password':<9} role")
        for user in USERS:
            team = f" ({user.team})" if user.team else ""
            self.stdout.write(f"  {user.email:<{width}}  {DEMO_PASSWORD:<9} {user.role}{team}")
        self.stdout.write(f"\nSign in at {self.url}")
