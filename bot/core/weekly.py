"""Pure week arithmetic for the weekly summary: windows, send moments, comparisons (no clock, no Telegram).

A week starts on SUMMARY_DAY at 00:00 in the owner's zone and lasts seven local days. The summary sent on
SUMMARY_DAY at SUMMARY_TIME covers the week that ended at that day's local midnight: with the defaults, the
summary sent on Monday 09:00 covers the previous Monday 00:00 up to this Monday 00:00. A week that spans a DST
change is 167 or 169 hours long; every boundary is a local wall-clock time resolved through zoneinfo.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class Window:
    """A half-open span of time [start, end), both ends aware and expressed in the owner's zone."""

    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """The local date the window starts on; names a week in the schedule state."""
        return self.start.date().isoformat()

    @property
    def last_day(self) -> date:
        """The last local day the window touches (the day before `end` when it ends at midnight)."""
        return (self.end - timedelta(microseconds=1)).date()


def local_at(day: date, at: time, tz: tzinfo) -> datetime:
    """The moment a local wall clock in `tz` shows `day` `at`.

    A wall time skipped by a DST jump is moved forward by the jump (02:30 → 03:30); a repeated one resolves to
    its first occurrence (zoneinfo's fold=0).
    """
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


def week_start_day(day: date, summary_day: int) -> date:
    """The local date on or before `day` that is a `summary_day` (0 = Monday, as date.weekday())."""
    return day - timedelta(days=(day.weekday() - summary_day) % 7)


def week_of(day: date, summary_day: int, tz: tzinfo) -> Window:
    """The week containing the local date `day`."""
    first = week_start_day(day, summary_day)
    return Window(local_at(first, time(0), tz), local_at(first + timedelta(days=7), time(0), tz))


def last_send_at(now: datetime, summary_day: int, at: time, tz: tzinfo) -> datetime:
    """The most recent scheduled send moment (summary_day at `at`, local) at or before `now`."""
    first = week_start_day(now.astimezone(tz).date(), summary_day)
    moment = local_at(first, at, tz)
    if moment.astimezone(UTC) > now.astimezone(UTC):
        moment = local_at(first - timedelta(days=7), at, tz)
    return moment


def week_summarised_at(send_at: datetime, summary_day: int, tz: tzinfo) -> Window:
    """The week a summary sent at `send_at` reports on: the seven local days before the send day."""
    return week_of(send_at.astimezone(tz).date() - timedelta(days=7), summary_day, tz)


def week_so_far(now: datetime, summary_day: int, tz: tzinfo) -> Window:
    """The current week from its start up to `now`."""
    return Window(week_of(now.astimezone(tz).date(), summary_day, tz).start, now.astimezone(tz))


def previous(window: Window) -> Window:
    """The same span of local wall-clock time one week earlier (a partial week maps to the same point)."""
    tz = window.start.tzinfo

    def back(moment: datetime) -> datetime:
        return local_at(moment.date() - timedelta(days=7), moment.time(), tz)

    return Window(back(window.start), back(window.end))


def recent_weeks(now: datetime, count: int, summary_day: int, tz: tzinfo) -> list[Window]:
    """The last `count` weeks, oldest first; the last one is the current week so far."""
    current = week_so_far(now, summary_day, tz)
    weeks = [current]
    start = current.start
    for _ in range(count - 1):
        earlier = week_of(start.date() - timedelta(days=7), summary_day, tz)
        weeks.append(earlier)
        start = earlier.start
    return weeks[::-1]


def trend(current: float | None, before: float | None) -> str:
    """'↑', '↓' or '=' comparing a number with last week's; '' when either is unknown."""
    if current is None or before is None:
        return ""
    if current > before:
        return "↑"
    if current < before:
        return "↓"
    return "="


def rate(part: int, whole: int) -> float | None:
    """part / whole as a fraction, None when there is nothing to divide."""
    return part / whole if whole else None
