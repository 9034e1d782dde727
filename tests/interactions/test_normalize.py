"""Pure normalization: identities, subjects, previews, sentiment. No database."""

import pytest

from interactions.normalize import (
    InvalidIdentity,
    base_subject,
    normalize_email,
    normalize_identity,
    normalize_phone,
    preview_of,
)
from interactions.sentiment import sentiment_of
from interactions.types import Identity


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+44 7700 900123", "+447700900123"),
        ("whatsapp:+5511987654321", "+5511987654321"),
        ("(415) 555-0100", "+14155550100"),
        ("tel:+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_phone_numbers_become_e164(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "hello", "+1", "12"])
def test_nonsense_is_not_a_phone_number(raw):
    with pytest.raises(InvalidIdentity):
        normalize_phone(raw)


def test_emails_are_lowercased_and_unwrapped():
    assert normalize_email(" <Jane.Doe@Example.COM> ") == "jane.doe@example.com"


@pytest.mark.parametrize("raw", ["", "no-at-sign", "@example.com", "jane@"])
def test_nonsense_is_not_an_email(raw):
    with pytest.raises(InvalidIdentity):
        normalize_email(raw)


def test_whatsapp_identities_are_e164_too():
    assert (
        normalize_identity(Identity("whatsapp", "whatsapp:+1 415 555 0100")).value == "+14155550100"
    )


def test_an_empty_platform_id_is_refused():
    with pytest.raises(InvalidIdentity):
        normalize_identity(Identity("instagram", "   "))


@pytest.mark.parametrize(
    ("subject", "base"),
    [
        ("Re: Re: Order 1042", "Order 1042"),
        ("AW: WG: Rechnung", "Rechnung"),
        ("Fwd: RE[2]: Refund", "Refund"),
        ("Réponse about fees", "Réponse about fees"),
        ("", ""),
    ],
)
def test_reply_prefixes_are_stripped_in_several_languages(subject, base):
    assert base_subject(subject) == base


def test_previews_are_one_line_and_bounded():
    text = "Hello\n\nthere   friend " + "x" * 300
    preview = preview_of(text)
    assert preview.startswith("Hello there friend")
    assert len(preview) == 200 and preview.endswith("…")


@pytest.mark.parametrize(
    ("text", "mood"),
    [
        ("This is terrible, my order is late again and nobody answers!", "negative"),
        ("Thank you so much, the new shoes are wonderful!", "positive"),
        ("The parcel arrived on Tuesday.", "neutral"),
        ("", ""),
    ],
)
def test_sentiment_reads_the_mood(text, mood):
    assert sentiment_of(text) == mood
