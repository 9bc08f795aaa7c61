"""Week arithmetic: windows in the owner's zone, send moments, DST weeks, comparisons (pure, no clock)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.text import human_duration, short_duration
from bot.core.weekly import (
    last_send_at,
    previous,
    rate,
    recent_weeks,
    trend,
    week_of,
    week_so_far,
    week_summarised_at,
)

MONDAY, FRIDAY, SUNDAY = 0, 4, 6
BERLIN, NEW_YORK, UTC_ZONE = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("UTC")
NINE = time(9, 0)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours(window) -> float:
    # Subtracting two datetimes that share a tzinfo gives wall-clock time; real elapsed time needs UTC.
    return (window.end.astimezone(UTC) - window.start.astimezone(UTC)).total_seconds() / 3600


def test_a_week_starts_on_the_summary_day_at_local_midnight():
    week = week_of(date(2026, 11, 25), MONDAY, UTC_ZONE)
    assert (week.start, week.end) == (utc(2026, 11, 23), utc(2026, 11, 30))
    assert week.key == "2026-11-23" and week.last_day == date(2026, 11, 29)
    friday_week = week_of(date(2026, 11, 25), FRIDAY, BERLIN)
    assert friday_week.start == utc(2026, 11, 19, 23) and friday_week.end == utc(2026, 11, 26, 23)
    assert week_of(date(2026, 11, 23), MONDAY, UTC_ZONE) == week, "the summary day itself opens the week"


def test_the_last_send_moment_is_at_or_before_now():
    assert last_send_at(utc(2026, 11, 23, 9), MONDAY, NINE, UTC_ZONE) == utc(2026, 11, 23, 9)
    assert last_send_at(utc(2026, 11, 23, 8, 59, 59), MONDAY, NINE, UTC_ZONE) == utc(2026, 11, 16, 9)
    assert last_send_at(utc(2026, 11, 29, 23, 59), MONDAY, NINE, UTC_ZONE) == utc(2026, 11, 23, 9)
    assert last_send_at(utc(2026, 11, 23, 9), SUNDAY, time(18, 30), UTC_ZONE) == utc(2026, 11, 22, 18, 30)


def test_the_summary_covers_the_seven_local_days_before_the_send_day():
    week = week_summarised_at(utc(2026, 11, 23, 9), MONDAY, UTC_ZONE)
    assert (week.start, week.end) == (utc(2026, 11, 16), utc(2026, 11, 23))
    late = week_summarised_at(utc(2026, 11, 22, 18, 30), SUNDAY, UTC_ZONE)
    assert (late.start, late.end) == (utc(2026, 11, 15), utc(2026, 11, 22))


def test_a_berlin_week_across_the_autumn_change_is_169_hours_and_sent_at_nine_local():
    # 2026-10-25 03:00 CEST → 02:00 CET.
    send = last_send_at(utc(2026, 10, 26, 12), MONDAY, NINE, BERLIN)
    assert send == utc(2026, 10, 26, 8), "09:00 CET, not 09:00 CEST (07:00 UTC)"
    assert last_send_at(utc(2026, 10, 26, 7, 59), MONDAY, NINE, BERLIN) == utc(2026, 10, 19, 7)
    week = week_summarised_at(send, MONDAY, BERLIN)
    assert (week.start, week.end) == (utc(2026, 10, 18, 22), utc(2026, 10, 25, 23))
    assert hours(week) == 169 and week.key == "2026-10-19" and week.last_day == date(2026, 10, 25)


def test_a_berlin_week_across_the_spring_change_is_167_hours():
    week = week_of(date(2026, 3, 29), MONDAY, BERLIN)
    assert (week.start, week.end) == (utc(2026, 3, 22, 23), utc(2026, 3, 29, 22)) and hours(week) == 167
    # 02:30 does not exist on 2026-03-29 in Berlin: the send moves forward by the jump, to 03:30 CEST.
    assert last_send_at(utc(2026, 3, 29, 12), SUNDAY, time(2, 30), BERLIN) == utc(2026, 3, 29, 1, 30)


def test_a_new_york_week_across_the_change_is_169_hours_and_sent_at_nine_local():
    # 2026-11-01 02:00 EDT → 01:00 EST.
    send = last_send_at(utc(2026, 11, 2, 14), MONDAY, NINE, NEW_YORK)
    assert send == utc(2026, 11, 2, 14)
    assert last_send_at(utc(2026, 11, 2, 13, 59), MONDAY, NINE, NEW_YORK) == utc(2026, 10, 26, 13)
    week = week_summarised_at(send, MONDAY, NEW_YORK)
    assert (week.start, week.end) == (utc(2026, 10, 26, 4), utc(2026, 11, 2, 5)) and hours(week) == 169


def test_the_week_so_far_and_the_same_point_last_week_across_a_change():
    now = utc(2026, 10, 28, 9)  # Wednesday 10:00 CET
    so_far = week_so_far(now, MONDAY, BERLIN)
    assert (so_far.start, so_far.end) == (utc(2026, 10, 25, 23), now)
    before = previous(so_far)
    assert (before.start, before.end) == (utc(2026, 10, 18, 22), utc(2026, 10, 21, 8)), "Wednesday 10:00 CEST"
    full = previous(week_of(date(2026, 10, 28), MONDAY, BERLIN))
    assert (full.start, full.end) == (utc(2026, 10, 18, 22), utc(2026, 10, 25, 23))


def test_recent_weeks_are_contiguous_oldest_first_and_end_with_the_week_so_far():
    now = utc(2026, 11, 4, 15)
    weeks = recent_weeks(now, 3, MONDAY, NEW_YORK)
    assert [w.key for w in weeks] == ["2026-10-19", "2026-10-26", "2026-11-02"]
    assert weeks[0].end == weeks[1].start and weeks[1].end == weeks[2].start and weeks[-1].end == now
    assert len(recent_weeks(now, 1, MONDAY, NEW_YORK)) == 1


@pytest.mark.parametrize("now, before, arrow", [(3, 1, "↑"), (1, 3, "↓"), (2, 2, "="), (0.5, 0.25, "↑"),
                                                (None, 2, ""), (2, None, "")])
def test_trend(now, before, arrow):
    assert trend(now, before) == arrow


def test_rate_and_durations():
    assert rate(1, 4) == 0.25 and rate(0, 0) is None
    assert [human_duration(s) for s in (None, 45, 720, 10800, 12000, 2 * 86400, 2 * 86400 + 4 * 3600 + 59)] == [
        "—", "45 s", "12 min", "3 h", "3 h 20 min", "2 d", "2 d 4 h"]
    assert [short_duration(s) for s in (None, 45, 720, 12000, timedelta(days=9).total_seconds())] == [
        "-", "45s", "12m", "3h", "9d"]
