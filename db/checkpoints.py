"""WAL checkpoints off the event loop. A checkpoint copies the WAL into the database file and fsyncs it (5-10 ms on
a small VM); left to SQLite it runs inside whichever commit takes the WAL past 1000 pages, and every update waits
for it. The running bot's connection never checkpoints: a thread with its own connection does, every COMMITS
commits."""

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

COMMITS = 64  # commits between checkpoints: a few pages each, so the WAL stays well under SQLite's 1000 pages


class Checkpointer:
    """A thread that checkpoints a WAL database when enough commits have been counted."""

    def __init__(self, path: Path) -> None:
        # Opened here, so that a file that cannot be opened fails the caller (which then keeps SQLite's own
        # checkpoints) instead of a thread that would leave the WAL to grow.
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.path = path
        self._due = threading.Event()
        self._stopping = False
        self._commits = 0
        self.done = 0  # checkpoints made
        self._thread = threading.Thread(target=self._run, name="doorman-checkpoints", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """Count one commit; every COMMITS, wake the thread."""
        self._commits += 1
        if self._commits >= COMMITS:
            self._commits = 0
            self._due.set()

    def stop(self) -> None:
        """End the thread once the checkpoint in progress (if any) is done."""
        self._stopping = True
        self._due.set()
        self._thread.join()

    def _run(self) -> None:
        conn = self._conn
        try:
            while True:
                self._due.wait()
                self._due.clear()
                if self._stopping:
                    return
                try:
                    # PASSIVE: copies what it can without waiting for, or blocking, the bot's writes.
                    conn.execute("pragma wal_checkpoint(PASSIVE)").fetchall()
                    self.done += 1
                except sqlite3.Error as exc:
                    log.warning("could not checkpoint the database's WAL (tried again later): %s", exc)
        finally:
            conn.close()
