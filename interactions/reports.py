"""The service reports: volume, first-response and resolution times, SLA compliance, backlog.

`build_report(user=..., period=..., filters=...)` returns plain dataclasses for one period, by
day, channel kind, team and agent, over the threads `visible_threads(user)` allows. It runs a
fixed number of queries whatever the data size: counts are SQL aggregates on every database;
percentiles use PostgreSQL's `percentile_cont` (one grouped query per breakdown, with both
metrics in the same scan; one per metric for the daily series), and on SQLite,
which has no ordered-set aggregates, one `values_list` of timestamps per metric is grouped and
sorted in Python with the same interpolation, so both databases give the same numbers.

Definitions (shown on the page as "How these are measured"):
- volume: threads created in the period; inbound messages received in the period.
- first-response time: first_response_at - created_at, threads created in the period that got one.
- resolution time: resolved_at - created_at, threads resolved in the period.
- SLA compliance: of the threads created in the period that have a due time, the share answered
  (resolved) by it; one not answered (resolved) yet whose due time has passed is breached, one
  still inside its window is pending and left out.
- backlog at the end of day D: threads created by then and not resolved by then.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from interactions.models import ChannelKind, Direction, Message, Thread
from interactions.selectors import visible_threads

PRESET_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 366
MEDIAN, P90 = 0.5, 0.9

# Categorical colours for the stacked volume chart, one per channel kind (distinct hues, not the
# pale badge tints of app.css, which would be unreadable as bar fills).
CHANNEL_COLORS = {
    ChannelKind.EMAIL: "#2e90fa",
    ChannelKind.SMS: "#f79009",
    ChannelKind.WHATSAPP: "#12b76a",
    ChannelKind.MESSENGER: "#7a5af8",
    ChannelKind.INSTAGRAM: "#ee46bc",
    ChannelKind.X: "#344054",
    ChannelKind.YOUTUBE: "#f04438",
    ChannelKind.VOICE: "#fdb022",
    ChannelKind.API: "#15b79e",
}


# --- Values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included, in the site's time zone."""

    start: date
    end: date

    @classmethod
    def last(cls, days: int, *, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(start=today - timedelta(days=days - 1), end=today)

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.length)]

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[midnight starting `start`, midnight after `end`) as aware datetimes."""
        begin = timezone.make_aware(datetime.combine(self.start, time.min), tz)
        finish = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz)
        return begin, finish


@dataclass(frozen=True)
class ReportFilters:
    team_id: int | None = None
    channel_kind: str = ""


@dataclass(frozen=True)
class DurationStats:
    n: int = 0
    median: timedelta | None = None
    p90: timedelta | None = None

    @property
    def median_text(self) -> str:
        return format_duration(self.median)

    @property
    def p90_text(self) -> str:
        return format_duration(self.p90)


NO_DURATIONS = DurationStats()


@dataclass(frozen=True)
class SlaStats:
    met: int = 0
    breached: int = 0
    pending: int = 0  # due time set, not answered (resolved) yet, still inside the window

    def __add__(self, other: SlaStats) -> SlaStats:
        return SlaStats(
            self.met + other.met, self.breached + other.breached, self.pending + other.pending
        )

    @property
    def measured(self) -> int:
        return self.met + self.breached

    @property
    def tracked(self) -> int:
        return self.measured + self.pending

    @property
    def pct(self) -> float | None:
        return 100 * self.met / self.measured if self.measured else None

    @property
    def pct_text(self) -> str:
        return format_pct(self.pct)

    @property
    def tone(self) -> str:
        """The badge colour a page shows the share in: ok from 90%, warn from 75%, else bad."""
        if self.pct is None:
            return ""
        return "ok" if self.pct >= 90 else "warn" if self.pct >= 75 else "bad"


@dataclass(frozen=True)
class Counts:
    """What adds up across groups: thread volume, inbound messages, SLA outcomes."""

    threads: int = 0
    inbound_messages: int = 0
    response_sla: SlaStats = field(default_factory=SlaStats)
    resolution_sla: SlaStats = field(default_factory=SlaStats)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.threads + other.threads,
            self.inbound_messages + other.inbound_messages,
            self.response_sla + other.response_sla,
            self.resolution_sla + other.resolution_sla,
        )


NO_COUNTS = Counts()


@dataclass(frozen=True)
class BreakdownRow:
    """One channel kind, team or agent (or the whole period) in a breakdown table."""

    key: str  # channel kind, team id, user id; "" for "no team" / "unassigned" / the total
    label: str
    counts: Counts
    first_response: DurationStats
    resolution: DurationStats

    @property
    def threads(self) -> int:
        return self.counts.threads

    @property
    def inbound_messages(self) -> int:
        return self.counts.inbound_messages

    @property
    def response_sla(self) -> SlaStats:
        return self.counts.response_sla

    @property
    def resolution_sla(self) -> SlaStats:
        return self.counts.resolution_sla


@dataclass(frozen=True)
class DayRow:
    day: date
    threads_by_channel: dict[str, int]
    response_sla: SlaStats
    resolution_sla: SlaStats
    first_response: DurationStats  # threads created that day
    resolution: DurationStats  # threads resolved that day
    backlog: int  # open at the end of the day

    @property
    def threads(self) -> int:
        return sum(self.threads_by_channel.values())


@dataclass(frozen=True)
class Report:
    period: Period
    filters: ReportFilters
    total: BreakdownRow
    days: list[DayRow]
    by_channel: list[BreakdownRow]
    by_team: list[BreakdownRow]
    by_agent: list[BreakdownRow]
    backlog_at_start: int

    @property
    def channel_kinds(self) -> list[str]:
        """The channel kinds with threads in the period, in ChannelKind order."""
        present = {kind for day in self.days for kind, n in day.threads_by_channel.items() if n}
        return [kind for kind in ChannelKind.values if kind in present]

    @property
    def has_data(self) -> bool:
        return bool(
            self.total.threads
            or self.total.inbound_messages
            or self.total.resolution.n
            or self.backlog_at_start
        )

    @property
    def has_sla(self) -> bool:
        return bool(self.total.response_sla.tracked or self.total.resolution_sla.tracked)


# --- Formatting ------------------------------------------------------------------------------


def format_duration(value: timedelta | None) -> str:
    """A duration the way people say it: "45 min", "2 h 14 min", "3 d 4 h"; "—" for none."""
    if value is None:
        return "—"
    minutes = round(value.total_seconds() / 60)
    if minutes < 1:
        return "< 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def format_pct(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}"
    return f"{text.removesuffix('.0')}%"


# --- Percentiles -----------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """`percentile_cont` in Python: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate `percentile_cont(f) WITHIN GROUP (ORDER BY expr)`."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    arity = 1
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile fraction is between 0 and 1.")
        # A validated float literal, not user input: safe to place in the SQL text.
        super().__init__(expression, fraction=repr(fraction), **extra)


