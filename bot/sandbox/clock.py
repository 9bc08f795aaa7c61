"""The sandbox's clock: the real time plus however far the page skipped ahead, and the bot's due jobs run then."""

from __future__ import annotations

import math
import threading
import time as clock_time
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from telegram.ext import Application, ContextTypes

from bot.core.weekly import last_send_at
from bot.jobs import send_due_summary, sweep

HOUR = 3600
DAY = 24 * HOUR
UTC_ZONE = ZoneInfo("UTC")
DEFAULT_SUMMARY_TIME = time(9, 0)
DUE_JOBS_TIMEOUT = 30.0  # seconds a skip waits for the bot's checks; at Telegram's pace a busy sweep takes a while


class SandboxClock:
    """One clock for the bot (Deps.clock) and the stand-in (message dates, the join-request window)."""

    def __init__(self, summary_day: int = 0, summary_time: time = DEFAULT_SUMMARY_TIME,
                 timezone: tzinfo = UTC_ZONE) -> None:
        """The weekly summary's schedule (SUMMARY_DAY, SUMMARY_TIME, TIMEZONE) for 'skip to the summary'."""
        self.summary_day, self.summary_time, self.timezone = summary_day, summary_time, timezone
        self.offset = 0.0  # seconds ahead of the real clock; only grows
        self._lock = threading.Lock()

    def timestamp(self) -> float:
        """Seconds since the epoch, sandbox time."""
        return clock_time.time() + self.offset

    def now(self) -> datetime:
        """The sandbox's time, aware UTC: what the bot reads instead of the real clock."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def next_summary(self) -> datetime:
        """The next moment the weekly summary is due (SUMMARY_DAY at SUMMARY_TIME in TIMEZONE), after now."""
        return last_send_at(self.now() + timedelta(days=7), self.summary_day, self.summary_time, self.timezone)

    def seconds_to(self, target: str) -> float:
        """How far 'hour', 'day' or 'summary' is from now; ValueError for anything else."""
        if target == "hour":
            return HOUR
        if target == "day":
            return DAY
        if target == "summary":
            # Whole seconds, rounded up: offsets add up exactly, and the new time is not a hair short of the summary.
            return float(max(0, math.ceil((self.next_summary() - self.now()).total_seconds())))
        raise ValueError("skip to hour, day or summary")

    def skip(self, seconds: float) -> None:
        """Move the sandbox's time forward."""
        with self._lock:
            self.offset += seconds

    def view(self) -> dict:
        """What the page shows: the time, how far ahead it is, the zone to show it in, the next summary."""
        return {"now": self.timestamp(), "offset": self.offset, "timezone": str(self.timezone),
                "next_summary": self.next_summary().timestamp()}


def due_jobs_runner(app: Application, timeout: float = DUE_JOBS_TIMEOUT):
    """A function that, from another thread, runs the bot's minute checks now (deadlines, snoozes, reminders,
    expiry, unsent cards, the weekly summary) and waits for them; True when they finished in time."""

    def run_due() -> bool:
        if app.job_queue is None:
            return False
        done = threading.Event()

        async def check_now(context: ContextTypes.DEFAULT_TYPE) -> None:
            try:
                await sweep(context)
                await send_due_summary(context)
            finally:
                done.set()

        # APScheduler wakes its event loop thread-safely; the job runs there like the minute's own checks.
        app.job_queue.run_once(check_now, when=0, name="sandbox-skip")
        return done.wait(timeout)

    return run_due
