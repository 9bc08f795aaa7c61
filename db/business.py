"""Telegram Business connections and the chats seen through them."""

from datetime import datetime

from db.connection import Database
from db.time import stamp


def upsert_connection(db: Database, connection_id: str, *, user_id: int, user_chat_id: int, owner_name: str,
                      can_reply: bool, is_enabled: bool, accepted: bool, now: datetime) -> dict | None:
    """Store a business connection; return the row it replaced (None if new)."""
    previous = get_connection(db, connection_id)
    db.upsert("business_connections",
              {"connection_id": connection_id, "user_id": user_id, "user_chat_id": user_chat_id,
               "owner_name": owner_name, "can_reply": int(can_reply), "is_enabled": int(is_enabled),
               "accepted": int(accepted), "updated_at": stamp(now)}, ("connection_id",))
    return previous


def get_connection(db: Database, connection_id: str) -> dict | None:
    """Return the stored connection, or None."""
    rows = db.query("select * from business_connections where connection_id = ?", [connection_id])
    return next(iter(rows), None)


def mark_owner_spoke(db: Database, connection_id: str, chat_id: int, now: datetime) -> None:
    """Remember that the owner writes in this chat themselves (the bot then never screens it)."""
    db.execute(
        "insert into business_chats (connection_id, chat_id, owner_spoke_at) values (?, ?, ?)"
        " on conflict (connection_id, chat_id) do update set owner_spoke_at = excluded.owner_spoke_at",
        [connection_id, chat_id, stamp(now)],
    )


def owner_spoke(db: Database, connection_id: str, chat_id: int) -> bool:
    """True when the owner has written in this chat."""
    row = db.execute(
        "select owner_spoke_at from business_chats where connection_id = ? and chat_id = ?", [connection_id, chat_id]
    ).fetchone()
    return bool(row and row[0])


def get_latest_business_request(db: Database, connection_id: str, chat_id: int) -> dict | None:
    """Return the most recent request made in this business chat, whatever its status."""
    rows = db.query(
        "select * from requests where business_connection_id = ? and reply_chat_id = ? order by id desc limit 1",
        [connection_id, chat_id],
    )
    return next(iter(rows), None)
