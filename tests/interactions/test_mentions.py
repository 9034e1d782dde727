"""The @mention parser (interactions/mentions.py): pure, so no database."""

import pytest

from interactions.mentions import MentionIndex, Person, find_mentions

ALEX = Person(1, "alex.agent@example.com", "Alex Agent")
SAM = Person(2, "sam@example.com", "Sam Sales")
SAM_OTHER = Person(3, "sam.other@example.com", "Sam Other")
LUCIA = Person(4, "lucia@example.com", "Lucía Fernández")
JEAN_LUC = Person(5, "jl@example.com", "Jean-Luc Picard")
NAMELESS = Person(6, "x.y@example.com", "x.y")  # no full name: display name is the email's start
USERS = [ALEX, SAM, SAM_OTHER, LUCIA, JEAN_LUC, NAMELESS]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@Alex can you check the refund?", [1]),
        ("@alex can you check?", [1]),  # case does not matter
        ("thanks @Alex.", [1]),  # trailing punctuation is not part of the name
        ("(@Alex) @Alex's call", [1]),  # once, however often
        ("@lucía ¿puedes mirar?", [4]),  # accented first names
        ("@Jean-Luc please", [5]),
        ("@x.y have a look", [6]),  # a user without a name goes by their email's local part
        ("@Alex and @Lucía", [1, 4]),  # in order of first mention
    ],
)
def test_a_unique_first_name_mentions_its_user(text, expected):
    assert find_mentions(text, USERS) == expected


def test_an_ambiguous_first_name_mentions_nobody():
    assert find_mentions("@Sam can you look?", USERS) == []


def test_a_quoted_full_name_settles_an_ambiguous_first_name():
    assert find_mentions('@"Sam Sales" can you look?', USERS) == [2]
    assert find_mentions("@\u201csam   other\u201d too", USERS) == [3]  # curly quotes, spaces


def test_the_email_form_names_exactly_that_user():
    assert find_mentions("@sam@example.com, the invoice", USERS) == [2]
    assert find_mentions("@SAM.OTHER@EXAMPLE.COM.", USERS) == [3]


@pytest.mark.parametrize(
    "text",
    [
        "write to foo@bar",
        "her address is alex@example.com",
        "alex.agent@example.com asked",
        "see https://x.com/@alex",
        "@Alex@foo",  # neither a name nor an address
        "@nobody here",
        '@"Alex"',  # a quoted name must be the full name
        "@ alex",
        "price @ 5",
    ],
)
def test_no_mention(text):
    assert find_mentions(text, USERS) == []


def test_an_unknown_email_mentions_nobody():
    assert find_mentions("@ghost@example.com", USERS) == []


def test_spans_cover_the_mention_without_trailing_punctuation():
    text = "ok @Alex, and @Jean-Luc- then"
    spans = MentionIndex(USERS).spans(text)
    assert [text[s.start : s.end] for s in spans] == ["@Alex", "@Jean-Luc"]
    assert [s.user_id for s in spans] == [1, 5]


def test_no_users_no_mentions():
    assert find_mentions("@Alex", []) == []
    assert find_mentions("", USERS) == []
