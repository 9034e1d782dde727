"""The template helpers every page uses (cx_hub/templatetags/cx.py)."""

from datetime import UTC, datetime

from django.template import engines

from cx_hub.templatetags.cx import avatar, channel_icon, exact_time


def _render(source: str, **context) -> str:
    return engines["django"].from_string("{% load cx %}" + source).render(context)


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
