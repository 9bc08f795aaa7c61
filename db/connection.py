"""Open the database file and bring its schema up to date."""

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from db.migrations import migrations

HEADER = b"SQLite format 3\x00"


class DatabaseFileError(Exception):
    """The database file exists but is not a usable SQLite database; it was not modified."""


def check_database_file(path: str | Path) -> None:
    """Refuse a file that is not an SQLite database (or that SQLite cannot read) before anything writes to it."""
    path = Path(path)
    if str(path) == ":memory:" or not path.exists() or path.stat().st_size == 0:
        return
    if path.is_dir():
        raise DatabaseFileError(f"{path} is a folder, not a database file")
    with path.open("rb") as f:
        if f.read(len(HEADER)) != HEADER:
            raise DatabaseFileError(f"{path} is not an SQLite database")
    try:
        probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            probe.execute("select count(*) from sqlite_master").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseFileError(f"{path} cannot be read ({exc})") from None


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) the SQLite file at `path`, in WAL mode, with every migration applied; raise
    DatabaseFileError, leaving the file alone, when it is not a usable SQLite database."""
    check_database_file(path)
    db = Database(str(path))
    if str(path) != ":memory:":
        db.enable_wal()
        # With WAL, NORMAL syncs at checkpoints instead of every commit: a killed process loses nothing,
        # only a power loss can drop the last commits (bench/updates.py: ~0.7 ms saved per update).
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    # Wait briefly for a lock, not seconds: a blocked write blocks the event loop. Longer locks (a backup, a
    # sqlite-utils session) make the update fail and bot/telegram/concurrency.py runs it again, later.
    db.execute("PRAGMA busy_timeout = 250")
    migrations.apply(db)
    return db
