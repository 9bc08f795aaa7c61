"""Open the database file and bring its schema up to date."""

from pathlib import Path

from sqlite_utils import Database

from db.migrations import migrations


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) the SQLite file at `path`, in WAL mode, with every migration applied."""
    db = Database(str(path))
    if str(path) != ":memory:":
        db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA busy_timeout = 5000")
    migrations.apply(db)
    return db
