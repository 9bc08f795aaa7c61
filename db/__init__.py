"""SQLite storage for doorman (sqlite-utils only; never imports telegram)."""

from db.connection import open_db

__all__ = ["open_db"]
