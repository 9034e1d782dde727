"""What the thread sidebar's tools card needs: `{% thread_tools thread as tools %}`.

The thread page's view is not ours to change, so the card loads its own data here, in a fixed
number of queries whatever the number of macros: the applicable macros (one query, with their
saved replies). The threads to merge into are the page's `other_threads` (the contact's other
visible threads, already loaded; one query when a page lacks them), and names for the macros'
assign/team actions come from the page's `choices`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django import template

from interactions.models import Macro, Thread
from interactions.models.macros import describe_actions
from interactions.selectors import visible_threads

register = template.Library()

MERGE_CANDIDATES = 20


@dataclass
class ThreadTools:
    macros: list[Macro] = field(default_factory=list)
    merge_candidates: list[Thread] = field(default_factory=list)
    # One key per rendered page: a double-clicked macro button applies once.
    idempotency_key: str = ""


@register.simple_tag(takes_context=True)
def thread_tools(context, thread: Thread) -> ThreadTools:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or thread.merged_into_id:
        return ThreadTools()
    choices = context.get("choices")
    users = {u.pk: u.display_name for u in getattr(choices, "assignees", [])}
    teams = {t.pk: t.name for t in getattr(choices, "teams", [])}
    macros = list(Macro.objects.applicable(user=user, thread=thread).select_related("saved_reply"))
    for macro in macros:
        summary = describe_actions(macro.actions, users=users, teams=teams)
        if macro.reply_text.strip():
            summary.insert(0, "reply")
        macro.summary = summary
    others = context.get("other_threads")
    if others is None:
        others = (
            visible_threads(user)
            .filter(contact_id=thread.contact_id)
            .exclude(pk=thread.pk)
            .select_related("channel")
            .order_by("-last_activity_at", "-id")[:MERGE_CANDIDATES]
        )
    candidates = [other for other in others if not other.merged_into_id]
    return ThreadTools(macros=macros, merge_candidates=candidates, idempotency_key=uuid.uuid4().hex)
