"""What a waiting requester wrote after the questionnaire was done: the newest few, for the card."""

from datetime import datetime

from db.connection import Database
from db.time import stamp


def insert_late_message(db: Database, request_id: int, text: str, now: datetime, *, keep: int) -> None:
    """Keep a message added later to a request, dropping the oldest beyond the newest `keep`."""
    db.insert("late_messages", {"request_id": request_id, "text": text, "created_at": stamp(now)})
    db.execute("delete from late_messages where request_id = ? and id not in"
               " (select id from late_messages where request_id = ? order by id desc limit ?)",
               [request_id, request_id, keep])


def list_late_messages(db: Database, request_id: int) -> list[dict]:
    """The messages kept for a request, oldest first."""
    return list(db.query("select * from late_messages where request_id = ? order by id", [request_id]))


def claim_late_notice(db: Database, request_id: int, now: datetime, not_since: datetime) -> bool:
    """Mark the requester as told that their message was added, unless they were told after `not_since`;
    True if they are to be told now (compare-and-set: two messages at once get one notice)."""
    cursor = db.execute("update requests set late_told_at = ? where id = ?"
                        " and (late_told_at is null or late_told_at <= ?)",
                        [stamp(now), request_id, stamp(not_since)])
    return cursor.rowcount == 1
