"""The Reports page: hand-computed numbers, both percentile paths, permissions, CSV, bad input."""

import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent
from interactions.models import ChannelKind, Thread
from interactions.reports import (
    Metric,
    Period,
    ReportFilters,
    build_report,
    durations_in_database,
    durations_in_python,
    format_duration,
    format_pct,
    percentile,
)
from tests.factories import ChannelFactory, MessageFactory, ThreadFactory, UserFactory

# Three whole days in March 2025, reported as if "now" were noon on March 10 (UTC).
PERIOD = Period(start=date(2025, 3, 1), end=date(2025, 3, 3))
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _utc(settings):
    settings.TIME_ZONE = "UTC"


def _report(user, filters=None, period=PERIOD):
    return build_report(user=user, period=period, filters=filters, now=NOW)


def _row(rows, label):
    return next(r for r in rows if r.label == label)


# --- Pure helpers ------------------------------------------------------------------------------


def test_percentile_interpolates_like_postgres_percentile_cont():
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (timedelta(seconds=20), "< 1 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=2, minutes=14), "2 h 14 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(days=3, hours=4, minutes=10), "3 d 4 h"),
        (timedelta(days=2), "2 d"),
    ],
)
def test_durations_read_the_way_people_say_them(value, text):
    assert format_duration(value) == text


def test_percentages_keep_one_decimal_only_when_needed():
    assert format_pct(100.0) == "100%"
    assert format_pct(200 / 3) == "66.7%"
    assert format_pct(None) == "—"


def test_a_preset_period_ends_today_and_counts_whole_days():
    period = Period.last(7, today=date(2025, 3, 10))
    assert (period.start, period.end, period.length) == (date(2025, 3, 4), date(2025, 3, 10), 7)
    begin, finish = period.bounds(UTC)
    assert begin == datetime(2025, 3, 4, tzinfo=UTC)
    assert finish == datetime(2025, 3, 11, tzinfo=UTC)


# --- The numbers ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_medians_and_p90s_by_channel_team_and_agent(manager, agent_a, team_a, team_b):
    email = ChannelFactory(kind=ChannelKind.EMAIL)
    sms = ChannelFactory(kind=ChannelKind.SMS)
    # First responses of 10, 20, 30, 40, 100 minutes: median 30, p90 = 40 + 0.6 * 60 = 76.
    for minutes, channel, team in [
        (10, email, team_a),
        (20, email, team_a),
        (30, email, team_a),
        (40, sms, team_b),
        (100, sms, team_b),
    ]:
        ThreadFactory(
            channel=channel,
            team=team,
            assignee=agent_a if team == team_a else None,
            created_at=at(1),
            first_response_at=at(1) + timedelta(minutes=minutes),
        )
    ThreadFactory(channel=email, team=team_a, created_at=at(2))  # never answered

    report = _report(manager)

    total = report.total
    assert total.threads == 6
    assert total.first_response.n == 5
    assert total.first_response.median == timedelta(minutes=30)
    assert total.first_response.p90 == timedelta(minutes=76)
    email_row = _row(report.by_channel, "Email")
    assert (email_row.threads, email_row.first_response.n) == (4, 3)
    assert email_row.first_response.median == timedelta(minutes=20)
    assert email_row.first_response.p90 == timedelta(minutes=28)  # 20 + 0.8 * 10
    sms_row = _row(report.by_channel, "SMS")
    assert sms_row.first_response.median == timedelta(minutes=70)
    assert sms_row.first_response.p90 == timedelta(minutes=94)  # 40 + 0.9 * 60
    assert _row(report.by_team, "Team B").first_response.median == timedelta(minutes=70)
    alice = _row(report.by_agent, "Alice Agent")
    assert (alice.threads, alice.first_response.median_text) == (3, "20 min")
    assert _row(report.by_agent, "Unassigned").threads == 3
    assert [d.first_response.n for d in report.days] == [5, 0, 0]


@pytest.mark.django_db
def test_resolution_time_counts_threads_resolved_in_the_period_whenever_created(manager):
    resolved = [
        (at(1, 9), at(1, 11)),  # 2 h
        (at(1, 9), at(2, 9)),  # 24 h
        (datetime(2025, 2, 20, 9, tzinfo=UTC), at(3, 9)),  # created before the period: 11 d
        (at(2, 9), datetime(2025, 3, 5, 9, tzinfo=UTC)),  # resolved after: not counted
    ]
    for created, done in resolved:
        ThreadFactory(created_at=created, resolved=True, resolved_at=done, last_activity_at=done)

    report = _report(manager)

    assert report.total.resolution.n == 3
    assert report.total.resolution.median == timedelta(hours=24)
    assert report.total.resolution.p90 == timedelta(hours=24 + 0.8 * (264 - 24))  # 9 d
    assert [d.resolution.n for d in report.days] == [1, 1, 1]
    assert report.days[2].resolution.median_text == "11 d"


