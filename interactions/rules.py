"""The rules evaluator: conditions and actions as plain dicts, checked and planned without ORM.

A rule's conditions are a list; all must hold (an empty list always holds). Each condition is
`{"type": ..., "op": ..., "value": ...}`:

    channel           is / is_not       a channel kind ("sms", "email", …)
    text              any / all / none  a list of words or phrases, matched whole-word and
                                        case-insensitively in the message (subject included)
    contact_attribute equals / not_equals  {"attribute": "plan", "value": "gold"}, compared as
                                        trimmed case-insensitive text
    sentiment         is / is_not       "negative" / "neutral" / "positive"
    tag               has / has_not     a tag name (case-insensitive)
    business_hours    inside / outside  the id of a BusinessHours schedule
    priority          is / at_least / at_most  0 (low) … 3 (urgent)

Actions are a list of `{"type": ..., "value": ..., "text": ...}`:

    assign_team   value: team id          assign_agent  value: user id
    tag           value: tag name         set_priority  value: 0…3
    auto_reply    text: the reply         notify        value: "team:<id>" / "user:<id>" or "",
                                                        text: the note

`facts` (built by the rules service from the thread and the message) is a dict with keys
channel_kind, text, contact (dict of attribute → value), sentiment, tags (set of lowercase
names), open_hours (set of BusinessHours ids open right now) and priority.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CHANNEL_LABELS = {
    "email": "Email",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "messenger": "Messenger",
    "instagram": "Instagram",
    "x": "X",
    "youtube": "YouTube",
    "voice": "Phone",
    "api": "API",
}
CHANNEL_KINDS = tuple(CHANNEL_LABELS)
SENTIMENTS = ("negative", "neutral", "positive")
PRIORITIES = (0, 1, 2, 3)
MAX_WORDS = 50
MAX_TEXT = 2000

# type → allowed operators (the first is the default).
CONDITION_OPS: dict[str, tuple[str, ...]] = {
    "channel": ("is", "is_not"),
    "text": ("any", "all", "none"),
    "contact_attribute": ("equals", "not_equals"),
    "sentiment": ("is", "is_not"),
    "tag": ("has", "has_not"),
    "business_hours": ("inside", "outside"),
    "priority": ("is", "at_least", "at_most"),
}
ACTION_TYPES = ("assign_team", "assign_agent", "tag", "set_priority", "auto_reply", "notify")


class RuleError(ValueError):
    """A condition or action that cannot be evaluated: the rule is skipped and logged."""


@dataclass(frozen=True)
class Action:
    kind: str
    value: int | str | None = None
    text: str = ""

    def describe(self) -> dict:
        data: dict = {"type": self.kind}
        if self.value not in (None, ""):
            data["value"] = self.value
        if self.text:
            data["text"] = self.text
        return data


# --- Validation --------------------------------------------------------------------------


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal():
        return int(value.strip())
    return None


def condition_error(condition) -> str | None:
    """Why `condition` is malformed, in words a marketer understands; None when it is fine."""
    if not isinstance(condition, dict):
        return "A condition must be an object with a type."
    kind = condition.get("type")
    if kind not in CONDITION_OPS:
        return f"Unknown condition type {kind!r}."
    op = condition.get("op", CONDITION_OPS[kind][0])
    if op not in CONDITION_OPS[kind]:
        allowed = ", ".join(CONDITION_OPS[kind])
        return f"A {kind.replace('_', ' ')} condition takes one of: {allowed}."
    value = condition.get("value")
    if kind == "channel" and value not in CHANNEL_KINDS:
        return "Pick a channel."
    if kind == "text":
        if not isinstance(value, list) or not value:
            return "List at least one word."
        if len(value) > MAX_WORDS:
            return f"At most {MAX_WORDS} words."
        if not all(isinstance(w, str) and w.strip() for w in value):
            return "Words must be non-empty text."
    if kind == "contact_attribute":
        attribute = condition.get("attribute")
        if not isinstance(attribute, str) or not attribute.strip():
            return "Name the contact attribute (for example: plan = gold)."
        if not isinstance(value, str):
            return "Give the value the attribute must equal."
    if kind == "sentiment" and value not in SENTIMENTS:
        return "Pick a sentiment."
    if kind == "tag" and (not isinstance(value, str) or not value.strip()):
        return "Name the tag."
    if kind == "business_hours" and (_int(value) is None or _int(value) <= 0):
        return "Pick a business-hours schedule."
    if kind == "priority" and _int(value) not in PRIORITIES:
        return "Pick a priority."
    return None


def action_error(action) -> str | None:
    """Why `action` is malformed; None when it is fine."""
    if not isinstance(action, dict):
        return "An action must be an object with a type."
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        return f"Unknown action type {kind!r}."
    value, text = action.get("value"), action.get("text", "")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return f"The text must be at most {MAX_TEXT} characters."
    if kind in {"assign_team", "assign_agent"} and (_int(value) is None or _int(value) <= 0):
        return "Pick a team." if kind == "assign_team" else "Pick an agent."
    if kind == "tag" and (not isinstance(value, str) or not value.strip() or len(value) > 50):
        return "Name the tag (up to 50 characters)."
    if kind == "set_priority" and _int(value) not in PRIORITIES:
        return "Pick a priority."
    if kind == "auto_reply" and not text.strip():
        return "Write the auto-reply."
    if kind == "notify":
        if value not in (None, "") and not re.fullmatch(r"(team|user):[1-9][0-9]*", str(value)):
            return "Notify a team or an agent."
        if not text.strip():
            return "Write the note to send."
    return None


def errors(conditions, actions) -> dict[str, list[str]]:
    """Every problem in a rule's JSON: {"conditions": [...], "actions": [...]}, numbered."""
    found: dict[str, list[str]] = {}
    if not isinstance(conditions, list):
        found["conditions"] = ["Conditions must be a list."]
    else:
        problems = [
            f"Condition {i}: {error}"
            for i, c in enumerate(conditions, start=1)
            if (error := condition_error(c))
        ]
        if problems:
            found["conditions"] = problems
    if not isinstance(actions, list):
        found["actions"] = ["Actions must be a list."]
    elif not actions:
        found["actions"] = ["Add at least one action."]
    else:
        problems = [
            f"Action {i}: {error}"
            for i, a in enumerate(actions, start=1)
            if (error := action_error(a))
        ]
        if problems:
            found["actions"] = problems
    return found


