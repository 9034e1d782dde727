"""The brand-voice check: pure, so the composer's live check and the send path agree."""

from __future__ import annotations

import re
from dataclasses import dataclass

from interactions.sentiment import sentiment_of


@dataclass(frozen=True)
class Rules:
    banned: tuple[str, ...] = ()
    required: tuple[tuple[str, ...], ...] = ()  # each entry: acceptable alternatives
    warn_negative_tone: bool = True


@dataclass(frozen=True)
class Issue:
    kind: str  # "banned", "missing", "tone"
    message: str


def rules_from_text(banned: str, required: str, warn_negative_tone: bool) -> Rules:
    lines = lambda text: [line.strip() for line in (text or "").splitlines() if line.strip()]  # noqa: E731
    return Rules(
        banned=tuple(lines(banned)),
        required=tuple(
            tuple(alt.strip() for alt in line.split("|") if alt.strip()) for line in lines(required)
        ),
        warn_negative_tone=warn_negative_tone,
    )


def _contains(text: str, phrase: str) -> bool:
    # Whole words, case-insensitive: "no" must not match "know".
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, flags=re.IGNORECASE) is not None


def check(text: str, rules: Rules) -> list[Issue]:
    """What a reviewer would flag in `text`; empty when the reply is on-brand."""
    issues = [
        Issue("banned", f"“{phrase}” is on marketing's banned list.")
        for phrase in rules.banned
        if _contains(text, phrase)
    ]
    for alternatives in rules.required:
        if alternatives and not any(_contains(text, alt) for alt in alternatives):
            issues.append(Issue("missing", f"Add “{alternatives[0]}”: marketing requires it."))
    if rules.warn_negative_tone and text.strip() and sentiment_of(text) == "negative":
        issues.append(Issue("tone", "This reads as negative. Is that the tone you want?"))
    return issues
