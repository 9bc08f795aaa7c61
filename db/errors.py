"""What SQLite's errors mean for the callers."""

import sqlite3


def is_busy(error: BaseException | None) -> bool:
    """True for SQLite refusing a write because another connection holds the lock (worth waiting for)."""
    return isinstance(error, sqlite3.OperationalError) and any(
        words in str(error).lower() for words in ("database is locked", "database table is locked", "busy"))
