"""Numbers for the weekly summary and /stats: SQL over requests and answers, per [start, end) window.

Windows arrive as aware datetimes and are compared with the stored stamps as strings, which is sound because
both sides are written the same way: UTC ISO-8601 to the second ('2026-11-23T09:00:00+00:00').
"""

import json
from datetime import datetime

from bot.core.vocabulary import OUTCOMES, Kind
from db.connection import Database
from db.time import stamp
from db.vocabulary import DECIDED, OPEN, REVIEWED_SQL

KINDS = tuple(Kind)


# One row per window. "never answered": received in the window and either timed out, or still being asked more
# than a day after arriving (as of the window's end). "still open": open at the window's end, judged by the
# decision time for requests decided since. The median is taken over reviewer decisions made in the window.
# A decision still inside its undo window (carry_out_at set) counts as open: it may yet be undone.
_SERIES_SQL = f"""
with weeks(i, start, finish) as (
  select cast(key as integer), json_extract(value, '$[0]'), json_extract(value, '$[1]') from json_each(:weeks)
),
received as (
  select w.i, count(r.id) as received,
    {", ".join(f"coalesce(sum(r.kind = '{k}'), 0) as kind_{k}" for k in KINDS)},
    coalesce(sum(r.timed_out_at is not null
                 or (r.status = 'asking' and julianday(r.created_at) < julianday(w.finish) - 1)), 0)
      as never_answered
  from weeks w left join requests r on r.created_at >= w.start and r.created_at < w.finish
  group by w.i
),
decided as (
  select w.i, count(r.id) as decided,
    {", ".join(f"coalesce(sum(r.status = '{o}'), 0) as {o}" for o in OUTCOMES)}
  from weeks w left join requests r
    on r.decided_at >= w.start and r.decided_at < w.finish and r.status in {DECIDED} and r.carry_out_at is null
  group by w.i
),
still_open as (
  -- two index range counts (open now; decided since the window's end), not an OR over every older request
  select w.i,
    (select count(*) from requests r where r.status in {OPEN} and r.created_at < w.finish)
    + (select count(*) from requests r where r.carry_out_at is not null and r.created_at < w.finish)
    + (select count(*) from requests r where r.decided_at >= w.finish and r.created_at < w.finish
       and r.status not in {OPEN} and r.carry_out_at is null) as still_open
  from weeks w
),
ranked as (
  select w.i, (julianday(r.decided_at) - julianday(r.created_at)) * 86400.0 as seconds,
    row_number() over (partition by w.i order by julianday(r.decided_at) - julianday(r.created_at)) as n,
    count(*) over (partition by w.i) as total
  from weeks w join requests r
    on r.decided_at >= w.start and r.decided_at < w.finish and r.status in {REVIEWED_SQL}
    and r.carry_out_at is null
),
median as (
  select i, avg(seconds) as median_seconds from ranked where n in ((total + 1) / 2, (total + 2) / 2) group by i
)
select w.i, w.start, w.finish, received.*, decided.*, still_open.still_open, median.median_seconds
from weeks w
  join received on received.i = w.i
  join decided on decided.i = w.i
  join still_open on still_open.i = w.i
  left join median on median.i = w.i
order by w.i
"""


def week_series(db: Database, windows: list[tuple[datetime, datetime]]) -> list[dict]:
    """The headline numbers of each [start, end) window, in order: one query for any number of weeks.

    Each dict: received, by_kind {join, direct, business}, decided, outcomes {accepted, declined, blocked,
    expired, withdrawn}, still_open, never_answered, median_seconds (None without decisions), acceptance
    (accepted / decided, None without decisions).
    """
    weeks = json.dumps([[stamp(start), stamp(end)] for start, end in windows])
    rows = []
    for row in db.query(_SERIES_SQL, {"weeks": weeks}):
        decided = row["decided"]
        median = row["median_seconds"]
        rows.append({
            "received": row["received"],
            "by_kind": {str(k): row[f"kind_{k}"] for k in KINDS},
            "decided": decided,
            "outcomes": {str(o): row[o] for o in OUTCOMES},
            "still_open": row["still_open"],
            "never_answered": row["never_answered"],
            "median_seconds": round(median, 3) if median is not None else None,
            "acceptance": row["accepted"] / decided if decided else None,
        })
    return rows


def count_by_chat(db: Database, start: datetime, end: datetime, limit: int | None = None) -> list[dict]:
    """Join requests received in the window per target chat (chat_id, title, n), most first."""
    return list(db.query(
        "select r.target_chat_id as chat_id, coalesce(c.title, cast(r.target_chat_id as text)) as title,"
        " count(*) as n from requests r left join chats c on c.chat_id = r.target_chat_id"
        " where r.kind = 'join' and r.created_at >= ? and r.created_at < ?"
        " group by r.target_chat_id order by n desc, title limit ?",
        [stamp(start), stamp(end), -1 if limit is None else limit],
    ))


def top_sources(db: Database, start: datetime, end: datetime, limit: int | None = None) -> list[dict]:
    """Sources (deep-link payloads, invite link names) of requests received in the window (source, n)."""
    return list(db.query(
        "select source, count(*) as n from requests"
        " where created_at >= ? and created_at < ? and coalesce(source, '') != ''"
        " group by source order by n desc, source limit ?",
        [stamp(start), stamp(end), -1 if limit is None else limit],
    ))


def top_choices(db: Database, start: datetime, end: datetime, question_key: str = "how",
                limit: int | None = None) -> list[dict]:
    """Quick-reply choices picked for one question by requests received in the window (choice, n)."""
    return list(db.query(
        "select a.choice, count(*) as n from requests r join answers a on a.request_id = r.id"
        " where r.created_at >= ? and r.created_at < ? and a.question_key = ? and a.choice is not null"
        " group by a.choice order by n desc, a.choice limit ?",
        [stamp(start), stamp(end), question_key, -1 if limit is None else limit],
    ))


def list_oldest_pending(db: Database, limit: int) -> list[dict]:
    """Requests waiting for a decision, oldest first, with the requester's name fields."""
    return list(db.query(
        "select r.id, r.kind, r.created_at, r.user_id, p.first_name, p.last_name, p.username from requests r"
        " left join people p on p.user_id = r.user_id where r.status = 'pending'"
        " order by r.created_at, r.id limit ?",
        [limit],
    ))


def get_schedule_state(db: Database, name: str) -> str | None:
    """The stored value of a schedule (e.g. which week's summary went out), or None if never set."""
    row = db.execute("select value from schedule_state where name = ?", [name]).fetchone()
    return row[0] if row else None


def swap_schedule_state(db: Database, name: str, expected: str | None, value: str, now: datetime) -> bool:
    """Compare-and-set a schedule's value; False when it no longer holds `expected` (someone else moved it)."""
    if expected is None:
        cursor = db.execute(
            "insert or ignore into schedule_state (name, value, updated_at) values (?, ?, ?)",
            [name, value, stamp(now)],
        )
    else:
        cursor = db.execute(
            "update schedule_state set value = ?, updated_at = ? where name = ? and value = ?",
            [value, stamp(now), name, expected],
        )
    return cursor.rowcount == 1


def count_events(db: Database, kind: str, start: datetime, end: datetime) -> int:
    """How many audit-log entries of one kind fall in [start, end) (e.g. auto-declines)."""
    return db.execute("select count(*) from events where kind = ? and created_at >= ? and created_at < ?",
                      [kind, stamp(start), stamp(end)]).fetchone()[0]
