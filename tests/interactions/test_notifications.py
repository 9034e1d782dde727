"""@mentions in notes notify colleagues; the sidebar bell counts them from the cache."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interactions import bell
from interactions.models import Notification, NotificationKind
from interactions.services.notifications import notify_mentions
from tests.factories import MessageFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(team_a):
    """Alice's teammate on team A."""
    return UserFactory(email="dana@example.com", full_name="Dana Duarte", teams=[team_a])


@pytest.fixture
def thread(team_a):
    return ThreadFactory(team=team_a, subject="Broken zipper")


def add_note(client, thread, text, capture):
    with capture(execute=True):
        response = client.post(
            reverse("thread_action", args=[thread.pk]), {"action": "note", "text": text}
        )
    assert response.status_code == 302
    return thread.messages.latest("id")


def mention(thread, author, text, capture):
    """A note written straight to the database (no inbox change), then its notifications."""
    note = MessageFactory(thread=thread, note=True, author=author, text=text)
    with capture(execute=True):
        notify_mentions(note)
    return note


# --- Who gets notified -----------------------------------------------------------------------


def test_a_note_mentioning_a_teammate_notifies_them(
    agent_a_client, agent_a, dana, thread, django_capture_on_commit_callbacks
):
    note = add_note(
        agent_a_client, thread, "@Dana can you call her back?", django_capture_on_commit_callbacks
    )

    notification = Notification.objects.get()
    assert notification.recipient == dana and notification.actor == agent_a
    assert notification.kind == NotificationKind.MENTION
    assert notification.thread == thread and notification.message == note
    assert notification.read_at is None


def test_only_users_who_can_see_the_thread_are_notified(
    agent_a, agent_b, manager, thread, django_capture_on_commit_callbacks
):
    # Bob is on team B and cannot open a team A thread; Max the manager sees every team.
    mention(thread, agent_a, "@Bob @Max please look", django_capture_on_commit_callbacks)

    assert list(Notification.objects.values_list("recipient", flat=True)) == [manager.pk]


def test_the_author_is_not_notified_of_their_own_mention(
    agent_a, dana, thread, django_capture_on_commit_callbacks
):
    mention(thread, agent_a, "@Alice note to self, and @Dana", django_capture_on_commit_callbacks)

    assert list(Notification.objects.values_list("recipient", flat=True)) == [dana.pk]


def test_a_user_mentioned_twice_is_notified_once(
    agent_a, dana, thread, django_capture_on_commit_callbacks
):
    mention(
        thread,
        agent_a,
        '@Dana and @"Dana Duarte" and @dana@example.com',
        django_capture_on_commit_callbacks,
    )

    assert Notification.objects.filter(recipient=dana).count() == 1


def test_an_inactive_user_is_neither_notified_nor_makes_a_first_name_ambiguous(
    agent_a, dana, team_a, thread, django_capture_on_commit_callbacks
):
    UserFactory(full_name="Dana Gone", teams=[team_a], inactive=True)

    mention(thread, agent_a, "@Dana", django_capture_on_commit_callbacks)

    assert list(Notification.objects.values_list("recipient", flat=True)) == [dana.pk]


def test_an_ambiguous_first_name_notifies_nobody(
    agent_a, dana, team_a, thread, django_capture_on_commit_callbacks
):
    UserFactory(full_name="Dana Other", teams=[team_a])

    mention(thread, agent_a, "@Dana", django_capture_on_commit_callbacks)

    assert not Notification.objects.exists()


def test_a_note_without_an_at_sign_costs_no_query(agent_a, thread, django_assert_num_queries):
    note = MessageFactory(thread=thread, note=True, author=agent_a, text="Refund issued.")
    with django_assert_num_queries(0):
        assert notify_mentions(note) == []


