"""Saved inbox views: saving, sharing with a team, who sees them, and live counts at a fixed cost."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import Role
from interactions import live
from interactions.inbox_query import describe, filters_from_query, filters_to_query
from interactions.models import ChannelKind, SavedView, ThreadStatus
from interactions.saved_views import saved_view_counts, saved_views_for
from interactions.selectors import inbox_threads
from interactions.services.saved_views import (
    saved_view_create,
    saved_view_rename,
    saved_view_share,
)
from interactions.services.threads import thread_set_status
from tests.conftest import clear_cache
from tests.factories import (
    ChannelFactory,
    MessageFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _view(owner, name, query, team=None) -> SavedView:
    return saved_view_create(owner=owner, name=name, filters=filters_from_query(query), team=team)


def _counts(user, views=None) -> dict[int, int]:
    views = views if views is not None else saved_views_for(user)
    team_ids = list(user.team_memberships.values_list("team_id", flat=True))
    return saved_view_counts(user=user, views=views, team_ids=team_ids)


def _listed(user, query) -> int:
    return len(inbox_threads(user=user, filters=filters_from_query(query), page_size=500).threads)


# --- The query string in normal form (pure) -----------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("", "status=open"),
        ("assignee=unassigned&channel=email", "status=open&channel=email&assignee=unassigned"),
        ("status=all&q=  refund   please ", "status=all&q=refund+please"),
        ("q=refund", "status=all&q=refund"),  # a search looks through every status
        ("status=bogus&channel=fax&assignee=7&sla=late&cursor=abc&v=9", "status=open"),
        ("tag=12&team=3&sla=breached&status=pending", "status=pending&team=3&tag=12&sla=breached"),
    ],
)
def test_a_query_has_one_normal_form(raw, normal):
    assert filters_to_query(filters_from_query(raw)) == normal
    assert filters_to_query(filters_from_query(normal)) == normal


def test_a_views_filters_read_as_labels():
    filters = filters_from_query("status=pending&team=3&channel=sms&assignee=me&tag=9&q=refund")
    labels = describe(filters, teams={3: "Billing"}, tags={})
    assert labels == ["Pending", "Billing", "SMS", "Assigned to me", "#deleted tag", "“refund”"]


# --- Saving, sharing, managing -----------------------------------------------------------


def test_saving_stores_the_current_filters_in_normal_form_and_opens_the_view(
    agent_a_client, agent_a
):
    response = agent_a_client.post(
        reverse("inbox_view_save"),
        {"name": "  Unassigned   email ", "query": "assignee=unassigned&channel=email&cursor=x"},
    )

    view = SavedView.objects.get(owner=agent_a)
    assert (view.name, view.query, view.team) == (
        "Unassigned email",
        "status=open&channel=email&assignee=unassigned",
        None,
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('inbox')}?{view.query}"
    page = agent_a_client.get(response["Location"])
    assert page.context["views_panel"].current_view == view  # highlighted as the open page
    assert "This page is your view “Unassigned email”" in page.content.decode()


def test_a_view_shared_with_a_team_reaches_its_members_only(agent_a, agent_b, team_a):
    teammate = UserFactory(role=Role.AGENT, teams=[team_a])
    shared = _view(agent_a, "Team A urgent", "status=open", team=team_a)
    private = _view(agent_a, "Mine only", "status=pending")

    assert {v.pk for v in saved_views_for(agent_a)} == {shared.pk, private.pk}
    assert [v.pk for v in saved_views_for(teammate)] == [shared.pk]
    assert saved_views_for(agent_b) == []


def test_another_teams_member_cannot_see_or_change_a_teams_view(
    agent_a, agent_b_client, team_a, client_for
):
    shared = _view(agent_a, "Team A urgent", "status=open", team=team_a)

    assert "Team A urgent" not in agent_b_client.get(reverse("inbox")).content.decode()
    assert agent_b_client.get("/api/v1/views/").json() == []
    rename = agent_b_client.post(reverse("inbox_view_update", args=[shared.pk]), {"name": "Mine"})
    delete = agent_b_client.post(reverse("inbox_view_delete", args=[shared.pk]))
    assert rename.status_code == delete.status_code == 404
    # A teammate sees it but may not change it either: only its owner does.
    teammate = client_for(UserFactory(role=Role.AGENT, teams=[team_a]))
    assert "Team A urgent" in teammate.get(reverse("inbox")).content.decode()
    assert teammate.post(reverse("inbox_view_delete", args=[shared.pk])).status_code == 404
    shared.refresh_from_db()
    assert shared.name == "Team A urgent"


def test_a_view_can_only_be_shared_with_a_team_of_ones_own(agent_a, team_b, agent_a_client):
    with pytest.raises(ValidationError):
        _view(agent_a, "Sneaky", "status=open", team=team_b)
    view = _view(agent_a, "Mine", "status=open")
    with pytest.raises(ValidationError):
        saved_view_share(view=view, team=team_b)

    response = agent_a_client.post(
        reverse("inbox_view_save"), {"name": "Sneaky", "query": "", "team": str(team_b.pk)}
    )
    assert response.status_code == 302
    assert not SavedView.objects.filter(name="Sneaky").exists()


def test_the_owner_renames_shares_and_deletes_a_view(agent_a, agent_a_client, team_a):
    view = _view(agent_a, "Open", "status=open")

    agent_a_client.post(reverse("inbox_view_update", args=[view.pk]), {"name": "All open"})
    agent_a_client.post(
        reverse("inbox_view_update", args=[view.pk]), {"action": "share", "team": team_a.pk}
    )
    view.refresh_from_db()
    assert (view.name, view.team) == ("All open", team_a)
    page = agent_a_client.get(reverse("inbox_views")).content.decode()
    assert "All open" in page and "Open" in page

    agent_a_client.post(reverse("inbox_view_delete", args=[view.pk]))
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_view_names_are_unique_per_owner_whatever_the_case(agent_a, agent_b):
    first = _view(agent_a, "Refunds", "q=refund")
    with pytest.raises(ValidationError, match="already have a view"):
        _view(agent_a, "REFUNDS", "status=open")
    other = _view(agent_a, "Other", "status=open")
    with pytest.raises(ValidationError):
        saved_view_rename(view=other, name="refunds")
    assert _view(agent_b, "Refunds", "q=refund").pk != first.pk  # another owner: fine


# --- Counts ------------------------------------------------------------------------------


def test_counts_match_what_each_views_page_lists_for_that_user(agent_a, marketer, team_a, team_b):
    email = ChannelFactory(kind=ChannelKind.EMAIL)
    sms = ChannelFactory(kind=ChannelKind.SMS, address="+15550000001")
    vip, late = TagFactory(name="vip"), TagFactory(name="late")
    ThreadFactory.create_batch(3, team=team_a, channel=email)
    ThreadFactory(team=team_a, channel=email, tags=[vip, late])  # two tags: must count once
    ThreadFactory(team=team_a, channel=sms, pending=True, tags=[vip])
    ThreadFactory.create_batch(2, team=team_b, channel=email)
    ThreadFactory(team=team_b, channel=sms, assignee=agent_a)  # another team's, but Alice's
    refund = ThreadFactory(team=team_a, channel=sms, resolved=True)
    MessageFactory(thread=refund, text="Where is my refund?")
    queries = [
        "status=open",
        "status=open&channel=email",
        f"status=all&tag={vip.pk}",
        "status=open&assignee=me",
        "status=open&assignee=unassigned",
        "status=all&q=refund",
        f"status=open&team={team_b.pk}",
    ]
    for user in (agent_a, marketer):
        views = [_view(user, f"View {n}", q) for n, q in enumerate(queries)]
        counts = _counts(user, views)
        assert [counts[v.pk] for v in views] == [_listed(user, q) for q in queries]

    assert [_listed(agent_a, q) for q in queries] == [5, 4, 2, 1, 4, 1, 1]
    assert [_listed(marketer, q) for q in queries] == [7, 6, 2, 0, 6, 1, 3]


def test_sla_views_count_like_the_sla_filter(marketer):
    now = timezone.now()
    ThreadFactory(first_response_due_at=now - timedelta(minutes=5))
    ThreadFactory(first_response_due_at=now + timedelta(minutes=10))
    ThreadFactory(first_response_due_at=now + timedelta(days=3))
    views = [_view(marketer, s, f"status=open&sla={s}") for s in ("breached", "approaching")]

    counts = _counts(marketer, views)

    assert [counts[v.pk] for v in views] == [1, 1]


def test_a_count_changes_once_a_thread_changes_status(
    marketer, team_a, django_capture_on_commit_callbacks
):
    threads = ThreadFactory.create_batch(3, team=team_a)
    view = _view(marketer, "Open", "status=open")
    assert _counts(marketer)[view.pk] == 3

    with django_capture_on_commit_callbacks(execute=True):
        thread_set_status(thread=threads[0], status=ThreadStatus.RESOLVED, actor=marketer)

    assert _counts(marketer)[view.pk] == 2


def test_counts_are_cached_until_the_inbox_changes(marketer, django_assert_num_queries):
    ThreadFactory.create_batch(2)
    views = [_view(marketer, "Open", "status=open")]

    def count() -> int:
        return saved_view_counts(user=marketer, views=views, team_ids=[])[views[0].pk]

    assert count() == 2
    with django_assert_num_queries(0):
        assert count() == 2
    ThreadFactory()  # written behind the services' back: the cache still answers...
    assert count() == 2
    live._bump(live.INBOX_KEY)  # ...until something announces a change
    assert count() == 3


@pytest.mark.parametrize("how_many", [1, 10])
def test_counting_any_number_of_views_is_one_query(
    how_many, agent_a, team_a, django_assert_num_queries
):
    ThreadFactory.create_batch(4, team=team_a, tags=[TagFactory(name="vip")])
    bases = ["status=open", "status=all&q=refund", "status=open&assignee=me", "tag=1"]
    kinds = ChannelKind.values
    views = [
        _view(agent_a, f"View {n}", f"{bases[n % 4]}&channel={kinds[n % len(kinds)]}")
        for n in range(how_many)
    ]
    team_ids = [team_a.pk]

    with django_assert_num_queries(1):
        counts = saved_view_counts(user=agent_a, views=views, team_ids=team_ids)
    assert len(counts) == how_many


def _inbox_queries(client) -> list[str]:
    clear_cache()  # cold: the counts (and everything else cached) are computed afresh
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("inbox"))
    return [q["sql"] for q in queries.captured_queries]


def test_the_inbox_runs_the_same_queries_for_1_or_10_views(agent_a, agent_a_client, team_a):
    ThreadFactory.create_batch(3, team=team_a)
    _view(agent_a, "View 0", "status=open")
    one = _inbox_queries(agent_a_client)
    for n, kind in enumerate(ChannelKind.values, start=1):  # nine more, each a different query
        _view(agent_a, f"View {n}", f"status=open&channel={kind}")
    ten = _inbox_queries(agent_a_client)

    assert len(one) == len(ten)
    # The column's own cost: the user's teams, their views, one aggregate for all the counts.
    counts = [sql for sql in ten if '"c0"' in sql]
    assert len(counts) == 1 and '"c9"' in counts[0]
    assert sum("interactions_savedview" in sql for sql in ten) == 1
    with CaptureQueriesContext(connection) as warm:
        agent_a_client.get(reverse("inbox"))
    assert not [q for q in warm.captured_queries if '"c0"' in q["sql"]]  # counts from the cache


def test_the_views_column_polls_with_a_204_until_something_changes(marketer, marketer_client):
    view = _view(marketer, "Open", "status=open")
    ThreadFactory()
    url = reverse("inbox_views_panel")
    version = live.inbox_version()

    assert marketer_client.get(url, {"v": version, "current": view.query}).status_code == 204
    live._bump(live.INBOX_KEY)
    ThreadFactory()
    refreshed = marketer_client.get(url, {"v": version, "current": view.query})
    assert refreshed.status_code == 200
    body = refreshed.content.decode()
    assert 'id="view-lists"' in body and ">2</span>" in body and 'aria-current="true"' in body


# --- API ---------------------------------------------------------------------------------


def test_the_api_lists_own_and_team_views_with_counts(agent_a, team_a, agent_a_client):
    teammate = UserFactory(role=Role.AGENT, teams=[team_a], full_name="Tia Teammate")
    ThreadFactory.create_batch(2, team=team_a)
    ThreadFactory(team=team_a, pending=True)
    mine = _view(agent_a, "Pending", "status=pending")
    theirs = _view(teammate, "Open A", "status=open", team=team_a)
    _view(teammate, "Tia's private", "status=open")

    response = agent_a_client.get("/api/v1/views/")

    assert response.status_code == 200
    rows = response.json()
    assert [(r["id"], r["is_mine"], r["count"]) for r in rows] == [
        (mine.pk, True, 1),
        (theirs.pk, False, 2),
    ]
    assert rows[1]["team"] == {"id": team_a.pk, "name": "Team A"}
    assert rows[1]["owner"]["name"] == "Tia Teammate"
    assert rows[1]["inbox_url"] == f"{reverse('inbox')}?status=open"


def test_the_views_api_needs_a_signed_in_caller(client):
    assert client.get("/api/v1/views/").status_code in (401, 403)


def test_the_new_filters_and_sort_survive_a_round_trip_through_a_saved_view():
    from datetime import date

    from interactions.inbox_query import filters_from_query, filters_to_query
    from interactions.selectors import InboxFilters

    filters = InboxFilters(status="open", priority=3, sentiment="negative",
                           active_from=date(2026, 11, 1), active_to=date(2026, 11, 20), sort="sla")
    assert filters_from_query(filters_to_query(filters)) == filters
    assert filters_from_query("priority=9&sentiment=angry&active_from=never&sort=chaos") == InboxFilters()
