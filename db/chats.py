"""Groups and channels the bot screens join requests for."""

from datetime import datetime

from db.connection import Database
from db.time import stamp


def upsert_chat(db: Database, chat_id: int, *, title: str, type: str, bot_status: str, can_invite_users: bool,
                now: datetime) -> None:
    """Record a chat and the bot's current status and invite right there."""
    db.upsert("chats", {"chat_id": chat_id, "title": title, "type": type, "bot_status": bot_status,
                        "can_invite_users": int(can_invite_users), "updated_at": stamp(now)}, ("chat_id",))


def set_chat_username(db: Database, chat_id: int, username: str | None) -> None:
    """Record a chat's public @username as Telegram shows it now (None: the chat is private)."""
    db.update("chats", "chat_id", chat_id, {"username": username})


def set_chat_invite_link(db: Database, chat_id: int, invite_link: str) -> None:
    """Remember an invite link the bot made for a chat (the latest one), to give to people it lets in."""
    db.update("chats", "chat_id", chat_id, {"invite_link": invite_link})


def get_chat(db: Database, chat_id: int) -> dict | None:
    """Return the stored chat, or None."""
    rows = db.query("select * from chats where chat_id = ?", [chat_id])
    return next(iter(rows), None)


def list_chats_with_pending(db: Database) -> list[dict]:
    """Every known chat with how many of its join requests wait for a decision or an answer."""
    return list(db.query(
        "select c.*, (select count(*) from requests r where r.target_chat_id = c.chat_id"
        " and r.status = 'pending') as pending,"
        " (select count(*) from requests r where r.target_chat_id = c.chat_id and r.status = 'asking') as asking"
        " from chats c order by c.title"
    ))


def list_screened_chats(db: Database) -> list[dict]:
    """Chats where the bot is an admin that may approve join requests."""
    return list(db.query(
        "select * from chats where bot_status in ('administrator', 'creator') and can_invite_users = 1"
        " order by title"
    ))
