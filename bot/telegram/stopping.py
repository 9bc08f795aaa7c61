"""Stopping on time: once the process is asked to stop, Bot API calls stop retrying and stop waiting.

Platforms give a stopping process little time before SIGKILL (Docker 10 s, Heroku 30 s), and a hanging Bot API
call with its retries takes far longer. A call cut short loses no state (it is in SQLite), only what any send
that fails for good loses. A card is sent at the next start, and so is a weekly summary that was never sent (one
cut short in flight may have arrived, so it is not sent twice). A question is asked again at the requester's next
/start (a reply typed instead is taken as its answer; a join requester's card comes when the answer deadline
passes). A join approval or decline goes back to pending for the reviewer to press again. A message telling a
requester of a decision is not sent again.
"""

import asyncio
import contextlib
import signal
from collections.abc import Awaitable
from typing import TypeVar

from telegram.error import NetworkError, TimedOut

T = TypeVar("T")
GRACE_SECONDS = 3.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


class CutShort(NetworkError):
    """A Bot API call given up because the bot is stopping, before it could take effect (never sent, or refused
    and not retried)."""


class CutShortInFlight(CutShort, TimedOut):
    """A Bot API call given up because the bot is stopping, while Telegram had it: like a timeout, it may or may not
    have taken effect."""


class Stopping:
    """Set once, when the bot is asked to stop: calls in flight get `grace` seconds more, later calls fail at
    once, retries end and their sleeps are cut short."""

    def __init__(self, grace: float = GRACE_SECONDS):
        self.grace = grace
        self._deadline: float | None = None
        self._timeouts: set[asyncio.Timeout] = set()
        self._started = asyncio.Event()

    @property
    def started(self) -> bool:
        """True once stopping has begun."""
        return self._deadline is not None

    def begin(self) -> None:
        """Begin stopping (a second call changes nothing); call it inside the running event loop."""
        if self.started:
            return
        self._deadline = asyncio.get_running_loop().time() + self.grace
        self._started.set()
        for timeout in self._timeouts:
            timeout.reschedule(self._deadline)

    async def bound(self, call: Awaitable[T]) -> T:
        """Await one Bot API call; once stopping has begun, raise CutShort when the grace period is over."""
        if self._deadline is not None and asyncio.get_running_loop().time() >= self._deadline:
            if asyncio.iscoroutine(call):
                call.close()
            raise CutShort("not sent: the bot is stopping")
        timeout = asyncio.timeout_at(self._deadline)
        try:
            async with timeout:
                self._timeouts.add(timeout)
                try:
                    return await call
                finally:
                    self._timeouts.discard(timeout)
        except TimeoutError as exc:
            if timeout.expired():
                raise CutShortInFlight("cut short: the bot is stopping") from exc
            raise

    async def sleep(self, seconds: float) -> bool:
        """Sleep, waking early if stopping begins; True if it has (the caller should give up)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._started.wait(), seconds)
        return self.started


def stop_on_signals(loop: asyncio.AbstractEventLoop, stopping: Stopping) -> None:
    """On SIGINT, SIGTERM or SIGABRT: begin stopping, then stop the way PTB's own handler does (SystemExit inside
    the loop ends run_polling's wait; it then stops the updater and the application). Unlike PTB's, a second
    signal does not abandon the stop half-way."""

    def on_signal() -> None:
        if stopping.started:
            return
        stopping.begin()
        raise SystemExit

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal)
