"""Who may do what: the one permission map of CX Hub.

Views, API views and templates ask `user_can(user, Perm.X)`; nothing else compares roles.
Changing what a role may do means editing `ROLE_PERMISSIONS`, and the permission-matrix tests
read the same map.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from accounts.models import User


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    MARKETER = "marketer", "Marketer"
    AGENT = "agent", "Agent"


class Perm(StrEnum):
    REPLY = "reply"  # answer customers and write internal notes
    ASSIGN = "assign"  # assign threads, change status, priority and tags
    TRIAGE_ALL_TEAMS = "triage_all_teams"  # see and triage every team's threads
    CONFIGURE_CHANNELS = "configure_channels"
    MANAGE_CAMPAIGNS = "manage_campaigns"
    MANAGE_SURVEYS = "manage_surveys"
    MANAGE_SAVED_REPLIES = "manage_saved_replies"
    MERGE_CONTACTS = "merge_contacts"  # merge two contacts into one person
    VIEW_DASHBOARDS = "view_dashboards"
    EXPORT_DATA = "export_data"
    MANAGE_USERS = "manage_users"  # invite users, change roles and teams
    VIEW_AUDIT_LOG = "view_audit_log"
    VIEW_SYSTEM_HEALTH = "view_system_health"
    MANAGE_RULES = "manage_rules"  # routing rules, SLA policies, business hours, auto-assignment
    # Contacts' full email addresses and phone numbers, even when an admin masks them.
    SEE_CONTACT_DETAILS = "see_contact_details"
    MANAGE_PRIVACY = "manage_privacy"  # organization-wide privacy settings (masking)


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.MANAGER: frozenset(
        {
            Perm.REPLY,
            Perm.ASSIGN,
            Perm.TRIAGE_ALL_TEAMS,
            Perm.MANAGE_CAMPAIGNS,
            Perm.MANAGE_SURVEYS,
            Perm.MANAGE_SAVED_REPLIES,
            Perm.MANAGE_RULES,
            Perm.MERGE_CONTACTS,
            Perm.VIEW_DASHBOARDS,
            Perm.EXPORT_DATA,
            Perm.VIEW_AUDIT_LOG,
            Perm.SEE_CONTACT_DETAILS,
        }
    ),
    Role.MARKETER: frozenset(
        {
            Perm.REPLY,
            Perm.ASSIGN,
            Perm.TRIAGE_ALL_TEAMS,
            Perm.MANAGE_CAMPAIGNS,
            Perm.MANAGE_SURVEYS,
            Perm.MANAGE_SAVED_REPLIES,
            Perm.MANAGE_RULES,
            Perm.MERGE_CONTACTS,
            Perm.VIEW_DASHBOARDS,
            Perm.SEE_CONTACT_DETAILS,
        }
    ),
    Role.AGENT: frozenset({Perm.REPLY, Perm.ASSIGN}),
}


def role_can(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


def user_can(user: User, perm: Perm) -> bool:
    """True when an active, signed-in user's role grants `perm`."""
    if not user.is_authenticated or not user.is_active:
        return False
    return role_can(user.role, perm)
