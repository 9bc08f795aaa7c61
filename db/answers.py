"""Answers to the questionnaire, one row per (request, question key)."""

from datetime import datetime

from db.assessments import forget_assessment
from db.connection import Database
from db.time import stamp


def list_answers(db: Database, request_id: int) -> dict[str, dict]:
    """Return the request's answers keyed by question key."""
    rows = db.query("select * from answers where request_id = ? order by created_at", [request_id])
    return {row["question_key"]: row for row in rows}


def set_answer(
    db: Database, request_id: int, key: str, text: str, *, now: datetime,
    choice: str | None = None, message_id: int | None = None,
) -> None:
    """Store (or replace) the answer to one question (the request will be assessed again)."""
    now_stamp = stamp(now)
    forget_assessment(db, request_id)
    db.upsert("answers", {"request_id": request_id, "question_key": key, "text": text, "choice": choice,
                          "message_id": message_id, "edited": 0, "created_at": now_stamp, "updated_at": now_stamp},
              ("request_id", "question_key"))


def find_answer_by_message(db: Database, request_id: int, message_id: int) -> dict | None:
    """Return the answer that was given by this message, if any."""
    rows = db.query(
        "select * from answers where request_id = ? and message_id = ?", [request_id, message_id]
    )
    return next(iter(rows), None)


def replace_answer_text(db: Database, request_id: int, key: str, text: str, now: datetime) -> None:
    """Replace an answer's text after the requester edited their message (the request will be assessed again)."""
    forget_assessment(db, request_id)
    db.execute(
        "update answers set text = ?, edited = 1, updated_at = ? where request_id = ? and question_key = ?",
        [text, stamp(now), request_id, key],
    )