def _stats_from_seconds(seconds: list[float]) -> DurationStats:
    if not seconds:
        return NO_DURATIONS
    return DurationStats(
        n=len(seconds),
        median=timedelta(seconds=percentile(seconds, MEDIAN)),
        p90=timedelta(seconds=percentile(seconds, P90)),
    )


# --- Breakdowns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Dimension:
    name: str
    fields: tuple[str, ...]  # thread fields that identify (and label) a group
    key: Callable[[tuple], str]
    label: Callable[[tuple], str]


def _channel_label(values: tuple) -> str:
    kind = values[0]
    return ChannelKind(kind).label if kind in ChannelKind.values else str(kind)


def _agent_label(values: tuple) -> str:
    user_id, full_name, email = values
    if user_id is None:
        return "Unassigned"
    return full_name or (email or "").split("@")[0] or f"User {user_id}"


CHANNEL = _Dimension("channel", ("channel__kind",), lambda v: v[0], _channel_label)
TEAM = _Dimension(
    "team",
    ("team_id", "team__name"),
    lambda v: "" if v[0] is None else str(v[0]),
    lambda v: "No team" if v[0] is None else v[1],
)
AGENT = _Dimension(
    "agent",
    ("assignee_id", "assignee__full_name", "assignee__email"),
    lambda v: "" if v[0] is None else str(v[0]),
    _agent_label,
)
DIMENSIONS = (CHANNEL, TEAM, AGENT)
DAY = "report_day"  # the annotation that holds a thread's local day