@pytest.mark.django_db
def test_sla_compliance_counts_met_breached_and_leaves_pending_out(manager):
    due = at(1, 10)
    ThreadFactory(created_at=at(1), first_response_due_at=due, first_response_at=at(1, 9, 30))
    ThreadFactory(created_at=at(1), first_response_due_at=due, first_response_at=at(1, 10, 30))
    ThreadFactory(created_at=at(1), first_response_due_at=due)  # overdue, never answered
    ThreadFactory(created_at=at(2), first_response_due_at=NOW + timedelta(hours=1))  # pending
    ThreadFactory(created_at=at(2))  # no SLA at all
    ThreadFactory(
        created_at=at(3),
        resolution_due_at=at(4),
        resolved=True,
        resolved_at=at(3, 18),
        last_activity_at=at(3, 18),
    )

    report = _report(manager)

    sla = report.total.response_sla
    assert (sla.met, sla.breached, sla.pending) == (1, 2, 1)
    assert sla.pct_text == "33.3%"
    assert report.total.resolution_sla.pct == 100
    assert report.has_sla
    assert [d.response_sla.measured for d in report.days] == [3, 0, 0]


@pytest.mark.django_db
def test_backlog_is_open_threads_at_the_end_of_each_day(manager):
    ThreadFactory(created_at=datetime(2025, 2, 1, tzinfo=UTC))  # open all along
    ThreadFactory(  # resolved before the period: never in it
        created_at=datetime(2025, 2, 1, tzinfo=UTC),
        resolved=True,
        resolved_at=datetime(2025, 2, 2, tzinfo=UTC),
    )
    ThreadFactory(  # open at the start, resolved on day 2
        created_at=datetime(2025, 2, 25, tzinfo=UTC), resolved=True, resolved_at=at(2, 15)
    )
    ThreadFactory(created_at=at(1), resolved=True, resolved_at=at(3, 8))
    ThreadFactory(created_at=at(2))
    ThreadFactory(created_at=at(3, 23, 59))
    ThreadFactory(created_at=at(4))  # after the period

    report = _report(manager)

    assert report.backlog_at_start == 2
    assert [d.backlog for d in report.days] == [3, 3, 3]
    assert [d.threads for d in report.days] == [1, 1, 1]


@pytest.mark.django_db
def test_volume_counts_threads_by_day_and_channel_and_inbound_messages_only(manager):
    sms = ChannelFactory(kind=ChannelKind.SMS)
    first = ThreadFactory(created_at=at(1))
    ThreadFactory(created_at=at(1), channel=sms)
    ThreadFactory(created_at=at(3), channel=sms)
    MessageFactory(thread=first, created_at=at(1))
    MessageFactory(thread=first, created_at=at(2))
    MessageFactory(thread=first, created_at=at(2), outbound=True)
    MessageFactory(thread=first, created_at=at(2), note=True)
    MessageFactory(thread=first, created_at=at(5))  # after the period

    report = _report(manager)

    assert report.total.threads == 3
    assert report.total.inbound_messages == 2
    assert [d.threads_by_channel for d in report.days] == [
        {"email": 1, "sms": 1},
        {},
        {"sms": 1},
    ]
    assert report.channel_kinds == ["email", "sms"]
    assert _row(report.by_channel, "Email").inbound_messages == 2


@pytest.mark.django_db
def test_days_follow_the_sites_time_zone(manager, settings):
    settings.TIME_ZONE = "America/New_York"
    ThreadFactory(created_at=datetime(2025, 3, 2, 3, 0, tzinfo=UTC))  # 22:00 on March 1 there

    report = _report(manager)

    assert [d.threads for d in report.days] == [1, 0, 0]


@pytest.mark.django_db
def test_team_and_channel_filters_apply_to_everything(manager, team_a, team_b):
    sms = ChannelFactory(kind=ChannelKind.SMS)
    ThreadFactory(created_at=at(1), team=team_a, first_response_at=at(1, 10))
    ThreadFactory(created_at=at(1), team=team_b, first_response_at=at(1, 12))
    ThreadFactory(created_at=at(1), team=team_a, channel=sms, first_response_at=at(1, 15))

    by_team = _report(manager, ReportFilters(team_id=team_a.pk))
    by_both = _report(manager, ReportFilters(team_id=team_a.pk, channel_kind=ChannelKind.SMS))

    assert by_team.total.threads == 2
    assert [r.label for r in by_team.by_team] == ["Team A"]
    assert by_both.total.threads == 1
    assert by_both.total.first_response.median == timedelta(hours=6)


