"""Placeholders in saved replies and macros, filled by plain string substitution.

Users write these texts, so they never go through the Django template engine: `{% debug %}`,
`{% load %}` or a filter in a saved reply stays inert text instead of reading the context.
Only the names in PLACEHOLDERS are filled, in one pass (a contact *named* "{{ agent.name }}"
is not filled again). Anything else between `{{ }}` is left exactly as written so the agent
notices it before sending; `unknown_placeholders` lists those (macro forms refuse them).

A placeholder may carry a fallback for a missing value: `{{ contact.first_name|default:"there" }}`.
Without one, a missing value (a contact with no name) is dropped together with the space
before it when punctuation or a space follows, so "Hi {{ contact.first_name }}, …" reads
"Hi, …" rather than "Hi , …".
"""

from __future__ import annotations

import re

# name -> what it is, for help texts.
PLACEHOLDERS: dict[str, str] = {
    "contact.first_name": "the customer's first name",
    "contact.name": "the customer's full name",
    "agent.first_name": "your first name",
    "agent.name": "your full name",
    "thread.id": "the conversation number",
}

_ANY = re.compile(r"\{\{(.*?)\}\}")
_INNER = re.compile(
    r"""^\s*(?P<name>[a-z_]+\.[a-z_]+)\s*"""
    r"""(?:\|\s*default\s*:\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')\s*)?$"""
)
# After a dropped empty value, these keep the text tidy without the space before them.
_CLOSERS = ",.!?;:)"


def _names(person) -> tuple[str, str]:
    """(full name, first name) of a contact or user; empty strings when unknown."""
    if person is None:
        return "", ""
    full = getattr(person, "full_name", None)
    if full is None:  # a Contact
        full = getattr(person, "name", "")
    full = " ".join(str(full or "").split())
    return full, full.split(" ")[0] if full else ""


def _values(*, contact, agent, thread) -> dict[str, str]:
    contact_name, contact_first = _names(contact)
    agent_name, agent_first = _names(agent)
    thread_id = getattr(thread, "pk", None) if thread is not None else None
    return {
        "contact.first_name": contact_first,
        "contact.name": contact_name,
        "agent.first_name": agent_first,
        "agent.name": agent_name,
        "thread.id": str(thread_id) if thread_id is not None else "",
    }


def _parse(inner: str) -> tuple[str, str | None] | None:
    """(name, fallback or None) for a known placeholder's inside, else None."""
    match = _INNER.match(inner)
    if match is None or match["name"] not in PLACEHOLDERS:
        return None
    fallback = match["dq"] if match["dq"] is not None else match["sq"]
    return match["name"], fallback


def render_placeholders(text: str, *, contact, agent, thread) -> str:
    """`text` with the known placeholders filled for this contact, agent and thread."""
    if not text or "{{" not in text:
        return text or ""
    values = _values(contact=contact, agent=agent, thread=thread)
    rendered, position = "", 0
    for match in _ANY.finditer(text):
        rendered += text[position : match.start()]
        position = match.end()
        parsed = _parse(match[1])
        if parsed is None:
            rendered += match[0]  # unknown: left visible on purpose
            continue
        name, fallback = parsed
        value = values[name] or (fallback or "")
        if not value:
            following = text[position : position + 1]
            if not following or following.isspace() or following in _CLOSERS:
                rendered = rendered.rstrip(" \t")
        rendered += value
    return rendered + text[position:]


def unknown_placeholders(text: str) -> list[str]:
    """The `{{ … }}` snippets in `text` that render_placeholders would leave as written."""
    found: list[str] = []
    for match in _ANY.finditer(text or ""):
        if _parse(match[1]) is None and match[0] not in found:
            found.append(match[0])
    return found