def _sla_counts(now: datetime) -> dict[str, Count]:
    """Thread count plus SLA outcomes: met, breached (late, or overdue and waiting), pending."""

    def outcomes(done: str, due: str) -> dict[str, Q]:
        has_due = Q(**{f"{due}__isnull": False})
        return {
            "met": has_due & Q(**{f"{done}__lte": F(due)}),
            "breached": has_due
            & (Q(**{f"{done}__gt": F(due)}) | Q(**{f"{done}__isnull": True, f"{due}__lt": now})),
            "pending": has_due & Q(**{f"{done}__isnull": True, f"{due}__gte": now}),
        }

    aggregates: dict[str, Count] = {"threads": Count("pk")}
    for prefix, (done, due) in {
        "response": ("first_response_at", "first_response_due_at"),
        "resolution": ("resolved_at", "resolution_due_at"),
    }.items():
        for outcome, condition in outcomes(done, due).items():
            aggregates[f"{prefix}_{outcome}"] = Count("pk", filter=condition)
    return aggregates


def _counts_from_row(row: dict) -> Counts:
    return Counts(
        threads=row["threads"],
        response_sla=SlaStats(
            row["response_met"], row["response_breached"], row["response_pending"]
        ),
        resolution_sla=SlaStats(
            row["resolution_met"], row["resolution_breached"], row["resolution_pending"]
        ),
    )


def _grouped_counts(
    created: QuerySet[Thread], fields: Iterable[str], now: datetime
) -> dict[tuple, Counts]:
    fields = tuple(fields)
    rows = created.values(*fields).annotate(**_sla_counts(now)).order_by()
    return {tuple(row[f] for f in fields): _counts_from_row(row) for row in rows}


def _inbound_message_counts(
    visible: QuerySet[Thread], filters: ReportFilters, begin: datetime, finish: datetime
) -> dict[tuple, int]:
    """Inbound messages in the period, by every thread field the breakdowns group on."""
    messages = Message.objects.filter(
        direction=Direction.INBOUND, created_at__gte=begin, created_at__lt=finish
    )
    if filters.team_id:
        messages = messages.filter(thread__team_id=filters.team_id)
    if filters.channel_kind:
        messages = messages.filter(thread__channel__kind=filters.channel_kind)
    if visible.query.has_filters():
        # Only roles limited to some teams pay for the visibility subquery: for everyone else
        # it would be a join over every thread id for nothing.
        messages = messages.filter(thread__in=visible.values("pk"))
    fields = tuple(f for dim in DIMENSIONS for f in dim.fields)
    # COUNT(*), not COUNT(id): message_inbound_time_idx holds all the query reads.
    rows = messages.values(*(f"thread__{f}" for f in fields)).annotate(n=Count("*")).order_by()
    return {tuple(row[f"thread__{f}"] for f in fields): row["n"] for row in rows}


Durations = dict[str, dict[tuple, DurationStats]]  # grouping -> group key -> stats

# How duration statistics are grouped: by the metric's day, by each breakdown, and overall (()).
DURATION_GROUPS: dict[str, tuple[str, ...]] = {
    "day": (DAY,),
    **{dim.name: dim.fields for dim in DIMENSIONS},
    "all": (),
}


@dataclass(frozen=True)
class Metric:
    """A duration measured from a thread's creation: which threads, until when, which day."""

    name: str
    measured: Q  # the threads it covers
    end: str  # the timestamp it runs to from created_at
    day_of: str  # the timestamp whose local day it is charted on


def _measured(threads: QuerySet[Thread], metric: Metric, tz: tzinfo) -> QuerySet[Thread]:
    return threads.filter(metric.measured).annotate(**{DAY: TruncDate(metric.day_of, tzinfo=tz)})


