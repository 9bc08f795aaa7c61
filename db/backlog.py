"""Join requests waiting their turn in a raid: kept as Telegram sent them until the bot has handled them."""

from datetime import datetime

from db.connection import Database
from db.time import stamp


def park_joins(db: Database, items: list[tuple[int, str]], now: datetime) -> None:
    """Keep these (update id, JSON body) join requests until they are handled; committed at once."""
    with db.transaction():
        db.conn.executemany("insert or ignore into waiting_joins (update_id, body, received_at) values (?, ?, ?)",
                            [(update_id, body, stamp(now)) for update_id, body in items])
    db.commit()


def waiting_joins(db: Database, after: int, limit: int) -> list[tuple[int, str]]:
    """The next `limit` waiting join requests with an update id above `after`, oldest first."""
    return [(row["update_id"], row["body"]) for row in db.query(
        "select update_id, body from waiting_joins where update_id > ? order by update_id limit ?", (after, limit))]


def any_waiting_joins(db: Database) -> bool:
    """True when join requests are waiting their turn."""
    return db.one("select 1 as x from waiting_joins limit 1") is not None


def forget_waiting_join(db: Database, update_id: int) -> None:
    """The join request has been handled: its row goes, committed at once."""
    db.execute("delete from waiting_joins where update_id = ?", [update_id])
    db.commit()
