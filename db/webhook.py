"""The webhook's secret token, when the owner set none: generated once and kept, so a restart keeps what Telegram
was given."""

from datetime import datetime

from db.connection import Database
from db.time import stamp

# One more row in the key/value table of remembered values (schedule_state): no table of its own for one value.
SECRET_NAME = "webhook_secret"


def get_or_insert_webhook_secret(db: Database, candidate: str, now: datetime) -> str:
    """The stored secret; `candidate` is stored and returned when there is none yet."""
    db.execute("insert or ignore into schedule_state (name, value, updated_at) values (?, ?, ?)",
               [SECRET_NAME, candidate, stamp(now)])
    return db.execute("select value from schedule_state where name = ?", [SECRET_NAME]).fetchone()[0]
