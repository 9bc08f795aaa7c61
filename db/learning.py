"""What the assessor can learn from the owner: requests a reviewer decided, with what they answered."""

from datetime import datetime

from bot.core.vocabulary import Status
from db.connection import Database
from db.time import stamp


def list_reviewed_requests(db: Database) -> list[dict]:
    """Requests a reviewer (not the bot) accepted, declined or blocked, oldest first."""
    return list(db.query(
        "select * from requests where status in (?, ?, ?) and coalesce(decided_by, 0) != 0"
        " and carry_out_at is null order by id",  # a decision that may still be undone is no example yet
        [Status.ACCEPTED, Status.DECLINED, Status.BLOCKED]))


def count_matching_suggestions(db: Database, start: datetime, end: datetime) -> tuple[int, int]:
    """Of the reviewer decisions in [start, end) on requests suggested accept or decline: how many matched the
    suggestion, and how many there were."""
    row = db.execute(
        "select coalesce(sum((a.action = 'accept' and r.status = ?) or (a.action = 'decline' and r.status in (?, ?))),"
        " 0), count(*) from requests r join assessments a on a.request_id = r.id"
        " where r.decided_at >= ? and r.decided_at < ? and coalesce(r.decided_by, 0) != 0"
        " and r.status in (?, ?, ?) and r.carry_out_at is null and a.action in ('accept', 'decline')",
        [Status.ACCEPTED, Status.DECLINED, Status.BLOCKED, stamp(start), stamp(end),
         Status.ACCEPTED, Status.DECLINED, Status.BLOCKED]).fetchone()
    return row[0], row[1]
