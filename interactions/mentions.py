"""@mentions in internal notes: who a note names. Pure logic, no ORM.

The syntax, from most to least explicit:

- ``@"Alex Agent"`` (straight or curly quotes): the user whose name is exactly that,
  ignoring case and repeated spaces.
- ``@alex.agent@example.com``: the user with that email address, ignoring case.
- ``@Alex``: the user whose first name (first word of their name) is that, ignoring case,
  and only when exactly one of the given users has it. ``@Alex`` with two Alexes names nobody:
  write the quoted full name or the email instead. A user without a name goes by the part of
  their email address before the ``@`` (``@alex.agent``).

An ``@`` only starts a mention at the start of the text or after a space or punctuation that
cannot be part of an address (so ``foo@bar.com`` and ``https://x.com/@alex`` mention nobody),
and trailing punctuation is not part of a name (``thanks @Alex.`` names Alex).
A name that matches nobody, or more than one user, is plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

MENTION_RE = re.compile(
    r"""
    (?<![\w.+\-@/=])@                             # not inside an address or a URL
    (?:
        ["\u201c](?P<quoted>[^"\u201c\u201d\n]{1,150})["\u201d]
      | (?P<email>[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+)
      | (?P<name>[^\W\d_][\w\-]*(?:\.[\w\-]+)*)(?!\.?[\w@])
    )
    """,
    re.VERBOSE,
)


class Mentionable(Protocol):
    """What the parser needs to know about a user (a `User` or a `Person` both fit)."""

    pk: int
    email: str
    display_name: str


@dataclass(frozen=True)
class Person:
    """A cacheable stand-in for a user: the fields a mention can match."""

    pk: int
    email: str
    display_name: str


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    user_id: int


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


class MentionIndex:
    """The users a mention can name, indexed once for many texts."""

    def __init__(self, users: Iterable[Mentionable]):
        self.by_email: dict[str, int] = {}
        self.by_name: dict[str, set[int]] = {}
        self.by_first: dict[str, set[int]] = {}
        self.names: dict[int, str] = {}
        for user in users:
            self.by_email[user.email.casefold()] = user.pk
            self.names[user.pk] = user.display_name
            name = _norm(user.display_name)
            if name:
                self.by_name.setdefault(name, set()).add(user.pk)
                self.by_first.setdefault(name.split(" ")[0], set()).add(user.pk)

    @staticmethod
    def _only(ids: set[int] | None) -> int | None:
        return next(iter(ids)) if ids and len(ids) == 1 else None

    def spans(self, text: str) -> list[Span]:
        """Every mention in `text` that names exactly one user, in order."""
        found = []
        for match in MENTION_RE.finditer(text or ""):
            end = match.end()
            if match["quoted"] is not None:
                user_id = self._only(self.by_name.get(_norm(match["quoted"])))
            elif match["email"] is not None:
                user_id = self.by_email.get(match["email"].casefold())
            else:
                name = match["name"].rstrip("-")
                end = match.start("name") + len(name)
                user_id = self._only(self.by_first.get(name.casefold()))
            if user_id is not None:
                found.append(Span(match.start(), end, user_id))
        return found


def find_mentions(text: str, users: Iterable[Mentionable]) -> list[int]:
    """The ids of the users `text` mentions, each once, in the order first mentioned."""
    seen: dict[int, None] = {}
    for span in MentionIndex(users).spans(text):
        seen.setdefault(span.user_id)
    return list(seen)