# --- Evaluation ---------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _word_pattern(phrase: str) -> re.Pattern:
    # Whole words: not preceded or followed by a word character, so "refund" does not match
    # "refunded" and "#1042" still matches in "order #1042?". Inner spaces match any whitespace.
    body = r"\s+".join(re.escape(part) for part in phrase.casefold().split())
    return re.compile(rf"(?<!\w){body}(?!\w)")


def contains_word(text: str, phrase: str) -> bool:
    return bool(phrase.strip()) and _word_pattern(phrase).search(text.casefold()) is not None


def _holds(condition: dict, facts: dict) -> bool:
    error = condition_error(condition)
    if error:
        raise RuleError(error)
    kind = condition["type"]
    op = condition.get("op", CONDITION_OPS[kind][0])
    value = condition.get("value")
    if kind == "channel":
        return (facts.get("channel_kind") == value) == (op == "is")
    if kind == "text":
        text = facts.get("text") or ""
        hits = [contains_word(text, word) for word in value]
        return {"any": any(hits), "all": all(hits), "none": not any(hits)}[op]
    if kind == "contact_attribute":
        contact = facts.get("contact") or {}
        actual = contact.get(condition["attribute"].strip())
        equal = actual is not None and str(actual).strip().casefold() == value.strip().casefold()
        return equal == (op == "equals")
    if kind == "sentiment":
        return (facts.get("sentiment") == value) == (op == "is")
    if kind == "tag":
        has = value.strip().casefold() in {t.casefold() for t in facts.get("tags", ())}
        return has == (op == "has")
    if kind == "business_hours":
        inside = _int(value) in set(facts.get("open_hours", ()))
        return inside == (op == "inside")
    priority, wanted = facts.get("priority"), _int(value)
    if priority is None:
        return False
    if op == "at_least":
        return priority >= wanted
    if op == "at_most":
        return priority <= wanted
    return priority == wanted