def test_the_note_shows_its_mentions_highlighted_and_escaped(
    client_for, agent_a, dana, thread, django_capture_on_commit_callbacks
):
    mention(thread, agent_a, "<b>@Dana</b> and @Alice", django_capture_on_commit_callbacks)

    page = client_for(dana).get(reverse("thread_detail", args=[thread.pk])).content.decode()

    assert "&lt;b&gt;" in page and "<b>@Dana" not in page
    # the viewer's own mention stands out; each says whom it names
    assert '<span class="mention mention-me" title="Dana Duarte">@Dana</span>' in page
    assert '<span class="mention" title="Alice Agent">@Alice</span>' in page


# --- The bell ----------------------------------------------------------------------------------


def test_the_bell_counts_unread_mentions_and_answers_204_while_unchanged(
    client_for, agent_a, dana, thread, django_assert_num_queries, django_capture_on_commit_callbacks
):
    mention(thread, agent_a, "@Dana one", django_capture_on_commit_callbacks)
    mention(thread, agent_a, "@Dana two", django_capture_on_commit_callbacks)
    client = client_for(dana)
    url = reverse("notifications_bell")

    with django_assert_num_queries(3):  # the session, the user, one COUNT
        first = client.get(url)
    assert first.status_code == 200
    assert 'class="bell-count"' in first.content.decode() and ">2</span>" in first.content.decode()

    version = bell.version(dana.pk)
    assert f"?v={version}" in first.content.decode()  # the next poll sends it back
    with django_assert_num_queries(2):  # the session and the user: the answer is in the cache
        assert client.get(url, {"v": version}).status_code == 204


def test_the_bell_re_renders_when_a_mention_arrives(
    client_for, agent_a, dana, thread, django_capture_on_commit_callbacks
):
    client = client_for(dana)
    url = reverse("notifications_bell")
    version = bell.version(dana.pk)
    assert client.get(url, {"v": version}).status_code == 204

    mention(thread, agent_a, "@Dana look", django_capture_on_commit_callbacks)

    changed = client.get(url, {"v": version})
    assert changed.status_code == 200 and ">1</span>" in changed.content.decode()


def test_pages_render_the_bell_from_the_cache(
    client_for, agent_a, dana, thread, django_capture_on_commit_callbacks
):
    mention(thread, agent_a, "@Dana look", django_capture_on_commit_callbacks)
    client = client_for(dana)

    cold = client.get(reverse("contacts")).content.decode()
    # Not cached yet: the page asks for the count once it has loaded, and shows none.
    assert 'hx-trigger="load, every 15s"' in cold and "bell-count" not in cold
    assert '/notifications/bell/?v="' in cold  # no version: the poll must not answer 204
    client.get(reverse("notifications_bell"))

    warm = client.get(reverse("contacts")).content.decode()
    assert 'hx-trigger="every 15s"' in warm and ">1</span>" in warm


def queries_of(client, url) -> list[str]:
    """The SQL a page runs, read at once (the next request resets Django's query log)."""
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    return [q["sql"] for q in context.captured_queries]


def touches_notifications(queries: list[str]) -> bool:
    return any("interactions_notification" in sql for sql in queries)


@pytest.mark.parametrize("with_notifications", [False, True])
def test_the_inbox_runs_the_same_queries_with_or_without_notifications(
    with_notifications, client_for, agent_a, marketer, thread, django_capture_on_commit_callbacks
):
    client = client_for(marketer)
    inbox = reverse("inbox")
    client.get(inbox)  # warm what the inbox caches for itself (saved views' counts)
    baseline = queries_of(client, inbox)

    if with_notifications:
        for i in range(3):
            mention(thread, agent_a, f"@Mia number {i}", django_capture_on_commit_callbacks)
    cold = queries_of(client, inbox)  # the bell's count is not cached yet
    client.get(reverse("notifications_bell"))  # the bell's own request counts (and caches)
    warm = queries_of(client, inbox)
    page = client.get(inbox).content.decode()

    assert len(cold) == len(warm) == len(baseline)
    assert not touches_notifications(cold + warm)
    assert (">3</span>" in page) is with_notifications


