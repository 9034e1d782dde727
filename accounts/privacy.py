"""Masking contacts' email addresses and phone numbers from agents: the switch and who it hits.

The switch is one row (`OrganizationSettings`), read at most once per request: the answer is
kept on the user object for the rest of the request, and in the cache for a minute (the write
refreshes it at once; other processes' local-memory caches catch up within that minute).
Roles with `SEE_CONTACT_DETAILS` never read it at all, so their pages cost nothing extra.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from accounts.models import AuditAction, OrganizationSettings, User
from accounts.permissions import Perm, user_can
from accounts.services import audit_record

CACHE_KEY = "org:mask_contact_details"
CACHE_TTL_S = 60
_MEMO = "_cx_contact_details_masked"


def organization_settings() -> OrganizationSettings:
    """The settings row, or unsaved defaults before anyone changed a setting."""
    return OrganizationSettings.objects.filter(pk=1).first() or OrganizationSettings(pk=1)


def masking_enabled() -> bool:
    """Whether the organization masks contact details (cached; one query on a miss)."""
    enabled = cache.get(CACHE_KEY)
    if enabled is None:
        enabled = OrganizationSettings.objects.filter(
            pk=1, mask_contact_details_for_agents=True
        ).exists()
        cache.set(CACHE_KEY, enabled, timeout=CACHE_TTL_S)
    return enabled


def contact_details_masked(user: User | None) -> bool:
    """True when `user` must see contacts' addresses masked. Anonymous callers always do."""
    if user is None or not getattr(user, "is_authenticated", False):
        return True
    if user_can(user, Perm.SEE_CONTACT_DETAILS):
        return False
    memo = getattr(user, _MEMO, None)
    if memo is None:
        memo = masking_enabled()
        setattr(user, _MEMO, memo)
    return memo


@transaction.atomic
def privacy_set_masking(*, enabled: bool, actor: User, request=None) -> OrganizationSettings:
    """Turn masking on or off for the organization, and audit it. Admins only."""
    if not user_can(actor, Perm.MANAGE_PRIVACY):
        raise PermissionError(f"{actor} may not change privacy settings.")
    row, _created = OrganizationSettings.objects.select_for_update().get_or_create(pk=1)
    if row.mask_contact_details_for_agents == enabled:
        return row
    row.mask_contact_details_for_agents = enabled
    row.updated_by = actor
    row.save()
    audit_record(
        action=AuditAction.PRIVACY_CHANGED,
        actor=actor,
        target=row,
        request=request,
        setting="mask_contact_details_for_agents",
        old=not enabled,
        new=enabled,
    )
    transaction.on_commit(lambda: cache.set(CACHE_KEY, enabled, timeout=CACHE_TTL_S))
    return row
