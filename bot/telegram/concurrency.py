"""Updates run concurrently, except that updates from the same person run in the order they arrived; an update
that failed because the database was busy is run again, later, before that person's next update."""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

# Waits between attempts at an update the database refused (locked by another process, e.g. a backup or a
# sqlite-utils session): about a minute in the first attempts, then every 30 s for as long as it takes.
RETRY_DELAYS = (0.25, 0.5, 1, 2, 4, 8, 15, 30)
# Join requests handled at once. Each waits for its first question's turn at Telegram's pace (minutes in a raid),
# so they get a pool of their own, without holding up anyone else. 64 keep two seconds of first questions queued
# (and the pace held while each send takes up to two seconds to come back); more only start more work at once: with
# 512, a raid's first two seconds sent 5-11 messages a second while the event loop recorded 512 join requests in one
# go and the granted sends waited behind them.
JOIN_REQUESTS_AT_ONCE = 64
# Join requests that start in one turn of the event loop. When a raid's windows closed, the join requests recorded
# as "not asked" (1.4 ms each, none waiting on Telegram) ran 64 at a time in lockstep: all 64 ended in one turn of
# the loop and woke the next 64 together, so for 6 s every turn took 100-150 ms, and sends and replies waited that
# long for each.
JOIN_STARTS_PER_TURN = 8


def ordering_key(update: object) -> int | None:
    """Updates with the same key are processed one after another: the sender, else the chat."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None


class Turnstile:
    """Lets at most `per_turn` callers through in one turn of the event loop; the others go through in the turns
    after, in the order they came."""

    def __init__(self, per_turn: int) -> None:
        self.per_turn = per_turn
        self._passed = 0  # in this turn
        self._waiting: deque[asyncio.Future] = deque()

    async def enter(self) -> None:
        """Return once this caller's turn has come."""
        if self._passed < self.per_turn and not self._waiting:
            self._count()
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        await waiter

    def _count(self) -> None:
        if not self._passed:
            asyncio.get_running_loop().call_soon(self._next_turn)
        self._passed += 1

    def _next_turn(self) -> None:
        self._passed = 0
        while self._waiting and self._passed < self.per_turn:
            waiter = self._waiting.popleft()
            if not waiter.done():  # else cancelled while waiting (shutting down)
                waiter.set_result(None)
                self._count()


class PerSenderProcessor(BaseUpdateProcessor):
    """A slow Bot API call for one requester never blocks another; one requester's answers stay in order; an
    update the database refused is retried in place (its sender's later updates wait, nobody else does)."""

    def __init__(self, max_concurrent_updates: int = 256, delays: tuple[float, ...] = RETRY_DELAYS,
                 join_requests_at_once: int = JOIN_REQUESTS_AT_ONCE, join_starts_per_turn: int = JOIN_STARTS_PER_TURN):
        super().__init__(max_concurrent_updates)
        self._join_requests = asyncio.Semaphore(join_requests_at_once)
        self._join_starts = Turnstile(join_starts_per_turn)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._retry: set[int] = set()
        self.delays = delays
        self.rerun: Callable[[object], Awaitable[None]] | None = None  # Application.process_update, set at build
        self.done: Callable[[object], None] | None = None  # told of every update once it is done with

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update when its pool has room: join requests have their own, so that a raid of them waiting for
        their turn at Telegram never keeps the answers of people already in a conversation waiting."""
        try:
            if isinstance(update, Update) and update.chat_join_request is not None:
                async with self._join_requests:
                    await self._join_starts.enter()
                    await self.do_process_update(update, coroutine)
                return
            await super().process_update(update, coroutine)
        finally:
            if self.done is not None:
                self.done(update)

    def retry_later(self, update: Update) -> None:
        """Mark an update to be run again after a pause (called by the error handler)."""
        self._retry.add(update.update_id)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers once every earlier update from the same sender is done."""
        key = ordering_key(update)
        if key is None:
            await self._run(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await self._run(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine
        attempt = 0
        while isinstance(update, Update) and update.update_id in self._retry and self.rerun is not None:
            self._retry.discard(update.update_id)
            delay = self.delays[min(attempt, len(self.delays) - 1)]
            attempt += 1
            log.warning("update %s: the database is busy; trying again in %s s (attempt %d)", update.update_id,
                        delay, attempt + 1)
            await asyncio.sleep(delay)
            await self.rerun(update)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
