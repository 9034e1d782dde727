"""The template helpers every page uses (cx_hub/templatetags/cx.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines

from cx_hub.templatetags.cx import ago, avatar, channel_icon, exact_time

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _render(source: str, **context) -> str:
    return engines["django"].from_string("{% load cx %}" + source).render(context)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=3), "just now"),
        (timedelta(seconds=42), "42 s ago"),
        (timedelta(minutes=5, seconds=59), "5 min ago"),
        (timedelta(hours=3, minutes=50), "3 h ago"),
        (timedelta(hours=30), "yesterday"),
        (timedelta(days=4, hours=23), "4 days ago"),
        (timedelta(days=8), "14 Nov"),
        (timedelta(days=400), "18 Oct 2025"),
        (-timedelta(minutes=5), "in 5 min"),
        (-timedelta(hours=3), "in 3 h"),
        (-timedelta(hours=30), "tomorrow"),
        (-timedelta(days=3), "in 3 days"),
    ],
)
def test_ago_says_how_long_ago_compactly_then_gives_the_date(delta, text):
    assert ago(NOW - delta, now=NOW) == text


def test_ago_reads_an_age_as_the_time_that_long_ago():
    assert ago(timedelta(minutes=4), now=NOW) == "4 min ago"


def test_ago_of_nothing_is_empty_so_a_default_can_stand_in():
    assert _render('{{ when|ago|default:"never" }}', when=None) == "never"


def test_exact_time_is_the_full_local_time(settings):
    settings.TIME_ZONE = "Europe/Berlin"

    assert exact_time(datetime(2026, 11, 22, 13, 5, tzinfo=UTC)) == "Sun 22 Nov 2026, 14:05"


def test_exact_time_of_nothing_is_empty():
    assert _render('<span title="{{ when|exact_time }}">', when=None) == '<span title="">'


def test_an_avatar_escapes_a_name_even_when_read_back_from_memory():
    name = '<script>alert("x")</script>'

    first = _render("{% avatar name 'XX' %}", name=name)
    again = _render("{% avatar name 'XX' %}", name=name)

    assert first == again
    assert "<script>" not in again
    assert "&lt;script&gt;" in again


def test_a_channel_icon_names_its_channel_and_differs_by_label():
    assert 'title="Support mail"' in channel_icon("email", "Support mail")
    assert 'title="Orders"' in channel_icon("email", "Orders")
    assert 'title="sms"' in channel_icon("sms")


def test_avatars_of_different_people_differ():
    assert avatar("Dana Scully", "DS") != avatar("Fox Mulder", "FM")
