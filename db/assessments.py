"""The assessor's stored reading of a request (one row per request; dropped when an answer changes)."""

import json
from datetime import datetime

from db.connection import Database
from db.time import stamp

FIELDS = ("assessor", "tie", "generic", "pitch", "creepy", "vague", "action", "confidence", "reason", "summary",
          "followup", "source_mismatch")


def get_assessment(db: Database, request_id: int) -> dict | None:
    """The stored assessment of a request (evidence decoded), or None when there is none (yet, or any more)."""
    found = db.one("select * from assessments where request_id = ?", [request_id])
    if found is None:
        return None
    found["evidence"] = json.loads(found["evidence"] or "[]")
    return found


def set_assessment(db: Database, request_id: int, values: dict, now: datetime) -> None:
    """Store (or replace) a request's assessment."""
    db.execute(
        f"insert or replace into assessments (request_id, {', '.join(FIELDS)}, evidence, assessed_at)"
        f" values (?, {', '.join('?' for _ in FIELDS)}, ?, ?)",
        [request_id, *(values[f] for f in FIELDS), json.dumps(values["evidence"], ensure_ascii=False), stamp(now)])


def forget_assessment(db: Database, request_id: int) -> None:
    """Drop a request's assessment: one of its answers changed, so it is read again when next needed."""
    db.execute("delete from assessments where request_id = ?", [request_id])


def list_suggestions(db: Database, request_ids: list[int]) -> dict[int, str]:
    """The stored suggested action of each of these requests (those assessed)."""
    if not request_ids:
        return {}
    marks = ", ".join("?" for _ in request_ids)
    rows = db.execute(f"select request_id, action from assessments where request_id in ({marks})", request_ids)
    return dict(rows.fetchall())
