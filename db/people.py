"""People who have asked: their profile and the owner's standing decision (allowed / blocked)."""

from datetime import datetime

from db.connection import Database
from db.time import stamp


def upsert_person(db: Database, user: dict, now: datetime) -> dict:
    """Insert or refresh a person's profile from a plain user dict; keep their standing; return the row."""
    now_stamp = stamp(now)
    existing = get_person(db, user["user_id"])
    profile = {k: user.get(k) for k in ("first_name", "last_name", "username", "language_code")}
    if "is_premium" in user:  # only an update's User says it; other sources leave it as it was
        profile["is_premium"] = None if user["is_premium"] is None else int(bool(user["is_premium"]))
    if existing is None:
        db.insert("people",
            {"user_id": user["user_id"], **profile, "standing": "unknown",
             "first_seen_at": now_stamp, "updated_at": now_stamp}
        )
    elif any(existing.get(k) != v for k, v in profile.items()):
        db.update("people", "user_id", user["user_id"], {**profile, "updated_at": now_stamp})
    else:
        return existing  # unchanged: no need to read it again (this runs on every update)
    return get_person(db, user["user_id"])


def get_person(db: Database, user_id: int) -> dict | None:
    """Return the person row for `user_id`, or None."""
    rows = list(db.query("select * from people where user_id = ?", [user_id]))
    return rows[0] if rows else None


def set_standing(db: Database, user_id: int, standing: str, now: datetime) -> None:
    """Record the owner's standing decision about a person: unknown, allowed or blocked."""
    db.execute(
        "update people set standing = ?, updated_at = ? where user_id = ?",
        [standing, stamp(now), user_id],
    )


def find_person(db: Database, handle: str) -> dict | None:
    """Find a known person by numeric id or @username (case-insensitive)."""
    handle = handle.strip()
    if handle.lstrip("-").isdigit():
        return get_person(db, int(handle))
    rows = db.query("select * from people where lower(username) = lower(?) order by updated_at desc limit 1",
                    [handle.removeprefix("@")])
    return next(iter(rows), None)


def list_people(db: Database, standing: str | None, limit: int, offset: int) -> tuple[list[dict], int]:
    """A page of people (optionally of one standing), most recently updated first, with the total count."""
    where, params = ("where standing = ?", [standing]) if standing else ("where standing != 'unknown'", [])
    total = db.execute(f"select count(*) from people {where}", params).fetchone()[0]
    rows = list(db.query(f"select * from people {where} order by updated_at desc, user_id limit ? offset ?",
                         [*params, limit, offset]))
    return rows, total
