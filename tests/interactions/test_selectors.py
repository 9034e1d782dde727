"""Who sees which threads, the inbox filters, and keyset pagination at constant cost."""

import base64
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from interactions.models import ChannelKind, ThreadStatus
from interactions.selectors import (
    InboxFilters,
    access_contact,
    access_thread,
    contact_other_threads,
    contacts_page,
    decode_cursor,
    encode_cursor,
    inbox_threads,
    thread_messages,
    visible_threads,
)
from tests.factories import (
    ChannelFactory,
    ContactFactory,
    ContactIdentityFactory,
    MessageFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ALL_STATUSES = InboxFilters(status="")


@pytest.fixture
def threads(team_a, team_b, agent_a):
    """One thread per visibility case, keyed by what makes it visible or not."""
    return {
        "team_a": ThreadFactory(team=team_a),
        "team_b": ThreadFactory(team=team_b),
        "no_team": ThreadFactory(team=None),
        "team_b_assigned_to_agent_a": ThreadFactory(team=team_b, assignee=agent_a),
    }


def _ids(rows):
    return {t.pk for t in rows}


# --- visible_threads / access_thread -------------------------------------------------------


def test_an_agent_sees_their_teams_threads_and_those_assigned_to_them(agent_a, threads):
    assert _ids(visible_threads(agent_a)) == {
        threads["team_a"].pk,
        threads["team_b_assigned_to_agent_a"].pk,
    }


def test_an_agent_does_not_see_another_teams_threads(agent_b, threads):
    visible = _ids(visible_threads(agent_b))

    assert threads["team_a"].pk not in visible
    assert threads["no_team"].pk not in visible
    assert threads["team_b"].pk in visible


def test_an_agent_in_two_teams_sees_both_teams_threads(agent_a, team_b, threads):
    agent_a.team_memberships.create(team=team_b)

    assert _ids(visible_threads(agent_a)) == {
        threads["team_a"].pk,
        threads["team_b"].pk,
        threads["team_b_assigned_to_agent_a"].pk,
    }


def test_an_agent_without_a_team_sees_only_threads_assigned_to_them(threads, agent_a):
    loner = UserFactory()
    mine = ThreadFactory(assignee=loner)

    assert _ids(visible_threads(loner)) == {mine.pk}


@pytest.mark.parametrize("persona", ["marketer", "manager", "admin_user"])
def test_roles_that_triage_all_teams_see_every_thread(persona, threads, request):
    user = request.getfixturevalue(persona)

    assert _ids(visible_threads(user)) == _ids(threads.values())


def test_a_deactivated_marketer_no_longer_sees_every_thread(marketer, threads):
    marketer.is_active = False

    assert _ids(visible_threads(marketer)) == set()


def test_access_thread_returns_a_visible_thread(agent_a, threads):
    thread = access_thread(agent_a, threads["team_a"].pk)

    assert thread == threads["team_a"]


def test_access_thread_returns_a_thread_assigned_to_the_agent_in_another_team(agent_a, threads):
    thread = access_thread(agent_a, threads["team_b_assigned_to_agent_a"].pk)

    assert thread.assignee == agent_a


def test_access_thread_refuses_another_teams_thread_with_404(agent_a, threads):
    with pytest.raises(Http404):
        access_thread(agent_a, threads["team_b"].pk)


@pytest.mark.parametrize("thread_id", [987654321, "not-a-number", None])
def test_access_thread_answers_404_for_an_unknown_or_malformed_id(agent_a, thread_id):
    with pytest.raises(Http404):
        access_thread(agent_a, thread_id)


def test_a_marketer_can_access_any_teams_thread(marketer, threads):
    assert access_thread(marketer, threads["team_b"].pk) == threads["team_b"]


# --- inbox_threads filters -----------------------------------------------------------------


def test_the_inbox_shows_open_threads_by_default(marketer):
    open_thread = ThreadFactory()
    ThreadFactory(resolved=True)
    ThreadFactory(snoozed=True)

    page = inbox_threads(user=marketer, filters=InboxFilters())

    assert _ids(page.threads) == {open_thread.pk}


@pytest.mark.parametrize(
    ("status", "trait"),
    [
        (ThreadStatus.RESOLVED, {"resolved": True}),
        (ThreadStatus.SNOOZED, {"snoozed": True}),
        (ThreadStatus.PENDING, {"pending": True}),
    ],
)
def test_the_inbox_filters_by_status(marketer, status, trait):
    ThreadFactory()
    wanted = ThreadFactory(**trait)

    page = inbox_threads(user=marketer, filters=InboxFilters(status=status))

    assert _ids(page.threads) == {wanted.pk}


def test_an_empty_status_filter_shows_every_status(marketer):
    made = [ThreadFactory(), ThreadFactory(resolved=True), ThreadFactory(snoozed=True)]

    page = inbox_threads(user=marketer, filters=ALL_STATUSES)

    assert _ids(page.threads) == _ids(made)


def test_the_inbox_filters_by_team(marketer, team_a, team_b):
    wanted = ThreadFactory(team=team_a)
    ThreadFactory(team=team_b)

    page = inbox_threads(user=marketer, filters=InboxFilters(team_id=team_a.pk))

    assert _ids(page.threads) == {wanted.pk}


def test_an_agent_filtering_by_another_team_sees_only_what_they_may_see(agent_a, team_b, threads):
    page = inbox_threads(user=agent_a, filters=InboxFilters(team_id=team_b.pk))

    assert _ids(page.threads) == {threads["team_b_assigned_to_agent_a"].pk}


def test_the_inbox_filters_by_channel_kind(marketer):
    sms = ThreadFactory(channel=ChannelFactory(kind=ChannelKind.SMS))
    ThreadFactory(channel=ChannelFactory(kind=ChannelKind.EMAIL))

    page = inbox_threads(user=marketer, filters=InboxFilters(channel_kind=ChannelKind.SMS))

    assert _ids(page.threads) == {sms.pk}


def test_the_inbox_filters_to_my_threads(marketer, agent_a):
    mine = ThreadFactory(assignee=marketer)
    ThreadFactory(assignee=agent_a)
    ThreadFactory(assignee=None)

    page = inbox_threads(user=marketer, filters=InboxFilters(assignee="me"))

    assert _ids(page.threads) == {mine.pk}


def test_the_inbox_filters_to_unassigned_threads(marketer, agent_a):
    unassigned = ThreadFactory(assignee=None)
    ThreadFactory(assignee=agent_a)

    page = inbox_threads(user=marketer, filters=InboxFilters(assignee="unassigned"))

    assert _ids(page.threads) == {unassigned.pk}


def test_the_inbox_filters_by_assignee_id(marketer, agent_a, agent_b):
    wanted = ThreadFactory(assignee=agent_a)
    ThreadFactory(assignee=agent_b)

    page = inbox_threads(user=marketer, filters=InboxFilters(assignee=str(agent_a.pk)))

    assert _ids(page.threads) == {wanted.pk}


# "²" passes str.isdigit() but not int(); Arabic-Indic digits followed by junk are no id either.
@pytest.mark.parametrize("assignee", ["\u00b2", "\u0661\u0662x", "someone", "-1"])
def test_a_malformed_assignee_filter_is_ignored_not_a_crash(marketer, assignee):
    thread = ThreadFactory(assignee=marketer)

    page = inbox_threads(user=marketer, filters=InboxFilters(assignee=assignee))

    assert _ids(page.threads) == {thread.pk}


@pytest.mark.parametrize("assignee", ["987654321", "9" * 30])
def test_an_assignee_id_that_nobody_has_shows_no_threads(marketer, assignee):
    ThreadFactory(assignee=marketer)

    page = inbox_threads(user=marketer, filters=InboxFilters(assignee=assignee))

    assert page.threads == []


def test_the_inbox_filters_by_tag(marketer):
    refund, vip = TagFactory(name="refund"), TagFactory(name="vip")
    wanted = ThreadFactory(tags=[refund, vip])
    ThreadFactory(tags=[vip])
    ThreadFactory()

    page = inbox_threads(user=marketer, filters=InboxFilters(tag_id=refund.pk))

    assert _ids(page.threads) == {wanted.pk}


def test_the_inbox_combines_filters(marketer, team_a):
    wanted = ThreadFactory(team=team_a, assignee=None, channel=ChannelFactory(kind=ChannelKind.SMS))
    ThreadFactory(team=team_a, assignee=marketer, channel=wanted.channel)
    ThreadFactory(team=team_a, assignee=None)

    page = inbox_threads(
        user=marketer,
        filters=InboxFilters(team_id=team_a.pk, channel_kind="sms", assignee="unassigned"),
    )

    assert _ids(page.threads) == {wanted.pk}


def test_the_inbox_lists_a_threads_tags_in_name_order(marketer):
    ThreadFactory(tags=[TagFactory(name="vip"), TagFactory(name="billing")])

    [thread] = inbox_threads(user=marketer, filters=InboxFilters()).threads

    assert [t.name for t in thread.tags.all()] == ["billing", "vip"]


# --- Keyset pagination ---------------------------------------------------------------------


def _walk(user, *, filters=ALL_STATUSES, page_size):
    """Every page of the inbox, following next_cursor until it runs out."""
    pages, cursor = [], ""
    while True:
        page = inbox_threads(user=user, filters=filters, cursor=cursor, page_size=page_size)
        pages.append(page.threads)
        cursor = page.next_cursor
        if not cursor:
            return pages
        assert len(pages) < 100, "pagination does not end"


def test_paging_shows_every_thread_exactly_once_newest_first(marketer):
    start = timezone.now() - timedelta(days=1)
    made = [ThreadFactory(last_activity_at=start + timedelta(minutes=i)) for i in range(7)]

    pages = _walk(marketer, page_size=3)

    assert [len(p) for p in pages] == [3, 3, 1]
    seen = [t.pk for page in pages for t in page]
    assert seen == [t.pk for t in reversed(made)]


def test_paging_is_stable_when_threads_share_a_timestamp(marketer):
    same_time = timezone.now() - timedelta(hours=1)
    made = [ThreadFactory(last_activity_at=same_time) for _ in range(7)]
    newer = ThreadFactory(last_activity_at=same_time + timedelta(seconds=1))

    pages = _walk(marketer, page_size=3)

    seen = [t.pk for page in pages for t in page]
    assert seen == [newer.pk, *sorted((t.pk for t in made), reverse=True)]


def test_a_full_last_page_has_no_next_cursor(marketer):
    ThreadFactory.create_batch(3)

    page = inbox_threads(user=marketer, filters=InboxFilters(), page_size=3)

    assert len(page.threads) == 3
    assert page.next_cursor == ""


def test_paging_keeps_the_filters(marketer, team_a, team_b):
    start = timezone.now() - timedelta(days=1)
    wanted = [
        ThreadFactory(team=team_a, last_activity_at=start + timedelta(minutes=i)) for i in range(5)
    ]
    for i in range(5):
        ThreadFactory(team=team_b, last_activity_at=start + timedelta(minutes=i, seconds=30))

    pages = _walk(marketer, filters=InboxFilters(team_id=team_a.pk), page_size=2)

    assert [t.pk for page in pages for t in page] == [t.pk for t in reversed(wanted)]


def test_a_thread_with_new_activity_is_not_shown_again_on_later_pages(marketer):
    start = timezone.now() - timedelta(days=1)
    made = [ThreadFactory(last_activity_at=start + timedelta(minutes=i)) for i in range(6)]
    first = inbox_threads(user=marketer, filters=InboxFilters(), page_size=3)
    moved = first.threads[0]
    moved.last_activity_at = timezone.now()
    moved.save()

    second = inbox_threads(
        user=marketer, filters=InboxFilters(), cursor=first.next_cursor, page_size=3
    )

    assert _ids(second.threads) == _ids(made[:3])


def test_a_cursor_round_trips():
    thread = ThreadFactory()

    assert decode_cursor(encode_cursor(thread)) == (thread.last_activity_at, thread.pk)


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!not-base64!!!",
        "abc",
        _b64("not-a-date|12"),
        _b64("2026-01-01T00:00:00+00:00|twelve"),
        _b64("2026-13-45T99:00:00+00:00|12"),
        _b64("2999-01-01T00:00:00+00:00|99999999999999999999999999"),
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
    ],
)
def test_a_bad_cursor_is_treated_as_the_first_page(marketer, cursor):
    start = timezone.now() - timedelta(days=1)
    made = [ThreadFactory(last_activity_at=start + timedelta(minutes=i)) for i in range(4)]

    page = inbox_threads(user=marketer, filters=InboxFilters(), cursor=cursor, page_size=2)

    assert [t.pk for t in page.threads] == [made[3].pk, made[2].pk]


