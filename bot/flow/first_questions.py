"""Join requesters are owed their first question within Telegram's 5-minute window: they are asked in arrival
order, a bounded number at once. The others wait as rows (requests.ask_by) and ids in a queue, not as update tasks
holding their parsed update, so a raid of 10,000 costs the memory of the few being asked, and a restart picks up
where it stopped."""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

log = logging.getLogger(__name__)

# First questions on their way at once: each waits for its turn at Telegram's pace, and 256 keep the send queue
# full (8 s of sends) while leaving half of the join requests' pool (512) free to record newcomers.
ASKING_AT_ONCE = 256

Ask = Callable[[int], Awaitable[None]]


class FirstQuestions:
    """Slots for asking first questions; requests beyond them wait in arrival order and are asked by background
    askers as slots free up (never inside another person's update, which would hold up that person's answers)."""

    def __init__(self, at_once: int = ASKING_AT_ONCE) -> None:
        self.at_once = at_once
        self.busy = 0
        self.waiting: deque[int] = deque()
        self._askers: set[asyncio.Task] = set()

    async def ask_in_turn(self, request_id: int, ask: Ask) -> None:
        """Ask now when a slot is free and nobody waits; else queue the request and return at once."""
        if self.busy < self.at_once and not self.waiting:
            self.busy += 1
            try:
                await ask(request_id)
            finally:
                self.busy -= 1
                self._spawn(ask)
            return
        self.waiting.append(request_id)
        self._spawn(ask)

    def queue(self, request_ids: Iterable[int], ask: Ask) -> None:
        """Queue requests owed their first question (found at start) behind any already waiting."""
        self.waiting.extend(request_ids)
        self._spawn(ask)

    def _spawn(self, ask: Ask) -> None:
        while self.waiting and self.busy < self.at_once:
            self.busy += 1
            task = asyncio.get_running_loop().create_task(self._serve(ask), name="first questions")
            self._askers.add(task)
            task.add_done_callback(self._askers.discard)

    async def _serve(self, ask: Ask) -> None:
        try:
            while self.waiting:
                request_id = self.waiting.popleft()
                try:
                    await ask(request_id)
                except Exception:  # one requester's failure must not strand the others in the queue
                    log.exception("could not ask request %s its first question; it stays owed", request_id)
        finally:
            self.busy -= 1

    async def settled(self) -> None:
        """Wait until nobody waits and every background asker is done (tests, benches)."""
        while self._askers:
            await asyncio.gather(*list(self._askers), return_exceptions=True)

    async def close(self) -> None:
        """Stop the background askers (at stop): whoever still waits is owed in the database and asked at start."""
        self.waiting.clear()
        for task in list(self._askers):
            task.cancel()
        await asyncio.gather(*self._askers, return_exceptions=True)
