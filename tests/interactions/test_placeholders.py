"""Placeholders are filled by plain substitution: user-written text never runs template code."""

from __future__ import annotations

from types import SimpleNamespace

from interactions.placeholders import render_placeholders, unknown_placeholders

ANA = SimpleNamespace(name="Ana Lima")
DANA = SimpleNamespace(full_name="Dana Lee", email="dana@shop.example")
THREAD = SimpleNamespace(pk=4812)


def render(text, *, contact=ANA, agent=DANA, thread=THREAD):
    return render_placeholders(text, contact=contact, agent=agent, thread=thread)


def test_it_fills_every_supported_placeholder():
    text = (
        "Hi {{ contact.first_name }} ({{ contact.name }}), this is {{ agent.first_name }} "
        "— {{ agent.name }} — about #{{ thread.id }}."
    )
    assert render(text) == "Hi Ana (Ana Lima), this is Dana — Dana Lee — about #4812."


def test_spacing_inside_the_braces_does_not_matter():
    assert render("{{contact.first_name}}/{{   agent.name   }}") == "Ana/Dana Lee"


def test_a_contact_without_a_name_leaves_no_dangling_space():
    nameless = SimpleNamespace(name="")
    assert render("Hi {{ contact.first_name }}, thanks!", contact=nameless) == "Hi, thanks!"
    assert render("Dear {{ contact.name }}\nThanks", contact=nameless) == "Dear\nThanks"


def test_a_fallback_fills_a_missing_value():
    nameless = SimpleNamespace(name="  ")
    text = "Hi {{ contact.first_name|default:\"there\" }}, and {{ contact.name|default:'friend' }}"
    assert render(text, contact=nameless) == "Hi there, and friend"
    # A known value wins over the fallback.
    assert render('Hi {{ contact.first_name|default:"there" }}') == "Hi Ana"


def test_a_missing_agent_or_thread_renders_empty_not_none():
    assert render("By {{ agent.name }} on {{ thread.id }}.", agent=None, thread=None) == "By on."


def test_unknown_placeholders_stay_visible_so_the_agent_notices():
    text = "Hi {{ contact.nickname }}, your order {{ order.id }} {{ contact.name|upper }}"
    assert render(text) == text
    assert unknown_placeholders(text) == [
        "{{ contact.nickname }}",
        "{{ order.id }}",
        "{{ contact.name|upper }}",
    ]
    assert unknown_placeholders("Hi {{ contact.first_name }}") == []


def test_template_tags_are_never_executed():
    text = "{% debug %}{% load static %}{% now 'Y' %} {{ request.user }} {# comment #}"
    assert render(text) == text


def test_a_value_that_looks_like_a_placeholder_is_not_filled_again():
    sly = SimpleNamespace(name="{{ agent.name }} {% debug %}")
    assert render("Hi {{ contact.name }}", contact=sly) == "Hi {{ agent.name }} {% debug %}"


def test_real_models_work_too(db):
    from tests.factories import ContactFactory, ThreadFactory, UserFactory

    contact = ContactFactory(name="Jo Park")
    thread = ThreadFactory(contact=contact)
    agent = UserFactory(full_name="", email="sam.k@example.com")
    text = "{{ contact.first_name }} / {{ agent.name|default:'the team' }} / {{ thread.id }}"
    assert render(text, contact=contact, agent=agent, thread=thread) == (
        f"Jo / the team / {thread.pk}"
    )


def test_empty_text_is_empty():
    assert render("") == ""
    assert render(None) == ""
