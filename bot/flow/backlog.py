"""A raid's join requests wait their turn in SQLite, not in memory.

Each join request waits minutes for its first question's turn at Telegram's pace, and polling fetches them far
faster than they can be asked: 10,000 of them held as PTB objects and tasks cost about 35 MB, and were lost in a
crash (Telegram does not send an update again once the bot has fetched past it). So once `high` join requests are
in the bot's hands, the next ones fetched are kept as rows, as Telegram sent them, and handed to the application in
arrival order whenever fewer than `low` remain in hand. A row goes once its update has been handled; rows left by a
crash are handed over at the next start (the duplicate-update guard skips any already handled). Everything else
fetched (answers, the owner's presses) goes to the application at once.
"""

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime

from telegram import Bot, Update

from db.backlog import any_waiting_joins, forget_waiting_join, park_joins, waiting_joins
from db.connection import Database
from db.errors import is_busy

log = logging.getLogger(__name__)

HIGH = 512  # join requests in hand (at most 64 handled at once, the rest queued for that) before rows take over
LOW = 256  # fewer than this in hand: the next rows are handed over, up to HIGH
# Rows read back into updates between two turns of the event loop: reading 256 at once held it for 70 ms in a raid,
# and every paced send waited behind it.
FEED_STEP = 16


class JoinBacklog:
    """Decides, for each polled join request, whether the application gets it now or it waits as a row; feeds the
    rows back in order as the join requests in hand are handled."""

    def __init__(self, db: Database, clock: Callable[[], datetime], high: int = HIGH, low: int = LOW) -> None:
        self.db, self.clock, self.high, self.low = db, clock, high, low
        self._in_hand: set[int] = set()  # join requests given to the application and not yet handled
        self._from_rows: set[int] = set()  # those of them that came from a row
        self._last_fed = 0  # rows are handed over in update id order, each once
        self._parking = any_waiting_joins(db)  # rows left by the last run go first
        db.commit()  # a read may open the connection's unit of work: none stays open from here
        self._wake = asyncio.Event()

    def admit(self, raw: list) -> list:
        """The items of a getUpdates batch the application gets now; join requests beyond `high` in hand (or
        behind waiting rows) become rows instead."""
        keep, park, taken = [], [], set()
        for item in raw:
            if not (isinstance(item, dict) and "chat_join_request" in item and isinstance(item.get("update_id"), int)):
                keep.append(item)
            elif self._parking or park or len(self._in_hand) + len(taken) >= self.high:
                park.append((item["update_id"], json.dumps(item)))
            else:
                taken.add(item["update_id"])
                keep.append(item)
        if park:
            # May fail (a locked database): then nothing here has changed, and the poll fetches this batch again.
            park_joins(self.db, park, self.clock())
            self._parking = True
            self._wake.set()
        self._in_hand |= taken
        return keep

    def handled(self, update: object) -> None:
        """An update is done with (handled, skipped or failed for good): a join request's row goes, and the
        feeder may hand over more."""
        update_id = getattr(update, "update_id", None)
        if update_id not in self._in_hand:
            return
        self._in_hand.discard(update_id)
        if update_id in self._from_rows:
            self._from_rows.discard(update_id)
            try:
                forget_waiting_join(self.db, update_id)
            except Exception as exc:
                if not is_busy(exc):
                    raise
                # Locked by another process: the row stays, and the next start hands it over again (the
                # duplicate-update guard skips it, and then it goes).
                log.warning("a handled join request's row stays until the next start (%s)", exc)
        if len(self._in_hand) < self.low:
            self._wake.set()

    async def feed(self, queue: asyncio.Queue, bot: Bot) -> None:
        """Hand waiting rows to the application's update queue, oldest first, while fewer than `low` join requests
        are in hand; runs until cancelled."""
        if self._parking:
            self._wake.set()  # rows left by the last run
        while True:
            self.db.commit()  # nothing read or written here stays open while the feeder waits
            await self._wake.wait()
            self._wake.clear()
            if len(self._in_hand) >= self.low:
                continue
            rows = waiting_joins(self.db, self._last_fed, self.high - len(self._in_hand))
            if not rows:
                self._parking = False
                continue
            for i, (update_id, body) in enumerate(rows):
                if i and not i % FEED_STEP:
                    await asyncio.sleep(0)
                self._last_fed = update_id
                try:
                    update = Update.de_json(json.loads(body), bot)
                except Exception as exc:  # a row that no longer parses must not stop the others
                    log.error("waiting join request %s could not be read and was dropped (%s)", update_id,
                              type(exc).__name__)
                    forget_waiting_join(self.db, update_id)
                    continue
                self._in_hand.add(update_id)
                self._from_rows.add(update_id)
                await queue.put(update)
            self._wake.set()  # look again: more rows may wait, or a poll may have parked some meanwhile
