"""Full-text search in the inbox: messages, subjects, contacts; hits marked, input escaped."""

import pytest
from django.urls import reverse

from interactions.models import Thread
from interactions.search import matching_threads, snippets
from tests.factories import ContactIdentityFactory, MessageFactory, ThreadFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def threads(team_a):
    parcel = ThreadFactory(team=team_a, subject="Delivery question")
    MessageFactory(thread=parcel, text="My parcel never arrived, tracking says delivered.")
    refund = ThreadFactory(team=team_a, subject="Refund request")
    MessageFactory(thread=refund, text="I would like my money back please.")
    person = ThreadFactory(team=team_a, subject="Hello", contact__name="Greta Lindqvist")
    MessageFactory(thread=person, text="Just saying hi.")
    return parcel, refund, person


def test_a_word_in_a_message_finds_its_thread(threads):
    parcel, _, _ = threads
    assert list(matching_threads(Thread.objects.all(), "parcel")) == [parcel]


def test_subjects_and_contact_names_are_searched(threads):
    _, refund, person = threads
    assert list(matching_threads(Thread.objects.all(), "refund")) == [refund]
    assert list(matching_threads(Thread.objects.all(), "lindqvist")) == [person]


def test_an_email_address_finds_the_contacts_threads(threads):
    _, _, person = threads
    ContactIdentityFactory(contact=person.contact, value="greta@example.se")
    assert list(matching_threads(Thread.objects.all(), "Greta@Example.SE")) == [person]


def test_search_syntax_characters_are_searched_for_not_obeyed(threads):
    for nasty in ['"', "parcel OR", "NEAR(", "*", "-", "'); DROP TABLE x; --"]:
        list(matching_threads(Thread.objects.all(), nasty))  # must not raise


def test_snippets_mark_the_hit_and_escape_the_message(team_a):
    thread = ThreadFactory(team=team_a)
    MessageFactory(thread=thread, text="<script>alert(1)</script> my parcel is lost")

    snippet = snippets([thread.pk], "parcel")[thread.pk]

    assert "<mark>parcel</mark>" in snippet
    # SQLite keeps the text and it is escaped; PostgreSQL's ts_headline drops tags itself.
    assert "<script>" not in snippet and "alert(1)" in snippet


def test_the_inbox_search_shows_highlighted_hits_across_statuses(marketer_client, team_a):
    resolved = ThreadFactory(team=team_a, resolved=True, subject="Old matter")
    MessageFactory(thread=resolved, text="The zipper on my jacket broke.")
    ThreadFactory(team=team_a, subject="Unrelated")

    page = marketer_client.get(reverse("inbox"), {"q": "zipper"}).content.decode()

    assert "Old matter" in page and "Unrelated" not in page
    assert "<mark>zipper</mark>" in page


def test_search_respects_who_sees_what(agent_a_client, team_b):
    other = ThreadFactory(team=team_b, subject="Sales secret")
    MessageFactory(thread=other, text="confidential discount")
    page = agent_a_client.get(reverse("inbox"), {"q": "confidential"}).content.decode()
    assert "Sales secret" not in page
    assert "No conversations match your search" in page
