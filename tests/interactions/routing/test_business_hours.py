"""Business-hours arithmetic: nights, weekends, holidays and both DST changes (pure, no DB)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from interactions.business_hours import (
    Schedule,
    add_business_minutes,
    always_open,
    business_minutes_between,
    is_open,
)

BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_FIVE = (time(9), time(17))
OFFICE = Schedule(tz=BERLIN, week=(NINE_TO_FIVE,) * 5 + (None, None))


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_minutes_inside_one_day_are_plain_minutes():
    assert add_business_minutes(berlin(2026, 6, 1, 10), 60, OFFICE) == berlin(2026, 6, 1, 11)


def test_it_continues_the_next_morning_after_closing():
    # Monday 16:30 + 1 h: 30 minutes on Monday, 30 on Tuesday morning.
    assert add_business_minutes(berlin(2026, 6, 1, 16, 30), 60, OFFICE) == berlin(2026, 6, 2, 9, 30)


def test_it_skips_the_weekend():
    assert add_business_minutes(berlin(2026, 6, 5, 16, 30), 60, OFFICE) == berlin(2026, 6, 8, 9, 30)


def test_a_start_before_opening_waits_for_opening():
    assert add_business_minutes(berlin(2026, 6, 1, 7), 30, OFFICE) == berlin(2026, 6, 1, 9, 30)


def test_a_start_on_saturday_waits_for_monday():
    assert add_business_minutes(berlin(2026, 6, 6, 12), 90, OFFICE) == berlin(2026, 6, 8, 10, 30)


def test_holidays_are_closed():
    whit_monday = Schedule(tz=BERLIN, week=OFFICE.week, holidays=frozenset({date(2026, 5, 25)}))

    due = add_business_minutes(berlin(2026, 5, 22, 16), 120, whit_monday)

    assert due == berlin(2026, 5, 26, 10)  # Fri 1 h, Mon closed, Tue 1 h


def test_a_multi_day_target_counts_only_open_hours():
    # 3 business days of 8 h from Wednesday noon: Wed 5 h, Thu 8, Fri 8, Mon 3 → Mon 12:00.
    assert add_business_minutes(berlin(2026, 6, 3, 12), 24 * 60, OFFICE) == berlin(2026, 6, 8, 12)


def test_the_result_keeps_the_time_zone_of_the_start():
    start = datetime(2026, 6, 1, 8, tzinfo=UTC)  # 10:00 in Berlin

    due = add_business_minutes(start, 60, OFFICE)

    assert due.tzinfo is UTC
    assert due == datetime(2026, 6, 1, 9, tzinfo=UTC)


def test_zero_minutes_is_the_start_itself():
    start = berlin(2026, 6, 6, 23)
    assert add_business_minutes(start, 0, OFFICE) == start


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_minutes(datetime(2026, 6, 1, 10), 10, OFFICE)


def test_a_schedule_that_never_opens_is_an_error_not_a_hang():
    closed = Schedule(tz=BERLIN, week=(None,) * 7)
    with pytest.raises(ValueError):
        add_business_minutes(berlin(2026, 6, 1, 10), 10, closed)


def test_a_window_that_closes_before_it_opens_is_refused():
    with pytest.raises(ValueError):
        Schedule(tz=BERLIN, week=((time(17), time(9)),) * 7)


# --- DST: Europe/Berlin springs forward on 2026-03-29 (02:00 → 03:00) and falls back on
# --- 2026-10-25 (03:00 → 02:00).


def test_around_the_clock_spring_day_has_23_hours():
    schedule = always_open(BERLIN)

    minutes = business_minutes_between(berlin(2026, 3, 29), berlin(2026, 3, 30), schedule)

    assert minutes == 23 * 60


def test_around_the_clock_autumn_day_has_25_hours():
    schedule = always_open(BERLIN)

    minutes = business_minutes_between(berlin(2026, 10, 25), berlin(2026, 10, 26), schedule)

    assert minutes == 25 * 60


def test_around_the_clock_adds_real_minutes_across_spring_forward():
    start = berlin(2026, 3, 28, 12)  # CET, UTC+1

    due = add_business_minutes(start, 24 * 60, always_open(BERLIN))

    # Aware datetimes sharing a tzinfo subtract by wall clock in Python: compare in UTC.
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)
    assert (due.hour, due.utcoffset()) == (13, timedelta(hours=2))  # 13:00 CEST


def test_around_the_clock_adds_real_minutes_across_fall_back():
    start = berlin(2026, 10, 24, 12)  # CEST, UTC+2

    due = add_business_minutes(start, 24 * 60, always_open(BERLIN))

    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)
    assert (due.hour, due.utcoffset()) == (11, timedelta(hours=1))  # 11:00 CET


def test_office_hours_open_at_nine_wall_clock_on_both_sides_of_spring_forward():
    # Friday 16:00 CET + 2 h: 1 h on Friday, then Monday opens 09:00 CEST (07:00 UTC).
    due = add_business_minutes(berlin(2026, 3, 27, 16), 120, OFFICE)

    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, tzinfo=UTC)  # 10:00 CEST


def test_office_hours_across_fall_back():
    due = add_business_minutes(berlin(2026, 10, 23, 16), 120, OFFICE)

    assert due.astimezone(UTC) == datetime(2026, 10, 26, 9, tzinfo=UTC)  # 10:00 CET


def test_a_night_window_spanning_the_spring_gap_is_one_hour_short():
    night = Schedule(tz=BERLIN, week=((time(0), time(6)),) * 7)

    assert business_minutes_between(berlin(2026, 3, 29), berlin(2026, 3, 29, 6), night) == 300
    end = add_business_minutes(berlin(2026, 3, 29), 300, night)
    assert end.astimezone(UTC) == datetime(2026, 3, 29, 4, tzinfo=UTC)  # 06:00 CEST
    later = add_business_minutes(berlin(2026, 3, 29), 301, night)
    assert later.astimezone(UTC) == datetime(2026, 3, 29, 22, 1, tzinfo=UTC)  # 00:01 next day


def test_a_night_window_spanning_the_autumn_repeat_is_one_hour_long():
    night = Schedule(tz=BERLIN, week=((time(0), time(6)),) * 7)

    assert business_minutes_between(berlin(2026, 10, 25), berlin(2026, 10, 25, 6), night) == 420


# --- Between, and the two functions agreeing.


def test_between_counts_open_minutes_only():
    # Friday 16:00 → Monday 10:00: 1 h Friday + 1 h Monday.
    assert business_minutes_between(berlin(2026, 6, 5, 16), berlin(2026, 6, 8, 10), OFFICE) == 120


def test_between_is_negative_backwards():
    a, b = berlin(2026, 6, 1, 10), berlin(2026, 6, 1, 11)
    assert business_minutes_between(b, a, OFFICE) == -60


def test_always_open_between_is_plain_minutes():
    a = datetime(2026, 1, 1, tzinfo=UTC)
    assert (
        business_minutes_between(a, a + timedelta(days=3, minutes=7), always_open()) == 3 * 1440 + 7
    )


@pytest.mark.parametrize(
    "start",
    [berlin(2026, 3, 27, 15, 17), berlin(2026, 10, 23, 9), berlin(2026, 12, 31, 16, 59)],
)
@pytest.mark.parametrize("minutes", [1, 59, 480, 481, 5000])
def test_between_undoes_add(start, minutes):
    due = add_business_minutes(start, minutes, OFFICE)
    assert business_minutes_between(start, due, OFFICE) == minutes


def test_is_open():
    assert is_open(berlin(2026, 6, 1, 9), OFFICE)
    assert not is_open(berlin(2026, 6, 1, 17), OFFICE)  # closing time is closed
    assert not is_open(berlin(2026, 6, 6, 12), OFFICE)  # Saturday
    assert is_open(berlin(2026, 3, 29, 2, 30), always_open(BERLIN))
