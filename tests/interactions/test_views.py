"""The inbox, thread and contact pages: what each persona sees, and constant query counts."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from interactions.models import Attachment, ChannelKind
from tests.factories import (
    ChannelFactory,
    ContactIdentityFactory,
    MessageFactory,
    TagFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db


def _threads(count, **kwargs):
    now = timezone.now()
    return [
        ThreadFactory(last_activity_at=now - timedelta(minutes=i), **kwargs) for i in range(count)
    ]


def test_the_inbox_needs_a_signed_in_user(client):
    response = client.get(reverse("inbox"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_agent_sees_their_teams_open_threads_and_not_another_teams(
    agent_a_client, team_a, team_b
):
    ThreadFactory(team=team_a, subject="Parcel never arrived")
    ThreadFactory(team=team_b, subject="Invoice for Sales")
    ThreadFactory(team=team_a, subject="Old resolved matter", resolved=True)

    page = agent_a_client.get(reverse("inbox")).content.decode()

    assert "Parcel never arrived" in page
    assert "Invoice for Sales" not in page
    assert "Old resolved matter" not in page


def test_a_marketer_triages_every_teams_threads(marketer_client, team_a, team_b):
    ThreadFactory(team=team_a, subject="Parcel never arrived")
    ThreadFactory(team=team_b, subject="Invoice for Sales")

    page = marketer_client.get(reverse("inbox")).content.decode()

    assert "Parcel never arrived" in page
    assert "Invoice for Sales" in page


def test_the_status_tab_and_filters_narrow_the_list(marketer_client, team_a):
    sms = ChannelFactory(kind=ChannelKind.SMS)
    vip = TagFactory(name="vip")
    ThreadFactory(team=team_a, channel=sms, subject="SMS question", tags=[vip])
    ThreadFactory(team=team_a, subject="Email question")
    ThreadFactory(team=team_a, subject="Waiting on customer", pending=True)

    by_channel = marketer_client.get(reverse("inbox"), {"channel": "sms"}).content.decode()
    by_tag = marketer_client.get(reverse("inbox"), {"tag": vip.pk}).content.decode()
    pending = marketer_client.get(reverse("inbox"), {"status": "pending"}).content.decode()

    assert "SMS question" in by_channel and "Email question" not in by_channel
    assert "SMS question" in by_tag and "Email question" not in by_tag
    assert "Waiting on customer" in pending and "Email question" not in pending


def test_nonsense_filters_are_ignored_not_a_server_error(marketer_client, team_a):
    ThreadFactory(team=team_a, subject="Still listed")

    response = marketer_client.get(
        reverse("inbox"),
        {"status": "nope", "team": "abc", "tag": "999999", "channel": "fax", "cursor": "%%%"},
    )

    assert response.status_code == 200
    assert "Still listed" in response.content.decode()


def test_the_older_link_pages_through_every_thread_once(marketer_client, team_a):
    threads = _threads(55, team=team_a)

    first = marketer_client.get(reverse("inbox"))
    cursor = first.context["page"].next_cursor
    second = marketer_client.get(reverse("inbox"), {"cursor": cursor})

    seen = [t.pk for t in first.context["page"].threads + second.context["page"].threads]
    assert seen == [t.pk for t in threads]
    assert second.context["page"].next_cursor == ""


def test_the_empty_inbox_says_so(agent_a_client):
    assert "Nothing here" in agent_a_client.get(reverse("inbox")).content.decode()


@pytest.mark.parametrize("rows", [5, 50])
def test_the_inbox_runs_the_same_queries_for_5_or_50_rows(
    rows, marketer_client, team_a, django_assert_num_queries
):
    tag = TagFactory(name="vip")
    _threads(rows, team=team_a, tags=[tag], assignee=None)
    # session, user, the page's thread ids, those threads, their tags, and the choices for
    # filters and bulk actions (users, teams, tags; cached after the first page): eight,
    # whatever the number of rows; then the saved-views column: the user's teams and their
    # views (no views, so no count query; tests/interactions/test_saved_views.py shows the
    # counts add one aggregate however many views there are)
    with django_assert_num_queries(10):
        response = marketer_client.get(reverse("inbox"))
    assert len(response.context["page"].threads) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_the_contact_page_runs_the_same_queries_for_5_or_50_conversations(
    rows, marketer_client, team_a, django_assert_num_queries
):
    first = ThreadFactory(team=team_a, assignee=None)
    _threads(rows - 1, team=team_a, contact=first.contact, tags=[TagFactory(name="vip")])
    # session, user, the contact, its identities, its threads (with channel and assignee) and
    # their tags: six, however many conversations
    with django_assert_num_queries(6):
        response = marketer_client.get(reverse("contact_detail", args=[first.contact.pk]))
    assert len(response.context["threads"]) == rows
    assert response.content.decode().count('class="tag-chip"') == rows - 1


def test_a_thread_shows_the_whole_conversation_and_clears_unread(agent_a_client, team_a):
    thread = ThreadFactory(team=team_a, subject="Broken zipper")
    MessageFactory(thread=thread, text="The zipper broke on day two.")
    MessageFactory(thread=thread, outbound=True, text="So sorry! A replacement is on its way.")
    MessageFactory(thread=thread, note=True, text="Replacement order #5512 created.")

    page = agent_a_client.get(reverse("thread_detail", args=[thread.pk])).content.decode()

    assert "The zipper broke on day two." in page
    assert "A replacement is on its way." in page
    assert "Internal note" in page and "Replacement order #5512" in page
    thread.refresh_from_db()
    assert thread.is_unread is False


def test_another_teams_thread_is_a_404_for_an_agent(agent_a_client, team_b):
    thread = ThreadFactory(team=team_b)
    response = agent_a_client.get(reverse("thread_detail", args=[thread.pk]))
    assert response.status_code == 404


def test_a_thread_assigned_to_an_agent_is_visible_whatever_its_team(
    agent_a_client, agent_a, team_b
):
    thread = ThreadFactory(team=team_b, assignee=agent_a, subject="Escalated to Alice")
    response = agent_a_client.get(reverse("thread_detail", args=[thread.pk]))
    assert response.status_code == 200


def test_the_thread_page_lists_the_contacts_other_conversations_on_other_channels(
    marketer_client, team_a
):
    thread = ThreadFactory(team=team_a, subject="Email about sizes")
    whatsapp = ChannelFactory(kind=ChannelKind.WHATSAPP)
    ThreadFactory(team=team_a, contact=thread.contact, channel=whatsapp, subject="WhatsApp chat")

    page = marketer_client.get(reverse("thread_detail", args=[thread.pk])).content.decode()

    assert "WhatsApp chat" in page


@pytest.mark.parametrize("messages", [5, 50])
def test_the_thread_page_runs_the_same_queries_for_5_or_50_messages(
    messages, marketer_client, team_a, django_assert_num_queries
):
    thread = ThreadFactory(team=team_a, is_unread=False)
    for i in range(messages):
        MessageFactory(thread=thread, outbound=bool(i % 2))
    # session, user, thread + tags, messages + attachments, activity log, the assignee/team/tag
    # choices, the contact's other threads, identities: the same twelve whatever the size;
    # plus the composer's saved replies and the sidebar's macros (tests/interactions/test_macros.py
    # shows the macro list costs one query however many macros there are); plus the reply
    # drafts on the thread and, the cache being cold, the bell's unread count
    # (tests/interactions/test_notifications.py shows it is not read again once cached)
    with django_assert_num_queries(16):
        response = marketer_client.get(reverse("thread_detail", args=[thread.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("messages", [5, 50])
def test_email_html_with_inline_images_adds_no_queries_to_the_thread_page(
    messages, marketer_client, team_a, settings, tmp_path, django_assert_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    thread = ThreadFactory(team=team_a, is_unread=False)
    for i in range(messages):
        message = MessageFactory(
            thread=thread, html=f'<p>Photo {i}:</p><img src="cid:photo-{i}@mail.example">'
        )
        for name, content_id in ((f"photo-{i}.png", f"photo-{i}@mail.example"), ("a.pdf", "")):
            attachment = Attachment(
                message=message,
                filename=name,
                content_type="image/png" if content_id else "application/pdf",
                content_id=content_id,
                is_inline=bool(content_id),
            )
            attachment.file.save(name, ContentFile(b"data"), save=False)
            attachment.save()

    # The same sixteen as a thread of plain messages (above): attachments are prefetched.
    with django_assert_num_queries(16):
        response = marketer_client.get(reverse("thread_detail", args=[thread.pk]))
    page = response.content.decode()
    first = Attachment.objects.get(content_id="photo-0@mail.example")
    assert f'<img src="{reverse("attachment_download", args=[first.pk])}?inline=1">' in page
    assert page.count("<img ") == messages


def test_contacts_are_searchable_by_email(marketer_client):
    identity = ContactIdentityFactory(value="jane.doe@acme.example", contact__name="Jane Doe")
    ContactIdentityFactory(value="someone@else.example", contact__name="Somebody Else")

    page = marketer_client.get(reverse("contacts"), {"q": "JANE.DOE@"}).content.decode()

    assert "Jane Doe" in page and "Somebody Else" not in page
    detail = marketer_client.get(reverse("contact_detail", args=[identity.contact.pk]))
    assert "jane.doe@acme.example" in detail.content.decode()


def test_a_contacts_journey_hides_threads_the_agent_cannot_see(agent_a_client, team_a, team_b):
    mine = ThreadFactory(team=team_a, subject="Visible to Alice")
    ThreadFactory(team=team_b, contact=mine.contact, subject="Sales-only thread")

    page = agent_a_client.get(reverse("contact_detail", args=[mine.contact.pk])).content.decode()

    assert "Visible to Alice" in page and "Sales-only thread" not in page


def test_an_unknown_contact_is_a_friendly_404(marketer_client):
    response = marketer_client.get(reverse("contact_detail", args=[999999]))
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_an_agent_assigns_tags_snoozes_and_notes_from_the_thread_page(
    agent_a_client, agent_a, team_a
):
    from interactions.models import ThreadEvent

    thread = ThreadFactory(team=team_a)
    tag = TagFactory(name="refund")
    url = reverse("thread_action", args=[thread.pk])

    agent_a_client.post(url, {"action": "assign", "assignee": agent_a.pk})
    agent_a_client.post(url, {"action": "add_tag", "tag": "refund"})
    agent_a_client.post(url, {"action": "priority", "priority": 3})
    agent_a_client.post(url, {"action": "snooze", "snooze": "tomorrow"})
    agent_a_client.post(url, {"action": "note", "text": "Waiting for the warehouse."})

    thread.refresh_from_db()
    assert thread.assignee == agent_a and thread.priority == 3
    assert list(thread.tags.all()) == [tag]
    assert thread.status == "snoozed" and thread.snoozed_until > timezone.now()
    assert thread.messages.get().direction == "note"
    page = agent_a_client.get(reverse("thread_detail", args=[thread.pk])).content.decode()
    assert "assigned this to Alice Agent" in page and "tagged refund" in page
    assert ThreadEvent.objects.filter(thread=thread).count() == 4


def test_resolving_from_the_thread_page_goes_back_to_the_inbox(agent_a_client, team_a):
    thread = ThreadFactory(team=team_a)
    response = agent_a_client.post(
        reverse("thread_action", args=[thread.pk]), {"action": "status", "status": "resolved"}
    )
    assert response["Location"] == reverse("inbox")
    thread.refresh_from_db()
    assert thread.status == "resolved"


def test_a_bad_action_changes_nothing_and_says_why(agent_a_client, team_a):
    thread = ThreadFactory(team=team_a)
    response = agent_a_client.post(
        reverse("thread_action", args=[thread.pk]),
        {"action": "priority", "priority": "99"},
        follow=True,
    )
    assert "Nothing changed" in response.content.decode()
    thread.refresh_from_db()
    assert thread.priority == 1


def test_actions_on_another_teams_thread_are_a_404(agent_a_client, team_b):
    thread = ThreadFactory(team=team_b)
    response = agent_a_client.post(
        reverse("thread_action", args=[thread.pk]), {"action": "status", "status": "resolved"}
    )
    assert response.status_code == 404


def test_polling_an_unchanged_thread_is_a_204_and_a_change_re_renders_it(
    agent_a_client, team_a, django_assert_num_queries
):
    from interactions import live

    thread = ThreadFactory(team=team_a)
    version = live.thread_version(thread.pk)
    url = reverse("thread_poll", args=[thread.pk])

    with django_assert_num_queries(2):  # the session and the user: nothing about the thread
        assert agent_a_client.get(url, {"v": version}).status_code == 204
    live._bump(f"live:thread:{thread.pk}")
    changed = agent_a_client.get(url, {"v": version})
    assert changed.status_code == 200 and 'id="conversation"' in changed.content.decode()


@pytest.mark.redis
def test_with_redis_an_unchanged_poll_reads_only_the_user_from_the_database(
    agent_a, team_a, settings, django_assert_num_queries
):
    from django.test import Client

    from interactions import live

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # as deployed
    client = Client()
    client.force_login(agent_a)
    thread = ThreadFactory(team=team_a)
    url = reverse("thread_poll", args=[thread.pk])

    with django_assert_num_queries(1):  # the user; the session comes from Redis
        assert client.get(url, {"v": live.thread_version(thread.pk)}).status_code == 204


def test_a_new_inbound_message_changes_the_inbox_version(
    team_a, django_capture_on_commit_callbacks
):
    from interactions import live

    before = live.inbox_version()
    thread = ThreadFactory(team=team_a)
    with django_capture_on_commit_callbacks(execute=True):
        from interactions.services.messages import message_create_note

        message_create_note(thread=thread, author=None, text="hello")
    assert live.inbox_version() != before


def test_presence_shows_who_else_is_viewing_or_replying(client_for, agent_a, team_a):
    from tests.factories import UserFactory

    dana = UserFactory(full_name="Dana Diaz", teams=[team_a])
    thread = ThreadFactory(team=team_a)
    url = reverse("thread_presence", args=[thread.pk])
    client_for(dana).post(url, {"state": "replying"})

    answer = client_for(agent_a).post(url).content.decode()

    assert "Dana Diaz is replying" in answer


def test_bulk_assign_changes_only_threads_the_user_may_see(agent_a_client, agent_a, team_a, team_b):
    mine = ThreadFactory.create_batch(3, team=team_a)
    other = ThreadFactory(team=team_b)

    response = agent_a_client.post(
        reverse("inbox_bulk"),
        {"threads": [t.pk for t in mine] + [other.pk], "action": "assign", "assignee": agent_a.pk},
    )

    assert response.status_code == 302
    assert all(
        t.assignee_id == agent_a.pk
        for t in type(mine[0]).objects.filter(pk__in=[t.pk for t in mine])
    )
    other.refresh_from_db()
    assert other.assignee is None


def test_bulk_status_and_tag(marketer_client, team_a):
    threads = ThreadFactory.create_batch(2, team=team_a)
    tag = TagFactory(name="campaign")
    ids = [t.pk for t in threads]
    marketer_client.post(
        reverse("inbox_bulk"), {"threads": ids, "action": "add_tag", "tag": tag.pk}
    )
    marketer_client.post(
        reverse("inbox_bulk"), {"threads": ids, "action": "status", "status": "resolved"}
    )
    for thread in threads:
        thread.refresh_from_db()
        assert thread.status == "resolved" and list(thread.tags.all()) == [tag]


def test_bulk_without_a_value_changes_nothing(marketer_client, team_a):
    thread = ThreadFactory(team=team_a)
    response = marketer_client.post(
        reverse("inbox_bulk"), {"threads": [thread.pk], "action": "status"}, follow=True
    )
    assert "Select conversations and a value" in response.content.decode()


def test_priority_mood_and_date_filters_combine(marketer_client, team_a):
    now = timezone.now()
    urgent_angry = ThreadFactory(
        team=team_a, subject="Urgent and angry", priority=3, sentiment="negative"
    )
    ThreadFactory(team=team_a, subject="Urgent but calm", priority=3, sentiment="positive")
    ThreadFactory(
        team=team_a,
        subject="Old urgent angry",
        priority=3,
        sentiment="negative",
        last_activity_at=now - timedelta(days=40),
    )
    today = timezone.localdate().isoformat()

    page = marketer_client.get(
        reverse("inbox"), {"priority": 3, "sentiment": "negative", "active_from": today}
    ).content.decode()

    assert urgent_angry.subject in page
    assert "Urgent but calm" not in page and "Old urgent angry" not in page


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("priority", ["High", "Normal", "Low"]),
        ("waiting", ["Low", "Normal", "High"]),
        ("recent", ["Normal", "High", "Low"]),
    ],
)
def test_the_inbox_sorts_by_priority_waiting_time_or_activity(
    marketer_client, team_a, sort, expected
):
    now = timezone.now()
    ThreadFactory(
        team=team_a,
        subject="High",
        priority=2,
        last_activity_at=now - timedelta(hours=2),
        last_inbound_at=now - timedelta(hours=2),
    )
    ThreadFactory(
        team=team_a,
        subject="Normal",
        priority=1,
        last_activity_at=now - timedelta(hours=1),
        last_inbound_at=now - timedelta(hours=3),
    )
    ThreadFactory(
        team=team_a,
        subject="Low",
        priority=0,
        last_activity_at=now - timedelta(hours=3),
        last_inbound_at=now - timedelta(hours=9),
    )

    response = marketer_client.get(reverse("inbox"), {"sort": sort})

    assert [t.subject for t in response.context["page"].threads] == expected


def test_sorted_pages_continue_with_an_offset_cursor(marketer_client, team_a):
    threads = [ThreadFactory(team=team_a, priority=i % 4) for i in range(55)]
    first = marketer_client.get(reverse("inbox"), {"sort": "priority"})
    second = marketer_client.get(
        reverse("inbox"), {"sort": "priority", "cursor": first.context["page"].next_cursor}
    )
    seen = [t.pk for t in first.context["page"].threads + second.context["page"].threads]
    assert sorted(seen) == sorted(t.pk for t in threads) and len(set(seen)) == 55
