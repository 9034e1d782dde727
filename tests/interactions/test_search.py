"""Full-text search in the inbox: messages, subjects, contacts; hits marked, input escaped."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interactions import search
from interactions.models import Thread
from interactions.search import matching_threads, snippets
from interactions.selectors import InboxFilters, inbox_threads
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


# --- A page of hits: the newest threads one by one, else every match from the indexes --------


@pytest.fixture
def twelve(team_a, team_b):
    """Twelve threads a minute apart, oldest first; every third mentions a blender.

    Threads 0, 4 and 8 belong to team B, the rest to team A.
    """
    start = timezone.now() - timedelta(hours=1)
    made = []
    for i in range(12):
        thread = ThreadFactory(
            team=team_b if i % 4 == 0 else team_a, last_activity_at=start + timedelta(minutes=i)
        )
        MessageFactory(thread=thread, text="My blender broke." if i % 3 == 0 else "Hello there")
        made.append(thread)
    return made


def _search_pages(user, query, *, page_size=2):
    pages, cursor = [], ""
    while True:
        filters = InboxFilters(status="", query=query)
        page = inbox_threads(user=user, filters=filters, cursor=cursor, page_size=page_size)
        pages.append([thread.pk for thread in page.threads])
        cursor = page.next_cursor
        if not cursor:
            return pages
        assert len(pages) < 20, "pagination does not end"


# A window of 1000 holds every thread here; 2 and 1 make PostgreSQL look past the newest
# threads and ask the indexes for every match, as a rare word does at scale.
@pytest.mark.parametrize("window", [1000, 2, 1])
def test_search_pages_list_every_hit_once_newest_first(
    marketer, agent_a, twelve, monkeypatch, window
):
    monkeypatch.setattr(search, "WINDOW", window)
    hits = [t.pk for i, t in reversed(list(enumerate(twelve))) if i % 3 == 0]

    assert _search_pages(marketer, "blender") == [hits[0:2], hits[2:4]]
    # Agents only see their team's hits, with no gap where the others were.
    mine = [pk for pk in hits if pk != twelve[0].pk]
    assert _search_pages(agent_a, "blender") == [mine[0:2], mine[2:3]]
    assert _search_pages(marketer, "nothing-matches") == [[]]


@pytest.mark.parametrize("window", [1000, 1])
def test_search_pages_find_subjects_contact_names_and_addresses(
    marketer, twelve, monkeypatch, window
):
    monkeypatch.setattr(search, "WINDOW", window)
    by_subject, by_name, by_address = twelve[1], twelve[2], twelve[4]
    Thread.objects.filter(pk=by_subject.pk).update(subject="Broken zipper")
    by_name.contact.name = "Greta Lindqvist"
    by_name.contact.save()
    ContactIdentityFactory(contact=by_address.contact, value="greta@example.se")

    assert _search_pages(marketer, "zipper") == [[by_subject.pk]]
    assert _search_pages(marketer, "lindqvist") == [[by_name.pk]]
    assert _search_pages(marketer, "Greta@Example.SE") == [[by_address.pk]]


def test_a_search_costs_as_many_queries_whether_the_newest_threads_hold_the_hits(
    marketer, twelve, monkeypatch
):
    def queries(window):
        monkeypatch.setattr(search, "WINDOW", window)
        with CaptureQueriesContext(connection) as captured:
            inbox_threads(user=marketer, filters=InboxFilters(status="", query="blender"))
        return len(captured)

    assert queries(1000) == queries(1)


def test_a_search_no_thread_can_pass_is_an_empty_page(marketer, twelve):
    filters = InboxFilters(status="", query="blender", assignee="9" * 19)
    assert inbox_threads(user=marketer, filters=filters).threads == []