@pytest.mark.django_db
def test_an_agent_only_counts_the_threads_they_may_see(agent_a, team_a, team_b):
    ThreadFactory(created_at=at(1), team=team_a)
    ThreadFactory(created_at=at(1), team=team_b)

    assert _report(agent_a).total.threads == 1


# --- Both percentile paths -----------------------------------------------------------------


def _random_threads(count: int) -> None:
    rng = random.Random(7)
    channels = [ChannelFactory(kind=kind) for kind in (ChannelKind.EMAIL, ChannelKind.SMS)]
    for _ in range(count):
        created = at(rng.randint(1, 3), rng.randint(0, 23), rng.randint(0, 59))
        resolved = created + timedelta(seconds=rng.randint(3_000, 200_000))
        ThreadFactory(
            channel=rng.choice(channels),
            created_at=created,
            first_response_at=created + timedelta(seconds=rng.randint(30, 50_000)),
            **({"resolved": True, "resolved_at": resolved} if rng.random() < 0.7 else {}),
        )


def _assert_same(left, right):
    assert left.keys() == right.keys()
    for name in left:
        assert left[name].keys() == right[name].keys(), name
        for key, stats in left[name].items():
            other = right[name][key]
            assert stats.n == other.n
            for a, b in [(stats.median, other.median), (stats.p90, other.p90)]:
                assert abs(a - b) <= timedelta(milliseconds=1), (name, key)


METRICS = [
    Metric(
        "first_response",
        Q(created_at__gte=at(1, 0), first_response_at__isnull=False),
        end="first_response_at",
        day_of="created_at",
    ),
    Metric(
        "resolution",
        Q(resolved_at__gte=at(1, 0), resolved_at__lt=at(3, 0)),
        end="resolved_at",
        day_of="resolved_at",
    ),
]


@pytest.mark.django_db
def test_the_python_path_groups_by_day_channel_team_agent_and_overall():
    ThreadFactory(created_at=at(1), first_response_at=at(1, 10))
    ThreadFactory(created_at=at(2), first_response_at=at(2, 12))

    stats = durations_in_python(Thread.objects.all(), METRICS, UTC)["first_response"]

    assert stats["all"][()].median == timedelta(hours=2)
    assert stats["day"][(date(2025, 3, 1),)].median == timedelta(hours=1)
    assert stats["channel"][("email",)].n == 2
    assert stats["team"][(None, None)].n == 2
    assert stats["agent"][(None, None, None)].p90 == timedelta(hours=2.8)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_percentile_cont_agrees_with_the_python_path(django_assert_num_queries):
    _random_threads(60)
    threads = Thread.objects.all()

    with django_assert_num_queries(2 + 4):  # a per-day query per metric, then one per grouping
        in_db = durations_in_database(threads, METRICS, UTC)
    in_python = durations_in_python(threads, METRICS, UTC)

    for metric in METRICS:
        _assert_same(in_db[metric.name], in_python[metric.name])
    assert in_db["first_response"]["all"][()].n == 60
    assert 0 < in_db["resolution"]["all"][()].n < 60


# --- The page --------------------------------------------------------------------------------


def _recent(**kwargs):
    created = timezone.now() - timedelta(days=1)
    return ThreadFactory(created_at=created, **kwargs)


@pytest.mark.django_db
def test_an_agent_may_not_open_reports(agent_a_client):
    assert agent_a_client.get(reverse("reports")).status_code == 403
    assert agent_a_client.get(reverse("reports_export")).status_code == 403


@pytest.mark.django_db
def test_a_manager_sees_tiles_charts_and_tables(manager_client, team_a):
    _recent(team=team_a, first_response_at=timezone.now() - timedelta(hours=23))

    response = manager_client.get(reverse("reports"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Median first response" in page
    assert 'id="chart-volume"' in page
    assert "By team" in page and "Team A" in page
    assert "How these are measured" in page
    assert "No SLA policy data" in page
    assert "vendor/chart.umd.min.js" in page
    # CSP: every script is a file from 'self' or inert JSON from json_script.
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert 'id="report-data" type="application/json"' in page


@pytest.mark.django_db
def test_an_empty_period_says_so(manager_client):
    page = manager_client.get(reverse("reports")).content.decode()
    assert "No conversations in this period" in page
    assert 'id="report-data"' not in page


@pytest.mark.django_db
def test_a_marketer_sees_reports_without_export(marketer_client):
    _recent()
    page = marketer_client.get(reverse("reports")).content.decode()
    assert reverse("reports_export") not in page
    assert marketer_client.get(reverse("reports_export")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "custom"}, "Choose both a start and an end date"),
        ({"period": "custom", "start": "2025-03-05", "end": "2025-03-01"}, "on or before"),
        ({"period": "custom", "start": "2020-01-01", "end": "2025-01-01"}, "at most 366 days"),
        ({"period": "custom", "start": "2025-13-45", "end": "2025-03-01"}, "Enter a valid date"),
        ({"period": "custom", "start": "2025-03-01", "end": "2999-01-01"}, "in the future"),
        ({"period": "999"}, "Select a valid choice"),
        ({"team": "nope"}, "Select a valid choice"),
        ({"channel": "pigeon"}, "Select a valid choice"),
    ],
)
def test_bad_period_params_show_a_form_error_never_a_500(manager_client, params, message):
    response = manager_client.get(reverse("reports"), params)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Choose a valid period" in response.content.decode()
    export = manager_client.get(reverse("reports_export"), params)
    assert export.status_code == 400


