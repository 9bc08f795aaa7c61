"""Follow-up questions after the questionnaire: one the owner types (Ask more) or one asked automatically."""

from datetime import datetime

from db.connection import Database
from db.time import stamp


def insert_followup(db: Database, request_id: int, origin: str, question: str, *, asked_by: int | None,
                    now: datetime, topic: str | None = None) -> int:
    """Record a follow-up question sent to the requester (topic: which answer it asks more about); its id."""
    return db.insert("followups", {"request_id": request_id, "origin": origin, "question": question,
                                   "asked_by": asked_by, "asked_at": stamp(now), "topic": topic})


def get_open_followup(db: Database, request_id: int) -> dict | None:
    """The request's follow-up still waiting for an answer, if any."""
    rows = db.query("select * from followups where request_id = ? and answered_at is null order by id desc limit 1",
                    [request_id])
    return next(iter(rows), None)


def answer_followup(db: Database, followup_id: int, answer: str, now: datetime) -> bool:
    """Store the requester's answer to a follow-up (only the first answer counts; the request is assessed again)."""
    cursor = db.execute("update followups set answer = ?, answered_at = ? where id = ? and answered_at is null",
                        [answer, stamp(now), followup_id])
    if cursor.rowcount == 1:
        db.execute("delete from assessments where request_id = (select request_id from followups where id = ?)",
                   [followup_id])
    return cursor.rowcount == 1


def list_followups(db: Database, request_id: int) -> list[dict]:
    """Every follow-up of a request, oldest first."""
    return list(db.query("select * from followups where request_id = ? order by id", [request_id]))


def count_followups(db: Database, request_id: int, origin: str) -> int:
    """How many follow-ups of that origin a request had."""
    return db.execute("select count(*) from followups where request_id = ? and origin = ?",
                      [request_id, origin]).fetchone()[0]


def set_owner_prompt(db: Database, chat_id: int, user_id: int, request_id: int, prompt_message_id: int,
                     now: datetime) -> None:
    """Remember that this reviewer's next message in this chat is a question for that request."""
    db.upsert("owner_prompts", {"chat_id": chat_id, "user_id": user_id, "request_id": request_id,
                                "prompt_message_id": prompt_message_id, "created_at": stamp(now)},
              ("chat_id", "user_id"))


def pop_owner_prompt(db: Database, chat_id: int, user_id: int) -> dict | None:
    """Take (and forget) the reviewer's pending Ask-more prompt in this chat, if any."""
    rows = list(db.query("select * from owner_prompts where chat_id = ? and user_id = ?", [chat_id, user_id]))
    if rows:
        db.execute("delete from owner_prompts where chat_id = ? and user_id = ?", [chat_id, user_id])
    return rows[0] if rows else None
