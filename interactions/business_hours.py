"""Business-hours arithmetic: pure, no ORM, so SLA due times are tested in milliseconds.

A `Schedule` is a time zone, one opening window per weekday (or none: closed) and a set of
holiday dates. Windows are wall-clock times in that zone; every duration is measured in real
elapsed minutes, so a 24/7 schedule across the spring DST change gives a 23-hour day and an
8-hour target never turns into 7 or 9 real hours.

Wall times that do not exist (02:30 on the spring-forward day) resolve the way zoneinfo does
with fold=0: to the instant just after the gap. Ambiguous wall times (02:30 on the fall-back day)
take the first occurrence. A window closing at 00:00 closes at the end of its day (24:00).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Searching this many days without finding an open minute means the schedule is never open.
MAX_DAYS = 3 * 366

Window = tuple[time, time]


@dataclass(frozen=True)
class Schedule:
    """When a team is at work. `week[0]` is Monday; None means closed all day."""

    tz: ZoneInfo
    week: tuple[Window | None, ...]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("A week has seven days.")
        for window in self.week:
            if window is not None and _minutes(window[1], end=True) <= _minutes(window[0]):
                raise ValueError(f"{window[0]:%H:%M} to {window[1]:%H:%M} closes before it opens.")


def always_open(tz: str | ZoneInfo = "UTC") -> Schedule:
    """Around the clock, every day: business minutes are plain minutes."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return Schedule(tz=zone, week=((time(0), time(0)),) * 7)


def _minutes(t: time, *, end: bool = False) -> int:
    value = t.hour * 60 + t.minute
    return 24 * 60 if end and value == 0 else value


def _wall(day: date, t: time, tz: ZoneInfo, *, end: bool = False) -> datetime:
    """The UTC instant of wall time `t` on `day` (00:00 as an end means the next midnight)."""
    if end and _minutes(t) == 0:
        day, t = day + timedelta(days=1), time(0)
    return datetime.combine(day, t, tzinfo=tz).astimezone(UTC)


def _window_on(day: date, schedule: Schedule) -> tuple[datetime, datetime] | None:
    """The open interval of `day` in UTC, or None when closed."""
    if day in schedule.holidays:
        return None
    window = schedule.week[day.weekday()]
    if window is None:
        return None
    start, end = _wall(day, window[0], schedule.tz), _wall(day, window[1], schedule.tz, end=True)
    return (start, end) if end > start else None


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Business-hours arithmetic needs time-zone-aware datetimes.")
    return value.astimezone(UTC)


def add_business_minutes(start: datetime, minutes: int, hours: Schedule) -> datetime:
    """The instant `minutes` open minutes after `start` (in `start`'s time zone).

    Time before opening, after closing, on closed weekdays and on holidays does not count.
    Zero minutes returns `start` itself, even outside business hours.
    """
    if minutes < 0:
        raise ValueError("minutes must not be negative.")
    cursor = _aware(start)
    if minutes == 0:
        return start
    remaining = timedelta(minutes=minutes)
    day = cursor.astimezone(hours.tz).date() - timedelta(days=1)  # a window may span midnight UTC
    for _ in range(MAX_DAYS):
        window = _window_on(day, hours)
        day += timedelta(days=1)
        if window is None or window[1] <= cursor:
            continue
        begin = max(window[0], cursor)
        available = window[1] - begin
        if remaining <= available:
            return (begin + remaining).astimezone(start.tzinfo)
        remaining -= available
        cursor = window[1]
    raise ValueError("The schedule has no open hours.")


def business_minutes_between(a: datetime, b: datetime, hours: Schedule) -> float:
    """Open minutes from `a` to `b`; negative when `b` is before `a`."""
    start, end = _aware(a), _aware(b)
    if end < start:
        return -business_minutes_between(b, a, hours)
    total = timedelta()
    day = start.astimezone(hours.tz).date() - timedelta(days=1)
    last = end.astimezone(hours.tz).date()
    while day <= last:
        window = _window_on(day, hours)
        day += timedelta(days=1)
        if window is None:
            continue
        overlap = min(window[1], end) - max(window[0], start)
        if overlap > timedelta():
            total += overlap
    return total.total_seconds() / 60


def is_open(at: datetime, hours: Schedule) -> bool:
    """True when `at` falls inside an open window."""
    moment = _aware(at)
    day = moment.astimezone(hours.tz).date()
    for candidate in (day - timedelta(days=1), day):
        window = _window_on(candidate, hours)
        if window is not None and window[0] <= moment < window[1]:
            return True
    return False
