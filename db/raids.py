"""Raid mode: requests whose cards are held back, and the batched cards that show them."""

from datetime import datetime, timedelta

from db.connection import Database
from db.time import stamp
from db.vocabulary import OPEN


def count_recent_requests(db: Database, now: datetime, seconds: int = 60) -> int:
    """How many requests arrived in the last `seconds`."""
    return db.execute("select count(*) from requests where created_at > ?",
                      [stamp(now - timedelta(seconds=seconds))]).fetchone()[0]


def count_requests_after(db: Database, moment: datetime, seconds: int = 60) -> int:
    """How many requests arrived in the `seconds` from `moment` on (including it)."""
    return db.execute("select count(*) from requests where created_at >= ? and created_at <= ?",
                      [stamp(moment), stamp(moment + timedelta(seconds=seconds))]).fetchone()[0]


def hold_card(db: Database, request_id: int) -> None:
    """Keep a request's card back for the next batched card."""
    db.execute("update requests set held = 1 where id = ? and card_message_id is null", [request_id])


def list_held(db: Database, after: int = 0, limit: int = -1) -> list[dict]:
    """Open requests whose cards are held and not yet in a batch, oldest first, with the requester's name; a page of
    `limit` of them with ids above `after` when asked."""
    return list(db.query(
        "select r.*, p.first_name, p.last_name, p.username from requests r join people p on p.user_id = r.user_id"
        " where r.held = 1 and r.batch_id is null and r.status in " + OPEN + " and r.id > ? order by r.id limit ?",
        (after, limit)))


def insert_batch(db: Database, request_ids: list[int], suggested_decline: int, now: datetime) -> int:
    """Record a batched card for these requests and return its id."""
    with db.transaction():
        batch_id = db.insert("raid_batches", {"created_at": stamp(now), "size": len(request_ids),
                                              "suggested_decline": suggested_decline})
        db.conn.executemany("update requests set batch_id = ? where id = ?", [(batch_id, rid) for rid in request_ids])
    return batch_id


def discard_batch(db: Database, batch_id: int) -> None:
    """Undo a batch whose card could not be sent, so its requests go on the next one."""
    with db.transaction():
        db.execute("update requests set batch_id = null where batch_id = ?", [batch_id])
        db.execute("delete from raid_batches where id = ?", [batch_id])


def set_batch_message(db: Database, batch_id: int, chat_id: int, message_id: int) -> None:
    """Remember where the batched card was sent."""
    db.update("raid_batches", "id", batch_id, {"chat_id": chat_id, "message_id": message_id})


def get_batch(db: Database, batch_id: int) -> dict | None:
    """Return the batch row, or None."""
    rows = db.query("select * from raid_batches where id = ?", [batch_id])
    return next(iter(rows), None)


def list_batch_requests(db: Database, batch_id: int, after: int = 0, limit: int = -1) -> list[dict]:
    """The requests of a batch, oldest first, with the requester's name; a page of `limit` of them with ids above
    `after` when asked."""
    return list(db.query(
        "select r.*, p.first_name, p.last_name, p.username from requests r join people p on p.user_id = r.user_id"
        " where r.batch_id = ? and r.id > ? order by r.id limit ?", [batch_id, after, limit]))


def claim_decline_all(db: Database, batch_id: int, actor_id: int, now: datetime) -> bool:
    """Mark a batch's 'Decline all suggested' as pressed, once."""
    cursor = db.execute("update raid_batches set declined_all_at = ?, declined_all_by = ? where id = ?"
                        " and declined_all_at is null", [stamp(now), actor_id, batch_id])
    return cursor.rowcount == 1


def count_raids(db: Database, start: datetime, end: datetime) -> tuple[int, int]:
    """Batched cards sent in [start, end) and how many requests they held."""
    row = db.execute("select count(*), coalesce(sum(size), 0) from raid_batches where created_at >= ?"
                     " and created_at < ?", [stamp(start), stamp(end)]).fetchone()
    return row[0], row[1]