def matches(conditions: list[dict], facts: dict) -> bool:
    """True when every condition holds for `facts`. Raises RuleError for a malformed one."""
    if not isinstance(conditions, list):
        raise RuleError("Conditions must be a list.")
    return all(_holds(condition, facts) for condition in conditions)


def plan(actions: list[dict]) -> list[Action]:
    """The actions to take, checked and normalized. Raises RuleError for a malformed one."""
    if not isinstance(actions, list):
        raise RuleError("Actions must be a list.")
    planned = []
    for action in actions:
        error = action_error(action)
        if error:
            raise RuleError(error)
        kind, value = action["type"], action.get("value")
        if kind in {"assign_team", "assign_agent", "set_priority"}:
            value = _int(value)
        elif kind == "tag":
            value = value.strip()
        elif kind == "notify":
            value = value or ""
        else:
            value = None
        planned.append(Action(kind=kind, value=value, text=(action.get("text") or "").strip()))
    return planned


def words_from_text(raw: str) -> list[str]:
    """'refund, money back; cancel' → ['refund', 'money back', 'cancel'] (what the form takes)."""
    seen: list[str] = []
    for part in re.split(r"[,;\n]", raw or ""):
        word = " ".join(part.split())
        if word and word.casefold() not in {s.casefold() for s in seen}:
            seen.append(word)
    return seen


# --- Describing ---------------------------------------------------------------------------

PRIORITY_LABELS = {0: "Low", 1: "Normal", 2: "High", 3: "Urgent"}
OP_WORDS = {
    "is": "is",
    "is_not": "is not",
    "any": "contains any of",
    "all": "contains all of",
    "none": "contains none of",
    "equals": "is",
    "not_equals": "is not",
    "has": "has",
    "has_not": "does not have",
    "inside": "inside",
    "outside": "outside",
    "at_least": "is at least",
    "at_most": "is at most",
}


def _name(labels: dict, kind: str, value) -> str:
    return str(labels.get(kind, {}).get(_int(value), f"#{value} (deleted)"))


def describe_condition(condition, labels: dict) -> str:
    """One condition in words, e.g. 'Message text contains any of “refund”, “cancel”'.

    `labels` maps "team", "user" and "hours" to {id: name}.
    """
    if condition_error(condition):
        return "Invalid condition"
    kind = condition["type"]
    op = OP_WORDS[condition.get("op", CONDITION_OPS[kind][0])]
    value = condition.get("value")
    if kind == "channel":
        return f"Channel {op} {CHANNEL_LABELS[value]}"
    if kind == "text":
        words = ", ".join(f"“{w}”" for w in value)
        return f"Message text {op} {words}"
    if kind == "contact_attribute":
        return f"Contact {condition['attribute']} {op} “{value}”"
    if kind == "sentiment":
        return f"Sentiment {op} {value}"
    if kind == "tag":
        return f"Thread {op} tag “{value}”"
    if kind == "business_hours":
        return f"{op.capitalize()} {_name(labels, 'hours', value)}"
    return f"Priority {op} {PRIORITY_LABELS[_int(value)]}"


def describe_action(action, labels: dict) -> str:
    """One action in words, e.g. 'Assign to team Billing'."""
    if action_error(action):
        return "Invalid action"
    kind, value, text = action["type"], action.get("value"), action.get("text", "")
    if kind == "assign_team":
        return f"Assign to team {_name(labels, 'team', value)}"
    if kind == "assign_agent":
        return f"Assign to {_name(labels, 'user', value)}"
    if kind == "tag":
        return f"Add tag “{value}”"
    if kind == "set_priority":
        return f"Set priority {PRIORITY_LABELS[_int(value)]}"
    if kind == "auto_reply":
        return f"Auto-reply “{text[:60]}{'…' if len(text) > 60 else ''}”"
    target = "the team"
    if value:
        kind, _, pk = str(value).partition(":")
        target = _name(labels, "team" if kind == "team" else "user", pk)
    return f"Notify {target}"
