"""The audit log, and the record of updates already handled."""

from datetime import datetime

from db.connection import Database
from db.time import stamp


def insert_event(
    db: Database, kind: str, now: datetime, *, request_id: int | None = None,
    user_id: int | None = None, actor_id: int | None = None, detail: str | None = None,
) -> None:
    """Append one entry to the audit log."""
    db.insert("events", {"kind": kind, "request_id": request_id, "user_id": user_id, "actor_id": actor_id,
                         "detail": detail, "created_at": stamp(now)})


def is_update_processed(db: Database, update_id: int) -> bool:
    """True when this update id was already handled."""
    return db.execute("select 1 from processed_updates where update_id = ?", [update_id]).fetchone() is not None


def mark_update_processed(db: Database, update_id: int, now: datetime) -> None:
    """Remember that this update id has been handled."""
    db.execute(
        "insert or ignore into processed_updates (update_id, processed_at) values (?, ?)",
        [update_id, stamp(now)],
    )


def prune_processed_updates(db: Database, keep: int = 100_000) -> int:
    """Forget all but the newest `keep` handled update ids (Telegram's ids only grow); return how many went."""
    cursor = db.execute(
        "delete from processed_updates where update_id < (select max(update_id) from processed_updates) - ?",
        [keep])
    return cursor.rowcount
