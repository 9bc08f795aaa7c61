"""Outgoing messages paced to stay inside Telegram's limits, instead of bursting and waiting out 429s.

Telegram allows a bot about 30 messages a second overall, one a second per chat and 20 a minute per group. The
limiter spaces the actual sends: each message takes the next free slot that respects all three, so a queue of
thousands drains at a steady pace (at most 96.6 % of 30 a second; 28.8 measured in raids). After a 429 everything
pauses for the `retry_after` Telegram gives, then resumes at the same pace: waiting calls are never released
together.

Slots lie on an even grid. The event loop wakes the limiter a little late for every slot (a millisecond for the
poller's rounding, more when the loop is busy); measuring each slot from that late start would lose those
milliseconds for good, about 3 ms a slot and 8 % of the rate in a raid. So a slot taken less than one interval late
keeps the next one on the grid; later than that (an idle queue, a pause after a 429, a stalled loop), the grid
starts again from now: missed slots are not made up at once (a bench saw such bursts draw 429s). On top of
the grid, no more than 30 sends start in any 1.035 s, counted from when each call really starts; each 429 widens
that window a little.

A send can leave later than it started: a stalled event loop (a garbage collection, a long synchronous step) holds
it between the limiter and the socket, and it then reaches Telegram right before the sends granted after the stall.
A stall shows as a late wake-up, of the dispatcher or of a watch that wakes every few milliseconds while sends are
paced (a stall between two of the dispatcher's wake-ups goes unseen by it); the sends still in flight then count
as starting when the stall ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Calls that put a message in a chat; everything else (answering a button, approving a join request, polling)
# is not paced, but still waits out a 429 pause.
PACED_PREFIXES = ("send", "edit", "copy", "forward")
# Telegram counts a chat's messages as they arrive: calls granted exactly 1 s (or 60 s) apart can arrive closer
# together when the event loop is busy between the grant and the request (a raid bench saw 429s in requesters' chats).
JITTER_MARGIN = 0.1
CHAT_INTERVAL = 1.0 + JITTER_MARGIN
# Overall, at most TELEGRAM_PER_SECOND sends start in any OVERALL_WINDOW: messages reach Telegram closer together than
# they started (a busy loop or host delays some more than others). Before stalls moved the sends in flight, 1.015 s
# and 1.03 s drew 429s in bench/raid.py, and 1.04 s now and then: one send held 80 ms by a stall. With stalls
# accounted for, traced raids saw sends reach the fake at most 10 ms (beside a busy neighbour) and 22 ms (10,000)
# later than counted, with no stall of the bot's loop in their way: the fake's own threads waiting for the GIL.
TELEGRAM_PER_SECOND = 30
OVERALL_WINDOW = 1.035
# A host busier than that spreads them more: every 429 widens the window by WIDEN_ON_429, up to MOST_WINDOW.
WIDEN_ON_429 = 0.01
MOST_WINDOW = 1.2
SCAN = 500  # waiting calls looked at per slot for one whose chat may receive a message now
# A wake-up this late means the event loop stalled: sends in flight may only now be leaving (a raid bench saw one
# held 80 ms by a stall reach the fake together with the next 30). Ordinary lateness is 0.1-3 ms.
STALL = 0.005
WATCH_EVERY = 0.005  # the stall watch's wake-ups, on the event loop's own clock


class _Send:
    """A paced call's start (granted, then when it really started, then when a stall may have held it) and
    whether its HTTP exchange is over."""

    __slots__ = ("at", "done")

    def __init__(self, at: float) -> None:
        self.at, self.done = at, False


class WindowClosed(Exception):
    """A call with a deadline (`rate_limit_args={"within": seconds}`) whose slot would come after it: not made."""


def retry_seconds(error: RetryAfter) -> float:
    """How long Telegram asked us to wait."""
    value = error.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class PacedRateLimiter(BaseRateLimiter):
    """A rate limiter (PTB's BaseRateLimiter) that paces sends to ≤ `per_second` overall, one per
    `chat_interval` seconds per chat and `group_per_minute` per group, and pauses everything on a 429."""

    def __init__(self, per_second: float = 29.5, chat_interval: float = CHAT_INTERVAL, group_per_minute: int = 20,
                 max_retries: int = 10, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep) -> None:
        self.interval = 1.0 / per_second
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self.max_retries = max_retries
        self.clock, self.sleep = clock, sleep
        self._next = 0.0  # the next slot on the grid: the earliest moment the next paced call may start
        self._started: deque[_Send] = deque(maxlen=TELEGRAM_PER_SECOND)  # the latest paced calls
        self.window = OVERALL_WINDOW  # widened by each 429
        self._chat_next: dict[int | str, float] = {}
        self._group_sent: dict[int | str, deque[float]] = {}
        self._paused_until = 0.0
        # Two queues: replies to someone in a conversation first, then everything else (first questions, cards).
        self._queues: tuple[deque, deque] = (deque(), deque())
        self._dispatcher: asyncio.Task | None = None
        # The watch needs the loop's real time: a limiter on an injected clock (tests) relies on its own wake-ups.
        self._watches = clock is time.monotonic and sleep is asyncio.sleep
        self._watch: asyncio.Task | None = None
        self.too_many_requests = 0  # 429s seen (for benchmarks and logs)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Stop granting slots; calls still waiting are cancelled."""
        for task in (self._dispatcher, self._watch):
            if task is not None:
                task.cancel()
        for queue in self._queues:
            for *_, waiter in queue:
                waiter.cancel()
            queue.clear()

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | dict | None) -> Any:
        """Wait for this call's slot, make it, and on a 429 pause everything and try again. `rate_limit_args` may
        be a number of retries, or a dict: "within" seconds (a call whose slot would come later raises WindowClosed)
        and "reply": True (a reply in a conversation, served before calls that are not)."""
        chat = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat = int(chat)
        paced = chat is not None and endpoint.startswith(PACED_PREFIXES)
        group = chat if paced and ((isinstance(chat, int) and chat < 0) or isinstance(chat, str)) else None
        retries = rate_limit_args if isinstance(rate_limit_args, int) else self.max_retries
        within = rate_limit_args.get("within") if isinstance(rate_limit_args, dict) else None
        deadline = None if within is None else self.clock() + within
        reply = isinstance(rate_limit_args, dict) and bool(rate_limit_args.get("reply"))
        for attempt in range(retries + 1):
            send = None
            if paced:
                send = await self._take_slot(chat, group, deadline, reply)
                # A busy event loop may run this call a while after its slot was granted, closer to the next one.
                send.at = max(send.at, self.clock())
            else:
                await self._wait_pause()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.too_many_requests += 1
                if paced:
                    self.window = min(self.window + WIDEN_ON_429, MOST_WINDOW)
                if attempt == retries:
                    raise
                wait = retry_seconds(exc) + 0.1
                log.info("Telegram asked to slow down (%s): pausing every send for %.1f s", endpoint, wait)
                self._paused_until = max(self._paused_until, self.clock() + wait)
            finally:
                if send is not None:
                    send.done = True
        raise AssertionError("unreachable")

    async def _wait_pause(self) -> None:
        while (left := self._paused_until - self.clock()) > 0:
            await self.sleep(left)

    def _chat_ready(self, chat: Any, group: Any) -> float:
        """The earliest moment a call to `chat` (in `group`) may start under the per-chat and per-group limits."""
        ready = self._chat_next.get(chat, 0.0)
        if group is not None:
            sent = self._group_sent.get(group)
            if sent is not None and len(sent) >= self.group_per_minute:
                ready = max(ready, sent[0] + 60.0 + JITTER_MARGIN)
        return ready

    async def _take_slot(self, chat: Any, group: Any, deadline: float | None, reply: bool) -> _Send:
        """Queue for a slot; the dispatcher grants slots one at a time, replies first, then first come first served
        among the calls whose chat and group allow a send now (a call past its deadline is refused instead)."""
        if deadline is not None and deadline <= self.clock():
            raise WindowClosed("its deadline passed before a slot was free")
        waiter = asyncio.get_running_loop().create_future()
        self._queues[0 if reply else 1].append((chat, group, deadline, waiter))
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch())
        if self._watches and (self._watch is None or self._watch.done()):
            self._watch = asyncio.get_running_loop().create_task(self._watch_stalls())
        return await waiter

    async def _dispatch(self) -> None:
        while any(self._queues):
            now = self.clock()
            gate = max(self._next, self._paused_until, self._window_opens())
            if gate > now:
                await self._nap(gate - now)
                continue
            soonest = float("inf")
            for queue in self._queues:
                found, ready_at = self._grant_one(queue, now)
                if found:
                    break
                soonest = min(soonest, ready_at)
            else:
                if any(self._queues):
                    await self._nap(max(soonest - now, 0.001) if soonest < float("inf") else 0.001)

    async def _nap(self, seconds: float) -> None:
        """Sleep; after a stall, count the sends still in flight as starting now."""
        wake = self.clock() + seconds
        await self.sleep(seconds)
        if self.clock() - wake > STALL:
            self._stalled()

    async def _watch_stalls(self) -> None:
        """Wake every WATCH_EVERY while calls wait or sends are in flight; a late wake-up is a stall."""
        while any(self._queues) or any(not send.done for send in self._started):
            wake = time.monotonic() + WATCH_EVERY
            await asyncio.sleep(WATCH_EVERY)
            if time.monotonic() - wake > STALL:
                self._stalled()

    def _stalled(self) -> None:
        """The event loop just stalled: the sends still in flight may only be leaving now."""
        now = self.clock()
        for send in self._started:
            if not send.done:
                send.at = max(send.at, now)

    def _grant_one(self, queue: deque, now: float) -> tuple[bool, float]:
        """Grant a slot to the first call in `queue` whose chat and group may receive a message now; refuse calls
        past their deadline on the way. Returns (granted, the soonest moment a call looked at will be ready)."""
        while queue and queue[0][-1].done():  # cancelled while waiting (e.g. shutting down), or refused
            queue.popleft()
        soonest = float("inf")
        for i, (chat, group, deadline, waiter) in enumerate(itertools.islice(queue, SCAN)):
            if waiter.done():
                continue
            if deadline is not None and deadline <= now:
                waiter.set_exception(WindowClosed("its deadline passed before a slot was free"))
                continue
            ready = self._chat_ready(chat, group)
            if ready <= now:
                del queue[i]
                waiter.set_result(self._book(now, chat, group))
                return True, now
            soonest = min(soonest, ready)
        return False, soonest

    def _window_opens(self) -> float:
        """The earliest moment another send keeps TELEGRAM_PER_SECOND sends within any window (OVERALL_WINDOW,
        widened by 429s)."""
        started = self._started
        return started[0].at + self.window if len(started) == started.maxlen else 0.0

    def _book(self, now: float, chat: Any, group: Any) -> _Send:
        """Take the slot at `now`; returns its start, for the call to correct when it really starts."""
        # Made up on the grid when less than one slot late; else the grid starts again from now.
        slot = self._next if now - self._next < self.interval else now
        self._next = slot + self.interval
        started = _Send(now)
        self._started.append(started)
        self._chat_next[chat] = now + self.chat_interval
        if len(self._chat_next) > 10_000:  # forget chats whose pause is long over
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        if group is not None:
            sent = self._group_sent.setdefault(group, deque())
            sent.append(now)
            while sent and sent[0] <= now - 60.0:
                sent.popleft()
        return started
