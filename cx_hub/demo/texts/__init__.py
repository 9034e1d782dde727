"""Canned conversation lines by language. English has every topic; the others the common ones."""

import random

from . import de, en, es, fr, pt

LANGUAGES = {"en": en, "es": es, "fr": fr, "de": de, "pt": pt}


def has_topic(lang: str, topic: str) -> bool:
    return topic in LANGUAGES[lang].TOPICS


def is_common(part: str) -> bool:
    """True for lines any topic uses (nudge, thanks, wait…), False for a topic's own parts."""
    return part in en.LINES


def common_line(rng: random.Random, lang: str, part: str) -> str:
    """A random variant of a line any topic uses, in `lang` (internal notes: in English)."""
    return rng.choice(LANGUAGES[lang].LINES.get(part) or en.LINES[part])


def topic_line(lang: str, topic: str, part: str, variant: int) -> str:
    """Variant `variant` of a topic's part (subject, ask, probe, info, fix, note) in `lang`.

    Every thread keeps one variant number, so an agent's question and the customer's answer
    belong together. Internal notes are always English: they are written for colleagues.
    """
    options = en.TOPICS[topic]["note"] if part == "note" else LANGUAGES[lang].TOPICS[topic][part]
    return options[variant % len(options)]
