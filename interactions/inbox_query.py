"""The inbox's filters as a query string in normal form, and back: pure functions, no ORM.

Saved views store this string. One set of filters has exactly one form (fixed key order,
empty filters left out, the status always spelled out), so "is this view the page I am on"
is a string comparison, and a saved view opens as a plain inbox link.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlencode

from interactions.models import ChannelKind, Priority, Sentiment, ThreadStatus
from interactions.selectors import SORTS, InboxFilters
from interactions.sla import SLA_FILTERS

STATUS_ALL = "all"
ASSIGNEES = ("me", "unassigned")
MAX_QUERY = 200


def filters_to_query(filters: InboxFilters) -> str:
    """`status=open&channel=email&assignee=unassigned`: the normal form of `filters`."""
    pairs = [
        ("status", filters.status or STATUS_ALL),
        ("team", filters.team_id or ""),
        ("channel", filters.channel_kind),
        ("assignee", filters.assignee),
        ("tag", filters.tag_id or ""),
        ("sla", filters.sla),
        ("priority", "" if filters.priority is None else filters.priority),
        ("sentiment", filters.sentiment),
        ("active_from", filters.active_from.isoformat() if filters.active_from else ""),
        ("active_to", filters.active_to.isoformat() if filters.active_to else ""),
        ("sort", "" if filters.sort == "recent" else filters.sort),
        ("q", " ".join(filters.query.split())[:MAX_QUERY]),
    ]
    return urlencode([(key, value) for key, value in pairs if value not in ("", None)])


def _positive_int(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdecimal() and int(raw) > 0 else None


def filters_from_query(query: str) -> InboxFilters:
    """The filters a stored query string means; unknown keys and values are dropped.

    Ids are kept even when the team or tag is gone (the view then matches nothing), rather
    than silently widening the view to every team or tag.
    """
    params = dict(parse_qsl(query or "", keep_blank_values=False))
    text = " ".join(params.get("q", "").split())[:MAX_QUERY]
    status = params.get("status", "")
    if status not in ThreadStatus.values and status != STATUS_ALL:
        # The inbox's default: open conversations, or everything when searching.
        status = STATUS_ALL if text else ThreadStatus.OPEN
    channel = params.get("channel", "")
    assignee = params.get("assignee", "")
    sla = params.get("sla", "")
    return InboxFilters(
        status="" if status == STATUS_ALL else status,
        team_id=_positive_int(params.get("team", "")),
        channel_kind=channel if channel in ChannelKind.values else "",
        assignee=assignee if assignee in ASSIGNEES else "",
        tag_id=_positive_int(params.get("tag", "")),
        sla=sla if sla in SLA_FILTERS else "",
        query=text,
        priority=_priority(params.get("priority", "")),
        sentiment=params.get("sentiment", "")
        if params.get("sentiment") in Sentiment.values
        else "",
        active_from=_day(params.get("active_from", "")),
        active_to=_day(params.get("active_to", "")),
        sort=params.get("sort") if params.get("sort") in SORTS else "recent",
    )


def _priority(raw: str) -> int | None:
    return int(raw) if raw.isdecimal() and int(raw) in Priority.values else None


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def normalize_query(query: str) -> str:
    return filters_to_query(filters_from_query(query))


def describe(filters: InboxFilters, *, teams: dict[int, str], tags: dict[int, str]) -> list[str]:
    """Short labels for a view's filters ("Open", "Email", "Unassigned", "“refund”")."""
    labels = [ThreadStatus(filters.status).label if filters.status else "All statuses"]
    if filters.team_id:
        labels.append(teams.get(filters.team_id, "a deleted team"))
    if filters.channel_kind:
        labels.append(ChannelKind(filters.channel_kind).label)
    if filters.assignee:
        labels.append({"me": "Assigned to me", "unassigned": "Unassigned"}[filters.assignee])
    if filters.tag_id:
        labels.append(f"#{tags.get(filters.tag_id, 'deleted tag')}")
    if filters.sla:
        labels.append({"approaching": "SLA due soon", "breached": "SLA breached"}[filters.sla])
    if filters.query:
        labels.append(f"“{filters.query}”")
    return labels