def durations_in_database(
    threads: QuerySet[Thread], metrics: Sequence[Metric], tz: tzinfo
) -> dict[str, Durations]:
    """n, median and p90 per metric by `percentile_cont`, in 2 + len(metrics) queries.

    Every metric is measured in the same scan for the breakdowns and the total (aggregates with
    FILTER); only the per-day series, grouped on different days, need a query each.
    """

    def aggregates(metric: Metric, condition: Q | None) -> dict:
        duration = ExpressionWrapper(F(metric.end) - F("created_at"), output_field=DurationField())
        return {
            f"{metric.name}_n": Count("pk", filter=condition),
            f"{metric.name}_median": PercentileCont(
                duration, MEDIAN, filter=condition, output_field=DurationField()
            ),
            f"{metric.name}_p90": PercentileCont(
                duration, P90, filter=condition, output_field=DurationField()
            ),
        }

    def collect(rows, fields, metric: Metric) -> dict[tuple, DurationStats]:
        n, median, p90 = (f"{metric.name}_{part}" for part in ("n", "median", "p90"))
        return {
            tuple(row[f] for f in fields): DurationStats(row[n], row[median], row[p90])
            for row in rows
            if row[n]
        }

    result: dict[str, Durations] = {metric.name: {} for metric in metrics}
    for metric in metrics:
        rows = _measured(threads, metric, tz).values(DAY).annotate(**aggregates(metric, None))
        result[metric.name]["day"] = collect(rows.order_by(), (DAY,), metric)
    any_metric = Q()
    for metric in metrics:
        any_metric |= metric.measured
    both = threads.filter(any_metric)
    combined = {k: v for m in metrics for k, v in aggregates(m, m.measured).items()}
    for name, fields in DURATION_GROUPS.items():
        if name == "day":
            continue
        if fields:
            rows = both.values(*fields).annotate(**combined).order_by()
        else:
            rows = [both.aggregate(**combined)]
        for metric in metrics:
            result[metric.name][name] = collect(rows, fields, metric)
    return result


def durations_in_python(
    threads: QuerySet[Thread], metrics: Sequence[Metric], tz: tzinfo
) -> dict[str, Durations]:
    """The same numbers from one query of raw timestamps per metric, grouped in Python."""
    fields = tuple(dict.fromkeys(f for group in DURATION_GROUPS.values() for f in group))
    result: dict[str, Durations] = {}
    for metric in metrics:
        seconds: dict[str, dict[tuple, list[float]]] = {
            name: defaultdict(list) for name in DURATION_GROUPS
        }
        rows = _measured(threads, metric, tz).values_list(*fields, "created_at", metric.end)
        for row in rows.order_by():
            values = dict(zip(fields, row, strict=False))
            elapsed = (row[-1] - row[-2]).total_seconds()
            for name, group_fields in DURATION_GROUPS.items():
                seconds[name][tuple(values[f] for f in group_fields)].append(elapsed)
        result[metric.name] = {
            name: {key: _stats_from_seconds(values) for key, values in by_key.items()}
            for name, by_key in seconds.items()
        }
    return result


def _durations(
    threads: QuerySet[Thread], metrics: Sequence[Metric], tz: tzinfo
) -> dict[str, Durations]:
    # SQLite has no ordered-set aggregates: there (the embedded demo) Python sorts the values.
    if connection.vendor == "postgresql":
        return durations_in_database(threads, metrics, tz)
    return durations_in_python(threads, metrics, tz)


def _breakdown(
    dim: _Dimension,
    counts: dict[tuple, Counts],
    messages: dict[tuple, int],
    first_response: dict[tuple, DurationStats],
    resolution: dict[tuple, DurationStats],
) -> list[BreakdownRow]:
    keys = set(counts) | set(messages) | set(first_response) | set(resolution)
    rows = [
        BreakdownRow(
            key=dim.key(key),
            label=dim.label(key),
            counts=counts.get(key, NO_COUNTS) + Counts(inbound_messages=messages.get(key, 0)),
            first_response=first_response.get(key, NO_DURATIONS),
            resolution=resolution.get(key, NO_DURATIONS),
        )
        for key in keys
    ]
    # Busiest first; the catch-all rows ("No team", "Unassigned") after the named ones.
    return sorted(rows, key=lambda r: (r.key == "", -r.threads, -r.resolution.n, r.label.lower()))


