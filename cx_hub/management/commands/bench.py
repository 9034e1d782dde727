"""`manage.py bench`: time named scenarios against a generated data set in a separate database.

For example `manage.py bench --scale small --json /tmp/bench.json`, or
`manage.py bench --scale full --scenario inbox_list --iterations 200`.
"""

from __future__ import annotations

import os
import platform
import time

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from cx_hub.bench.database import use_bench_database
from cx_hub.bench.generate import SCALES, ensure_dataset
from cx_hub.bench.report import format_table, measure, measure_custom, skipped, write_json
from cx_hub.bench.scenarios import SCENARIOS, BenchContext, Prepared, ScenarioError


class Command(BaseCommand):
    help = "Generate a data set in <database>_bench (once per scale) and time named scenarios."
    # The system checks connect to the configured database; `migrate` runs them against the
    # bench database instead, so the configured one is never opened (nor created, on SQLite).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument(
            "--scenario",
            action="append",
            dest="scenarios",
            metavar="NAME",
            help=f"Repeatable; default all of: {', '.join(SCENARIOS)}.",
        )
        parser.add_argument("--warmup", type=int, default=5, help="Untimed runs first.")
        parser.add_argument("--iterations", type=int, default=50, help="Timed runs.")
        parser.add_argument("--json", metavar="PATH", help="Write the report as JSON here.")
        parser.add_argument(
            "--regenerate", action="store_true", help="Rebuild the data set even if it exists."
        )

    def handle(self, *args, **options):
        names = options["scenarios"] or list(SCENARIOS)
        unknown = sorted(set(names) - set(SCENARIOS))
        if unknown:
            raise CommandError(
                f"Unknown scenario {', '.join(unknown)}; known: {', '.join(SCENARIOS)}."
            )
        if options["iterations"] < 1 or options["warmup"] < 0:
            raise CommandError("--iterations must be at least 1 and --warmup at least 0.")
        started_at = timezone.now()
        try:
            database = use_bench_database(verbosity=max(options["verbosity"] - 1, 0))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Bench database: {connection.vendor} {database}")
        calibration_ms = _calibration_ms()
        self.stdout.write(
            f"This machine's Python speed: {calibration_ms:.0f} ms for a fixed loop "
            "(lower is faster; compare figures from machines that score alike)"
        )
        dataset = ensure_dataset(
            SCALES[options["scale"]], regenerate=options["regenerate"], log=self.stdout.write
        )
        results = []
        try:
            ctx = BenchContext()
            for name in names:
                prepared = self._prepare(name, ctx)
                if prepared.skip:
                    self.stdout.write(f"Skipping {name}: {prepared.skip}")
                    results.append(
                        skipped(name, prepared.target, prepared.skip, goals=prepared.goals)
                    )
                    continue
                self.stdout.write(f"Running {name}: {prepared.target}")
                if prepared.measure is not None:
                    results.append(
                        measure_custom(
                            name, prepared.target, prepared.measure, goals=prepared.goals
                        )
                    )
                    continue
                results.append(
                    measure(
                        name,
                        prepared.target,
                        prepared.run,
                        warmup=options["warmup"],
                        iterations=options["iterations"],
                        goals=prepared.goals,
                        budget_s=prepared.budget_s,
                    )
                )
        except ScenarioError as exc:
            raise CommandError(f"Scenario failed: {exc}") from None
        time.sleep(5)  # the scenarios' own processes and clean-up settle first
        calibration_after_ms = _calibration_ms()
        self.stdout.write("")
        self.stdout.write(format_table(results))
        self.stdout.write(
            f"Python speed: {calibration_ms:.0f} ms before the scenarios, "
            f"{calibration_after_ms:.0f} ms after"
        )
        if options["json"]:
            write_json(
                options["json"],
                {
                    "scale": options["scale"],
                    "database": connection.vendor,
                    "database_name": database,
                    "scenarios": {r.name: r.summary() for r in results},
                    "generated": {
                        **dataset["counts"],
                        "generated_at": dataset["generated_at"],
                        "generation_seconds": dataset["seconds"],
                        "reused": dataset["reused"],
                    },
                    "started_at": started_at.isoformat(timespec="seconds"),
                    "django": django.get_version(),
                    "python": platform.python_version(),
                    # Timings on a shared machine mean little without how busy it was.
                    "machine": {
                        "cpus": os.cpu_count(),
                        "python_loop_ms": round(calibration_ms, 1),
                        "python_loop_ms_after": round(calibration_after_ms, 1),
                        "load_avg_1m": round(os.getloadavg()[0], 2),
                        "load_avg_5m": round(os.getloadavg()[1], 2),
                        "load_avg_15m": round(os.getloadavg()[2], 2),
                    },
                },
            )
            self.stdout.write(f"Report written to {options['json']}")

    def _prepare(self, name: str, ctx: BenchContext) -> Prepared:
        try:
            return SCENARIOS[name](ctx)
        except ScenarioError:
            raise
        except Exception as exc:
            # The test client re-raises view errors; say which scenario, keep --traceback useful.
            hint = "" if settings.DEBUG else " (DEBUG is off: did you run collectstatic?)"
            raise CommandError(f"Scenario {name} failed: {exc!r}{hint}") from exc


def _calibration_ms() -> float:
    """The best of three timings of a fixed pure-Python loop (five million additions), in ms.

    Shared machines differ and drift by a third or more: this puts a number on the speed the
    figures were measured at.
    """
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.perf_counter() - began)
    return best * 1000