@pytest.mark.django_db
def test_dates_alone_mean_a_custom_range(manager_client):
    today = timezone.localdate()
    response = manager_client.get(
        reverse("reports"), {"start": (today - timedelta(days=2)).isoformat(), "end": today}
    )
    assert response.context["report"].period.length == 3


@pytest.mark.django_db
def test_the_csv_export_has_the_tables_columns_and_is_audited(manager, manager_client, team_a):
    created = timezone.now() - timedelta(days=1)
    _recent(team=team_a, first_response_at=created + timedelta(minutes=30))
    ThreadFactory(
        created_at=created,
        team=team_a,
        first_response_at=created + timedelta(minutes=90),
        first_response_due_at=created + timedelta(hours=1),
    )
    _recent(team=None, channel=ChannelFactory(name="=HYPERLINK(1)"))

    response = manager_client.get(reverse("reports_export"), {"by": "team", "period": "7"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == [
        "Team",
        "Threads",
        "Inbound messages",
        "Answered",
        "Median first response (min)",
    ]
    team_row = next(r for r in rows if r[0] == "Team A")
    assert team_row[1:6] == ["2", "0", "2", "60.0", "84.0"]
    assert team_row[9] == "0.0"  # one SLA, breached
    assert rows[-1][0] == "All" and rows[-1][1] == "3"
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == manager
    assert event.data["export"] == "reports"
    assert event.data["by"] == "team"
    assert event.data["rows"] == len(rows) - 1


@pytest.mark.django_db
def test_the_daily_csv_has_one_row_per_day_and_names_are_defused(manager_client):
    agent = UserFactory(full_name="=cmd|' /C calc'!A0")
    _recent(assignee=agent)

    daily = manager_client.get(reverse("reports_export"), {"by": "day", "period": "7"})
    by_agent = manager_client.get(reverse("reports_export"), {"by": "agent", "period": "7"})

    days = list(csv.reader(io.StringIO(daily.content.decode())))
    assert len(days) == 1 + 7
    assert days[0][-1] == "Backlog at end of day"
    agents = list(csv.reader(io.StringIO(by_agent.content.decode())))
    assert agents[1][0].startswith("'=")
    assert manager_client.get(reverse("reports_export"), {"by": "nope"}).status_code == 400


def _varied_threads(count: int, teams, agents) -> None:
    kinds = list(ChannelKind)
    channels = [ChannelFactory(kind=kinds[i % len(kinds)]) for i in range(min(count, len(kinds)))]
    now = timezone.now()
    for i in range(count):
        created = now - timedelta(days=i % 20, hours=1)
        thread = ThreadFactory(
            channel=channels[i % len(channels)],
            team=teams[i % len(teams)],
            assignee=agents[i % len(agents)],
            created_at=created,
            first_response_at=created + timedelta(minutes=5 + i),
            first_response_due_at=created + timedelta(minutes=30),
            resolved=i % 2 == 0,
            resolved_at=created + timedelta(hours=i % 7 + 1) if i % 2 == 0 else None,
        )
        MessageFactory(thread=thread, created_at=created)


@pytest.mark.django_db
def test_the_page_runs_the_same_queries_for_5_threads_as_for_50(
    manager_client, team_a, team_b, django_assert_num_queries
):
    agents = [UserFactory(teams=[team_a]) for _ in range(3)] + [None]
    _varied_threads(5, [team_a, team_b, None], agents)
    with CaptureQueriesContext(connection) as five:
        assert manager_client.get(reverse("reports"), {"period": "30"}).status_code == 200
    # 45 more, over more channels, teams, agents and days: more groups, not more queries.
    _varied_threads(45, [team_a, team_b, None], [*agents, UserFactory(teams=[team_b])])

    with django_assert_num_queries(len(five.captured_queries)):
        response = manager_client.get(reverse("reports"), {"period": "30"})

    assert response.context["report"].total.threads == 50
