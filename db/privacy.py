"""Export and erasure: every request with its words, for /export; erasing a person or old requests' words.

Erasing keeps the rows that the weekly summary and /stats count (a request's kind, status, times, source, target
chat; a quick-reply choice's key; an assessment's suggested action; an audit-log entry's kind and time) and drops
every word a person wrote or that was written about them. A person's row keeps their id and standing only when
the standing matters (allowed or blocked): the block list must still recognise them.
"""

from datetime import datetime

from db.connection import Database
from db.events import insert_event
from db.time import stamp
from db.vocabulary import OPEN

# Requests of an erased person belong to this placeholder person: the counts stay, the link to the id goes.
ERASED_PERSON = 0

_EXPORT_SQL = """
select r.id, r.kind, r.status, r.user_id, p.first_name, p.last_name, p.username, r.source, r.opening_note, r.bio,
  r.target_chat_id, r.created_at, r.answered_at, r.decided_at, r.decided_by, r.decided_by_name, r.decision_note,
  r.erased_at
from requests r left join people p on p.user_id = r.user_id
where r.created_at >= :since and r.user_id != :erased
order by r.id
"""


def list_export(db: Database, since: datetime | None) -> list[dict]:
    """Every request created since `since` (all when None), oldest first, with the requester's names, answers
    ({question key: text or choice}) and follow-ups ([{question, answer}]); erased people's requests are left out."""
    rows = list(db.query(_EXPORT_SQL, {"since": stamp(since) if since else "", "erased": ERASED_PERSON}))
    by_id = {row["id"]: {**row, "answers": {}, "followups": []} for row in rows}
    if not by_id:
        return []
    first = min(by_id)
    for a in db.query("select request_id, question_key, text, choice from answers where request_id >= ?"
                      " order by request_id, created_at", [first]):
        if a["request_id"] in by_id:
            by_id[a["request_id"]]["answers"][a["question_key"]] = a["text"] if a["text"] is not None else a["choice"]
    for f in db.query("select request_id, question, answer from followups where request_id >= ? order by id",
                      [first]):
        if f["request_id"] in by_id:
            by_id[f["request_id"]]["followups"].append({"question": f["question"], "answer": f["answer"]})
    return list(by_id.values())


def list_request_ids_of(db: Database, user_id: int) -> list[int]:
    """The ids of every request of a person."""
    return [row[0] for row in db.execute("select id from requests where user_id = ? order by id", [user_id])]


def erase_words(db: Database, request_ids: list[int], now: datetime) -> None:
    """Drop every word of these requests (answers, notes, bio, follow-ups, messages added later, the assessment's
    reasons and quotes, audit-log details) and mark them erased; what the counts need stays."""
    if not request_ids:
        return
    ids = ",".join(str(int(i)) for i in request_ids)
    with db.transaction():
        # card_redraw: a card already sent still shows the words; the minute sweep redraws it erased.
        db.execute(f"update requests set opening_note = null, bio = null, unreachable = null, decision_note = null,"
                   f" reply_chat_id = null, opening_message_id = null, buttons_message_id = null,"
                   f" erased_at = coalesce(erased_at, ?),"
                   f" card_redraw = case when card_message_id is null then card_redraw else 1 end"
                   f" where id in ({ids})", [stamp(now)])
        # The choice is a key of our own questionnaire (e.g. 'met'), not the person's words: the weekly summary
        # counts how people found the owner by it.
        db.execute(f"update answers set text = null, message_id = null where request_id in ({ids})")
        db.execute(f"update followups set question = '', answer = null where request_id in ({ids})")
        # The suggested action stays: the summary counts how often reviewers agreed with it.
        db.execute(f"update assessments set reason = null, summary = null, followup = null, source_mismatch = null,"
                   f" evidence = null where request_id in ({ids})")
        db.execute(f"update events set detail = null where request_id in ({ids})")
        db.execute(f"delete from owner_prompts where request_id in ({ids})")
        db.execute(f"delete from late_messages where request_id in ({ids})")
        db.execute(f"delete from request_signals where request_id in ({ids})")  # the bio and profile seen