@pytest.mark.parametrize("count", [5, 60])
def test_the_first_page_costs_the_same_queries_whatever_the_inbox_size(
    count, agent_a, agent_b, team_a, django_assert_num_queries
):
    channel, tag = ChannelFactory(), TagFactory()
    for _ in range(count):
        ThreadFactory(channel=channel, team=team_a, assignee=agent_b, tags=[tag])

    # Team ids, the page's thread ids, those threads (channel, contact, assignee, team
    # joined), their tags; and, agents being who it may hit, the organization's switch for
    # masking contact details (cached for a minute outside the tests).
    with django_assert_num_queries(5):
        page = inbox_threads(user=agent_a, filters=InboxFilters())
        for thread in page.threads:
            assert thread.channel.kind and thread.contact.name and thread.assignee.email
            assert thread.team.name and [t.name for t in thread.tag_list]

    assert len(page.threads) == min(count, 50)


# --- The thread page's other reads ---------------------------------------------------------


def test_thread_messages_are_in_the_order_they_happened(marketer):
    thread = ThreadFactory()
    now = timezone.now()
    later = MessageFactory(thread=thread, created_at=now)
    earlier = MessageFactory(thread=thread, created_at=now - timedelta(minutes=5))
    reply = MessageFactory(outbound=True, thread=thread, created_at=now + timedelta(minutes=1))

    assert list(thread_messages(thread)) == [earlier, later, reply]