def test_the_thread_page_reads_no_notifications_when_the_cache_says_there_are_none(
    client_for, dana, thread
):
    client = client_for(dana)
    url = reverse("thread_detail", args=[thread.pk])
    cold = queries_of(client, url)
    warm = queries_of(client, url)

    assert sum("interactions_notification" in sql for sql in cold) == 1  # one COUNT, then cached
    assert not touches_notifications(warm)


# --- Reading them ------------------------------------------------------------------------------


def test_opening_the_thread_marks_its_notifications_read(
    client_for, agent_a, dana, thread, team_a, django_capture_on_commit_callbacks
):
    elsewhere = ThreadFactory(team=team_a)
    mention(thread, agent_a, "@Dana here", django_capture_on_commit_callbacks)
    mention(elsewhere, agent_a, "@Dana there", django_capture_on_commit_callbacks)
    client = client_for(dana)
    assert ">2</span>" in client.get(reverse("notifications_bell")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("thread_detail", args=[thread.pk]))

    assert Notification.objects.get(thread=thread).read_at is not None
    assert Notification.objects.get(thread=elsewhere).read_at is None
    assert ">1</span>" in client.get(reverse("notifications_bell")).content.decode()


def test_the_notifications_page_lists_the_users_own_newest_first(
    client_for, agent_a, dana, manager, thread, team_a, django_capture_on_commit_callbacks
):
    older = mention(thread, agent_a, "@Dana first", django_capture_on_commit_callbacks)
    Message = type(older)
    Message.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=2))
    Notification.objects.filter(message=older).update(
        created_at=timezone.now() - timedelta(hours=2)
    )
    newer = mention(thread, agent_a, "@Dana second", django_capture_on_commit_callbacks)
    mention(thread, agent_a, "@Max not for Dana", django_capture_on_commit_callbacks)

    response = client_for(dana).get(reverse("notifications"))

    page = response.content.decode()
    assert [n.message for n in response.context["page"]] == [newer, older]
    assert "not for Dana" not in page
    assert f'href="/inbox/threads/{thread.pk}/#m{newer.pk}"' in page
    assert "Mark all read" in page


def test_the_notifications_page_needs_a_sign_in(client):
    response = client.get(reverse("notifications"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("notifications_bell")).status_code == 302


def test_a_thread_the_user_can_no_longer_see_drops_out_of_the_list_and_the_count(
    client_for, agent_a, dana, thread, team_b, django_capture_on_commit_callbacks
):
    mention(thread, agent_a, "@Dana secret plans", django_capture_on_commit_callbacks)
    thread.team = team_b  # moved to a team Dana is not on
    thread.save(update_fields=["team"])
    client = client_for(dana)

    assert "secret plans" not in client.get(reverse("notifications")).content.decode()
    assert "bell-count" not in client.get(reverse("notifications_bell")).content.decode()


def test_mark_all_read(client_for, agent_a, dana, thread, django_capture_on_commit_callbacks):
    mention(thread, agent_a, "@Dana one", django_capture_on_commit_callbacks)
    mention(thread, agent_a, "@Dana two", django_capture_on_commit_callbacks)
    client = client_for(dana)
    url = reverse("notifications_read_all")

    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302 and response["Location"] == reverse("notifications")
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "bell-count" not in client.get(reverse("notifications_bell")).content.decode()
    assert "Mark all read" not in client.get(reverse("notifications")).content.decode()


def test_the_notifications_page_is_paginated(
    client_for, agent_a, dana, thread, django_capture_on_commit_callbacks
):
    for i in range(27):
        mention(thread, agent_a, f"@Dana #{i}", django_capture_on_commit_callbacks)
    client = client_for(dana)

    first = client.get(reverse("notifications"))
    second = client.get(reverse("notifications"), {"page": 2})

    assert len(first.context["page"]) == 25 and len(second.context["page"]) == 2
    assert "Older" in first.content.decode() and "Newer" in second.content.decode()


def test_an_empty_notifications_page_says_how_to_get_some(agent_a_client):
    page = agent_a_client.get(reverse("notifications")).content.decode()
    assert "No notifications yet" in page and "Mark all read" not in page