def _project(by_full_key: dict[tuple, int], positions: Sequence[int]) -> dict[tuple, int]:
    projected: dict[tuple, int] = defaultdict(int)
    for key, n in by_full_key.items():
        projected[tuple(key[i] for i in positions)] += n
    return projected


# --- The report --------------------------------------------------------------------------------


def report_threads(visible: QuerySet[Thread], filters: ReportFilters) -> QuerySet[Thread]:
    """The threads a report covers: the visible ones, narrowed by the team/channel filters."""
    threads = visible
    if filters.team_id:
        threads = threads.filter(team_id=filters.team_id)
    if filters.channel_kind:
        threads = threads.filter(channel__kind=filters.channel_kind)
    return threads


def build_report(
    *,
    user: User,
    period: Period,
    filters: ReportFilters | None = None,
    now: datetime | None = None,
) -> Report:
    """Every number on the Reports page for `period`, in a fixed number of queries."""
    filters = filters or ReportFilters()
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    begin, finish = period.bounds(tz)
    visible = visible_threads(user)
    threads = report_threads(visible, filters)

    created = threads.filter(created_at__gte=begin, created_at__lt=finish)
    by_day_channel = _grouped_counts(
        created.annotate(**{DAY: TruncDate("created_at", tzinfo=tz)}),
        (DAY, *CHANNEL.fields),
        now,
    )
    counts = {
        CHANNEL.name: defaultdict(lambda: NO_COUNTS),
        TEAM.name: _grouped_counts(created, TEAM.fields, now),
        AGENT.name: _grouped_counts(created, AGENT.fields, now),
    }
    by_day: dict[date, Counts] = defaultdict(lambda: NO_COUNTS)
    channels_by_day: dict[date, dict[str, int]] = defaultdict(dict)
    for (day, kind), row in by_day_channel.items():
        counts[CHANNEL.name][(kind,)] += row
        by_day[day] += row
        channels_by_day[day][kind] = row.threads

    messages_full = _inbound_message_counts(visible, filters, begin, finish)
    offset, messages = 0, {}
    for dim in DIMENSIONS:
        positions = range(offset, offset + len(dim.fields))
        messages[dim.name] = _project(messages_full, positions)
        offset += len(dim.fields)

    durations = _durations(
        threads,
        [
            Metric(
                "first_response",
                Q(created_at__gte=begin, created_at__lt=finish, first_response_at__isnull=False),
                end="first_response_at",
                day_of="created_at",
            ),
            Metric(
                "resolution",
                Q(resolved_at__gte=begin, resolved_at__lt=finish),
                end="resolved_at",
                day_of="resolved_at",
            ),
        ],
        tz,
    )
    first_response, resolution = durations["first_response"], durations["resolution"]
    backlog_at_start = (
        threads.filter(created_at__lt=begin)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=begin))
        .count()
    )

    days = []
    backlog = backlog_at_start
    for day in period.days:
        by_channel = channels_by_day.get(day, {})
        resolved = resolution["day"].get((day,), NO_DURATIONS)
        backlog += sum(by_channel.values()) - resolved.n
        days.append(
            DayRow(
                day=day,
                threads_by_channel=by_channel,
                response_sla=by_day[day].response_sla,
                resolution_sla=by_day[day].resolution_sla,
                first_response=first_response["day"].get((day,), NO_DURATIONS),
                resolution=resolved,
                backlog=backlog,
            )
        )

    breakdowns = {
        dim.name: _breakdown(
            dim,
            counts[dim.name],
            messages[dim.name],
            first_response[dim.name],
            resolution[dim.name],
        )
        for dim in DIMENSIONS
    }
    total_counts = sum(counts[CHANNEL.name].values(), NO_COUNTS) + Counts(
        inbound_messages=sum(messages_full.values())
    )
    return Report(
        period=period,
        filters=filters,
        total=BreakdownRow(
            key="",
            label="All threads",
            counts=total_counts,
            first_response=first_response["all"].get((), NO_DURATIONS),
            resolution=resolution["all"].get((), NO_DURATIONS),
        ),
        days=days,
        by_channel=breakdowns[CHANNEL.name],
        by_team=breakdowns[TEAM.name],
        by_agent=breakdowns[AGENT.name],
        backlog_at_start=backlog_at_start,
    )
