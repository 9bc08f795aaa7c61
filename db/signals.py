"""Signals beyond the answers: a request's profile facts and CAS verdict, the CAS cache, requests in a day."""

from datetime import datetime, timedelta

from db.connection import Database
from db.time import stamp
from db.vocabulary import OPEN


def get_signals(db: Database, request_id: int) -> dict | None:
    """The stored signals of a request, or None when none were gathered."""
    return db.one("select * from request_signals where request_id = ?", [request_id])


def set_profile(db: Database, request_id: int, *, profile: str, has_photo: bool | None, bio: str | None,
                now: datetime) -> None:
    """Store what the profile showed (has_photo None: unknown)."""
    db.execute(
        "insert into request_signals (request_id, profile, has_photo, bio, gathered_at) values (?, ?, ?, ?, ?)"
        " on conflict(request_id) do update set profile = excluded.profile, has_photo = excluded.has_photo,"
        " bio = excluded.bio, gathered_at = excluded.gathered_at",
        [request_id, profile, None if has_photo is None else int(has_photo), bio, stamp(now)])


def set_cas(db: Database, request_id: int, verdict: str) -> None:
    """Store a request's CAS verdict: listed, clear or failed."""
    db.execute("insert into request_signals (request_id, cas) values (?, ?)"
               " on conflict(request_id) do update set cas = excluded.cas", [request_id, verdict])


def get_cached_cas(db: Database, user_id: int, since: datetime) -> bool | None:
    """The CAS answer for a person checked after `since` (True: listed), or None when there is none."""
    row = db.one("select listed from cas_checks where user_id = ? and checked_at >= ?", [user_id, stamp(since)])
    return None if row is None else bool(row["listed"])


def set_cached_cas(db: Database, user_id: int, listed: bool, now: datetime) -> None:
    """Remember CAS's answer for a person."""
    db.execute("insert or replace into cas_checks (user_id, listed, checked_at) values (?, ?, ?)",
               [user_id, int(listed), stamp(now)])


def count_places_in_day(db: Database, user_id: int, around: datetime) -> int:
    """How many different places (chats, or the bot's own door) the person asked to enter within a day of
    `around`."""
    row = db.one(
        "select count(distinct coalesce(target_chat_id, kind)) as n from requests"
        " where user_id = ? and created_at between ? and ?",
        [user_id, stamp(around - timedelta(days=1)), stamp(around + timedelta(days=1))])
    return row["n"] if row else 0


def list_open_cards_nearby(db: Database, user_id: int, around: datetime, other_than: int) -> list[dict]:
    """The person's other open requests from within a day of `around` whose card was sent (their signals may
    have changed)."""
    return list(db.query(
        "select * from requests where user_id = ? and id != ? and status in " + OPEN +
        " and card_message_id is not null and created_at between ? and ?",
        [user_id, other_than, stamp(around - timedelta(days=1)), stamp(around + timedelta(days=1))]))