def withdraw_open(db: Database, request_ids: list[int], now: datetime, actor_id: int,
                  actor_name: str) -> list[int]:
    """Close those of these requests still open as withdrawn (compare-and-set); the ids it closed."""
    closed = []
    for request_id in request_ids:
        cursor = db.execute(f"update requests set status = 'withdrawn', decided_at = ?, decided_by = ?,"
                            f" decided_by_name = ? where id = ? and status in {OPEN}",
                            [stamp(now), actor_id, actor_name, request_id])
        if cursor.rowcount == 1:
            closed.append(request_id)
    return closed


def erase_person(db: Database, user_id: int, now: datetime) -> None:
    """Erase a person: the words of all their requests, their names, username and language, the audit log's
    details about them; their requests pass to ERASED_PERSON. Their id and standing stay only if allowed or
    blocked (so a blocked person stays blocked); open requests must be withdrawn first."""
    erase_words(db, list_request_ids_of(db, user_id), now)
    with db.transaction():
        db.execute("insert or ignore into people (user_id, standing) values (?, 'unknown')", [ERASED_PERSON])
        db.execute("update requests set user_id = ? where user_id = ?", [ERASED_PERSON, user_id])
        db.execute("update events set user_id = null, detail = null where user_id = ?", [user_id])
        db.execute("update people set first_name = null, last_name = null, username = null, language_code = null,"
                   " is_premium = null, first_seen_at = null, updated_at = ? where user_id = ?", [stamp(now), user_id])
        db.execute("delete from cas_checks where user_id = ?", [user_id])
        db.execute("delete from people where user_id = ? and standing = 'unknown'", [user_id])


def forget_person(db: Database, user_id: int, now: datetime, actor_id: int, actor_name: str, *,
                  close_joins_later: bool = False) -> tuple[list[dict], list[int]]:
    """Withdraw the person's open requests and erase everything about them (erase_person, which also marks their
    sent cards for a redraw: the running bot's minute sweep draws them as erased); their requests as they were
    before, and the ids withdrawn. close_joins_later: leave their withdrawn join requests to the running bot to
    decline on Telegram (join_closes)."""
    with db.transaction():
        requests = list(db.query("select * from requests where user_id = ? order by id", [user_id]))
        withdrawn = withdraw_open(db, [r["id"] for r in requests], now, actor_id, actor_name)
        if close_joins_later:
            add_join_closes(db, [(r["target_chat_id"], user_id) for r in requests
                                 if r["id"] in withdrawn and r["kind"] == "join"], now)
        erase_person(db, user_id, now)
        for request_id in withdrawn:
            insert_event(db, "withdrawn", now, request_id=request_id, actor_id=actor_id)
        insert_event(db, "erased", now, actor_id=actor_id, detail=f"{len(requests)} requests")
    return requests, withdrawn


def list_words_to_expire(db: Database, decided_before: datetime, limit: int = 500) -> list[int]:
    """Requests decided before `decided_before` whose words are still stored (a batch, oldest first)."""
    return [row[0] for row in db.execute(
        "select id from requests where decided_at < ? and erased_at is null and status not in " + OPEN +
        " order by decided_at limit ?", [stamp(decided_before), limit])]


def prune_events(db: Database, before: datetime) -> int:
    """Delete audit-log entries older than `before`; how many went."""
    return db.execute("delete from events where created_at < ?", [stamp(before)]).rowcount


def add_join_closes(db: Database, pairs: list[tuple[int, int]], now: datetime) -> None:
    """Remember join requests (chat id, user id) the running bot must decline on Telegram."""
    for chat_id, user_id in pairs:
        db.execute("insert or ignore into join_closes (chat_id, user_id, created_at) values (?, ?, ?)",
                   [chat_id, user_id, stamp(now)])


def list_join_closes(db: Database) -> list[dict]:
    """Join requests still to decline on Telegram, oldest first."""
    return list(db.query("select * from join_closes order by created_at, chat_id, user_id"))


def drop_join_close(db: Database, chat_id: int, user_id: int) -> None:
    """A join request declined on Telegram (or already closed there): forget it."""
    db.execute("delete from join_closes where chat_id = ? and user_id = ?", [chat_id, user_id])