def test_contact_other_threads_lists_the_contacts_other_visible_threads(agent_a, team_a, team_b):
    contact = ContactFactory()
    current = ThreadFactory(contact=contact, team=team_a)
    other = ThreadFactory(contact=contact, team=team_a, channel=ChannelFactory(kind="sms"))
    ThreadFactory(contact=contact, team=team_b)  # not visible to agent A
    ThreadFactory(team=team_a)  # another contact

    assert contact_other_threads(user=agent_a, thread=current) == [other]


def test_contacts_page_finds_a_contact_by_name_or_identity():
    ann = ContactFactory(name="Ann Example")
    ContactIdentityFactory(contact=ann, value="ann@mail.example")
    bob = ContactFactory(name="Bob Other")
    ContactIdentityFactory(contact=bob, value="bob@mail.example")

    assert contacts_page(query="ann") == [ann]
    assert contacts_page(query="BOB@MAIL") == [bob]


def test_contacts_page_leaves_out_merged_contacts():
    survivor = ContactFactory(name="Ann Example")
    ContactFactory(name="Ann Duplicate", merged_into=survivor)

    assert contacts_page(query="ann") == [survivor]


@pytest.mark.parametrize("contact_id", [987654321, "x"])
def test_access_contact_answers_404_for_an_unknown_id(contact_id):
    with pytest.raises(Http404):
        access_contact(contact_id)
