"""Resolving who wrote: one person across channels is one contact."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditAction
from accounts.services import audit_record
from interactions.models import Contact, ContactIdentity, Thread
from interactions.normalize import InvalidIdentity, normalize_identity
from interactions.types import Identity

# "Last seen" is kept to this resolution (contact_touch).
TOUCH_RESOLUTION = timedelta(minutes=1)


def _live(contact: Contact) -> Contact:
    # A merged contact's identities moved on; follow the chain to the surviving contact.
    seen = set()
    while contact.merged_into_id and contact.pk not in seen:
        seen.add(contact.pk)
        contact = contact.merged_into
    return contact


def contact_resolve(*, identities: list[Identity], name: str = "") -> Contact:
    """The contact owning any of `identities`, creating it (and missing identities) if needed.

    Safe under concurrency: a unique (kind, value) constraint decides who wins a race, and the
    loser re-reads. Call inside a transaction.
    """
    normalized = []
    for identity in identities:
        try:
            normalized.append(normalize_identity(identity))
        except InvalidIdentity:
            continue
    if not normalized:
        raise InvalidIdentity("A message needs at least one usable sender identity.")

    for _attempt in range(3):
        existing = _known_identities(normalized)
        contact = _live(next(iter(existing.values()))) if existing else Contact(name=name[:200])
        missing = [i for i in normalized if (i.kind, i.value) not in existing]
        if contact.pk is not None and not missing:
            break  # the usual case: someone we know, nothing to write
        try:
            with transaction.atomic():
                if contact.pk is None:
                    contact.save()
                for identity in missing:
                    ContactIdentity.objects.create(
                        contact=contact,
                        kind=identity.kind,
                        value=identity.value,
                        display=identity.display[:255],
                    )
        except IntegrityError:
            continue  # someone created one of these identities meanwhile: read again
        break
    else:
        raise IntegrityError("Could not resolve the contact after 3 attempts.")
    if name and not contact.name:
        contact.name = name[:200]
        contact.save(update_fields=["name"])
    return contact


def _known_identities(identities: list[Identity]) -> dict[tuple[str, str], Contact]:
    """The stored ones among `identities`, each with its contact: {(kind, value): contact}.

    Written out rather than built with the ORM: it runs once per inbound message, and compiling
    the queryset took longer than the database takes to answer it (the bench's ingest).
    """
    pairs = ", ".join(["(%s, %s)"] * len(identities))
    sql = (
        f"SELECT c.*, i.kind AS identity_kind, i.value AS identity_value "
        f"FROM {ContactIdentity._meta.db_table} i "
        f"JOIN {Contact._meta.db_table} c ON c.id = i.contact_id "
        f"WHERE (i.kind, i.value) IN ({pairs})"
    )
    params = [part for identity in identities for part in (identity.kind, identity.value)]
    return {(c.identity_kind, c.identity_value): c for c in Contact.objects.raw(sql, params)}


def contact_touch(*, contact: Contact, at=None) -> None:
    """Record that the contact was seen at `at` (never moving the time back).

    To the minute: a customer typing a burst of messages costs one write, not one each.
    """
    at = at or timezone.now()
    if contact.last_seen_at is not None and contact.last_seen_at > at - TOUCH_RESOLUTION:
        return
    Contact.objects.filter(pk=contact.pk).exclude(last_seen_at__gte=at).update(last_seen_at=at)
    contact.last_seen_at = at


@transaction.atomic
def contact_merge(*, source: Contact, target: Contact, actor, request=None) -> Contact:
    """Merge `source` into `target`: identities and threads move, `source` remembers where.

    The audit row records what moved, so the merge can be read back later.
    """
    if source.pk == target.pk:
        raise ValidationError({"target": "A contact cannot be merged into itself."})
    source = Contact.objects.select_for_update().get(pk=source.pk)
    target = Contact.objects.select_for_update().get(pk=target.pk)
    if source.merged_into_id:
        raise ValidationError({"source": "This contact was already merged."})
    if target.merged_into_id:
        raise ValidationError({"target": "That contact was merged into another one; pick it."})
    identity_ids = list(source.identities.values_list("pk", flat=True))
    thread_ids = list(source.threads.values_list("pk", flat=True))
    ContactIdentity.objects.filter(pk__in=identity_ids).update(contact=target)
    Thread.objects.filter(pk__in=thread_ids).update(contact=target)
    # Fill the target's blanks from the source; the target's own values win.
    for field in ("name", "company", "linkedin_url", "locale"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    target.attributes = {**source.attributes, **target.attributes}
    target.consent = {**source.consent, **target.consent}
    if source.last_seen_at and (
        not target.last_seen_at or source.last_seen_at > target.last_seen_at
    ):
        target.last_seen_at = source.last_seen_at
    target.save()
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    audit_record(
        action=AuditAction.CONTACT_MERGED,
        actor=actor,
        target=target,
        request=request,
        source_id=source.pk,
        source_name=str(source),
        identities=identity_ids,
        threads=thread_ids,
    )
    return target
