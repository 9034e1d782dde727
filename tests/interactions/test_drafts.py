"""Shared reply drafts: saved while typing, restored, shown to colleagues, cleared on send."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from interactions.models import ChannelKind, Draft
from interactions.services.drafts import drafts_version
from tests.factories import ChannelFactory, ContactIdentityFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(team_a):
    return UserFactory(email="dana@example.com", full_name="Dana Duarte", teams=[team_a])


@pytest.fixture
def thread(team_a):
    channel = ChannelFactory(kind=ChannelKind.EMAIL, address="help@shop.example", provider="email")
    thread = ThreadFactory(team=team_a, channel=channel, subject="Broken zipper")
    ContactIdentityFactory(contact=thread.contact, value="jane@example.com")
    return thread


def save_draft(client, thread, text, capture=None):
    url = reverse("thread_draft_save", args=[thread.pk])
    if capture is None:
        return client.post(url, {"text": text})
    with capture(execute=True):
        return client.post(url, {"text": text})


def thread_page(client, thread) -> str:
    return client.get(reverse("thread_detail", args=[thread.pk])).content.decode()


def test_typing_saves_one_draft_per_author_and_thread(agent_a_client, agent_a, thread):
    assert save_draft(agent_a_client, thread, "Hi Jane,").status_code == 204
    assert save_draft(agent_a_client, thread, "Hi Jane, a new zipper").status_code == 204

    draft = Draft.objects.get()
    assert (draft.thread, draft.author, draft.text) == (thread, agent_a, "Hi Jane, a new zipper")


def test_emptying_the_composer_deletes_the_draft(agent_a_client, thread):
    save_draft(agent_a_client, thread, "Hi Jane,")
    save_draft(agent_a_client, thread, "   ")
    assert not Draft.objects.exists()


def test_the_author_finds_their_draft_restored_in_the_composer(agent_a_client, thread):
    save_draft(agent_a_client, thread, "Hi Jane, <b>sorry</b> about the zipper")

    page = thread_page(agent_a_client, thread)

    assert "&lt;b&gt;sorry&lt;/b&gt; about the zipper</textarea>" in page
    assert 'data-draft-restored="just now"' in page
    assert "is drafting" not in page  # their own draft is not shown as a colleague's


def test_a_colleague_sees_who_is_drafting_and_the_full_text(
    agent_a_client, client_for, dana, thread
):
    save_draft(agent_a_client, thread, "Hi Jane, " + "a replacement is on its way " * 5)

    page = thread_page(client_for(dana), thread)

    assert "<strong>Alice</strong> is drafting a reply:" in page
    assert "<q>Hi Jane, a replacement is on its way a replacement …</q>" in page
    assert 'class="draft-text">Hi Jane, ' + "a replacement is on its way " * 5 in page
    assert "updated just now" in page
    # ...and the colleague's own composer stays empty.
    assert 'hx-swap="outerHTML"></textarea>' in page


def test_the_drafts_poll_answers_204_until_a_draft_changes(
    agent_a_client,
    client_for,
    dana,
    thread,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    colleague = client_for(dana)
    url = reverse("thread_drafts", args=[thread.pk])
    version = drafts_version(thread.pk)
    with django_assert_num_queries(2):  # the session and the user: the answer is in the cache
        assert colleague.get(url, {"v": version}).status_code == 204

    save_draft(agent_a_client, thread, "Hi Jane,", django_capture_on_commit_callbacks)

    changed = colleague.get(url, {"v": version})
    assert changed.status_code == 200 and "is drafting" in changed.content.decode()


def test_sending_the_reply_clears_the_draft(
    agent_a_client, client_for, dana, thread, django_capture_on_commit_callbacks
):
    save_draft(agent_a_client, thread, "Hi Jane, a new one is on its way.")
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_a_client.post(
            reverse("thread_reply", args=[thread.pk]),
            {"idempotency_key": "k-1", "text": "Hi Jane, a new one is on its way."},
        )

    assert response.status_code == 302
    assert not Draft.objects.exists()
    assert "is drafting" not in thread_page(client_for(dana), thread)
    assert "</textarea>" in thread_page(agent_a_client, thread)
    assert "a new one is on its way.</textarea>" not in thread_page(agent_a_client, thread)


def test_a_reply_that_fails_validation_keeps_the_draft(agent_a_client, thread):
    save_draft(agent_a_client, thread, "Hi Jane,")
    response = agent_a_client.post(
        reverse("thread_reply", args=[thread.pk]), {"idempotency_key": "k-1", "text": ""}
    )
    assert response.status_code == 400
    assert Draft.objects.exists()


def test_drafts_older_than_a_week_are_ignored(agent_a_client, client_for, dana, thread):
    save_draft(agent_a_client, thread, "An old idea")
    Draft.objects.update(updated_at=timezone.now() - timedelta(days=8))

    assert "An old idea" not in thread_page(agent_a_client, thread)
    assert "An old idea" not in thread_page(client_for(dana), thread)


def test_an_agent_of_another_team_can_neither_read_nor_write_drafts(
    agent_a_client, agent_b_client, thread
):
    save_draft(agent_a_client, thread, "Internal pricing: 20% off")

    poll = agent_b_client.get(reverse("thread_drafts", args=[thread.pk]))
    assert poll.status_code == 404 and "pricing" not in poll.content.decode()
    assert save_draft(agent_b_client, thread, "mine now").status_code == 404
    assert list(Draft.objects.values_list("text", flat=True)) == ["Internal pricing: 20% off"]


def test_saving_needs_a_post_and_a_sign_in(client, agent_a_client, thread):
    url = reverse("thread_draft_save", args=[thread.pk])
    assert agent_a_client.get(url).status_code == 405
    assert client.post(url, {"text": "hi"}).status_code == 302
    assert not Draft.objects.exists()
