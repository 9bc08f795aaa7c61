"""Connection requests: creation, lookup, status changes and the card they are shown on."""

from datetime import datetime

from db.connection import Database
from db.time import stamp
from db.vocabulary import OPEN


def insert_request(db: Database, *, kind: str, user_id: int, now: datetime, **fields) -> int:
    """Create a request in status 'asking' and return its id."""
    row = {"kind": kind, "user_id": user_id, "status": "asking", "created_at": stamp(now), **fields}
    return db.insert("requests", row)


def get_request(db: Database, request_id: int) -> dict | None:
    """Return the request row with that id, or None."""
    rows = list(db.query("select * from requests where id = ?", [request_id]))
    return rows[0] if rows else None


def get_asking_request_in_chat(db: Database, user_id: int, reply_chat_id: int) -> dict | None:
    """Return the request whose questionnaire is running in this private chat (any kind but business)."""
    rows = db.query(
        "select * from requests where user_id = ? and reply_chat_id = ? and business_connection_id is null"
        " and status = 'asking' order by id desc limit 1",
        [user_id, reply_chat_id],
    )
    return next(iter(rows), None)


def get_pending_request_in_chat(db: Database, user_id: int, reply_chat_id: int) -> dict | None:
    """Return the person's pending (questionnaire done) request answered in this private chat, if any."""
    rows = db.query(
        "select * from requests where user_id = ? and reply_chat_id = ? and business_connection_id is null"
        " and status = 'pending' order by id desc limit 1",
        [user_id, reply_chat_id],
    )
    return next(iter(rows), None)


def get_latest_request(db: Database, user_id: int, kind: str) -> dict | None:
    """Return the person's most recent request of that kind, whatever its status."""
    rows = db.query(
        "select * from requests where user_id = ? and kind = ? order by id desc limit 1", [user_id, kind]
    )
    return next(iter(rows), None)


def list_earlier_requests(db: Database, user_id: int, before_id: int, limit: int = 5) -> list[dict]:
    """Return the person's requests older than `before_id`, newest first."""
    return list(
        db.query(
            "select * from requests where user_id = ? and id < ? order by id desc limit ?",
            [user_id, before_id, limit],
        )
    )


def mark_answered(db: Database, request_id: int, now: datetime) -> bool:
    """Move a request from asking to pending (questionnaire complete); False if it was not asking."""
    cursor = db.execute(
        "update requests set status = 'pending', answered_at = ? where id = ? and status = 'asking'",
        [stamp(now), request_id],
    )
    return cursor.rowcount == 1


def claim_decision(
    db: Database, request_id: int, status: str, *, actor_id: int, actor_name: str, now: datetime,
    carry_out_at: datetime, ignored: bool = False, quiet: bool = False,
) -> bool:
    """Atomically decide an open request (compare-and-set); False if someone else decided it first.
    carry_out_at: the decision may be undone until then and is carried out from that moment; it stays set until
    the decision has been carried out (done_carrying_out), so a crash in between leaves it due, not lost."""
    cursor = db.execute(
        "update requests set status = ?, decided_at = ?, decided_by = ?, decided_by_name = ?, carry_out_at = ?,"
        " ignored = ?, quiet = ? where id = ? and status in " + OPEN,
        [status, stamp(now), actor_id, actor_name, stamp(carry_out_at), int(ignored), int(quiet), request_id],
    )
    return cursor.rowcount == 1


def done_carrying_out(db: Database, request_id: int) -> None:
    """Mark a decision as carried out: no longer due, no longer undoable."""
    db.execute("update requests set carry_out_at = null where id = ?", [request_id])


def undo_decision(db: Database, request_id: int, now: datetime) -> bool:
    """Put a decision still inside its undo window back to pending (compare-and-set); False when it is too late."""
    cursor = db.execute(
        "update requests set status = 'pending', decided_at = null, decided_by = null, decided_by_name = null,"
        " carry_out_at = null, ignored = 0 where id = ? and carry_out_at is not null and carry_out_at > ?",
        [request_id, stamp(now)],
    )
    return cursor.rowcount == 1


def list_undoable_of(db: Database, user_id: int, now: datetime) -> list[dict]:
    """A person's decisions still inside their undo window."""
    return list(db.query("select * from requests where user_id = ? and carry_out_at > ? order by id",
                         [user_id, stamp(now)]))


def list_held_decisions(db: Database, due_by: datetime | None = None) -> list[dict]:
    """Decisions waiting out their undo window (only those due by `due_by`, if given), soonest first."""
    if due_by is None:
        return list(db.query("select * from requests where carry_out_at is not null order by carry_out_at, id"))
    return list(db.query("select * from requests where carry_out_at is not null and carry_out_at <= ?"
                         " order by carry_out_at, id", [stamp(due_by)]))


def set_card(db: Database, request_id: int, chat_id: int, message_id: int, now: datetime) -> None:
    """Remember where the request's card was sent."""
    db.update("requests", "id", request_id,
              {"card_chat_id": chat_id, "card_message_id": message_id, "card_sent_at": stamp(now)}
    )


def set_buttons_message(db: Database, request_id: int, message_id: int | None) -> None:
    """Remember which of the requester's messages shows quick-reply buttons now (None: none does)."""
    db.update("requests", "id", request_id, {"buttons_message_id": message_id})


def set_ask_by(db: Database, request_id: int, when: datetime | None) -> None:
    """Mark the first question as owed to the requester until `when` (None: asked, or no longer owed)."""
    db.update("requests", "id", request_id, {"ask_by": stamp(when) if when is not None else None})


def list_owed_first_questions(db: Database) -> list[dict]:
    """Requests still owed their first question, in arrival order."""
    return list(db.query("select id from requests where ask_by is not null and status = 'asking' order by id"))


def set_unreachable(db: Database, request_id: int, reason: str) -> None:
    """Record why the requester could not be messaged."""
    db.update("requests", "id", request_id, {"unreachable": reason})


def set_language(db: Database, request_id: int, language: str, source: str) -> None:
    """Record the language the requester is asked in and where it came from ('telegram' or 'text')."""
    db.update("requests", "id", request_id, {"language": language, "language_source": source})


def set_decision_note(db: Database, request_id: int, note: str) -> None:
    """Record what happened when the decision was carried out (e.g. the requester could not be told)."""
    db.update("requests", "id", request_id, {"decision_note": note})


def list_due_cards(db: Database) -> list[dict]:
    """Return pending requests whose card was never sent (e.g. the bot stopped right after the last answer)."""
    return list(
        db.query("select * from requests where status = 'pending' and card_message_id is null and held = 0"
                 " order by id")
    )


def list_pending(db: Database, limit: int) -> list[dict]:
    """Return the oldest requests waiting for a decision and not snoozed, with the requester's name."""
    return list(
        db.query(
            "select r.*, p.first_name, p.last_name, p.username from requests r"
            " join people p on p.user_id = r.user_id"
            " where r.status = 'pending' and r.snoozed_until is null order by r.id limit ?",
            [limit],
        )
    )


def list_snoozed(db: Database, limit: int) -> list[dict]:
    """Return the snoozed requests that come back first, with the requester's name."""
    return list(
        db.query(
            "select r.*, p.first_name, p.last_name, p.username from requests r"
            " join people p on p.user_id = r.user_id"
            " where r.status = 'pending' and r.snoozed_until is not null order by r.snoozed_until, r.id limit ?",
            [limit],
        )
    )


def count_pending(db: Database, *, snoozed: bool | None = None) -> int:
    """Return how many requests wait for a decision (snoozed=False: not counting snoozed ones)."""
    where = {None: "", False: " and snoozed_until is null", True: " and snoozed_until is not null"}[snoozed]
    return db.execute("select count(*) from requests where status = 'pending'" + where).fetchone()[0]


def count_snoozed(db: Database) -> int:
    """Return how many waiting requests are snoozed."""
    return count_pending(db, snoozed=True)


def get_open_join_request(db: Database, user_id: int, target_chat_id: int) -> dict | None:
    """Return the person's open join request for that chat, if any."""
    rows = db.query(
        "select * from requests where user_id = ? and kind = 'join' and target_chat_id = ?"
        " and status in " + OPEN + " order by id desc limit 1",
        [user_id, target_chat_id],
    )
    return next(iter(rows), None)


def list_overdue_answers(db: Database, now: datetime) -> list[dict]:
    """Requests still being asked whose answer deadline has passed."""
    return list(db.query(
        "select * from requests where status = 'asking' and answer_deadline is not null"
        " and answer_deadline <= ? order by id",
        [stamp(now)],
    ))


def list_open_for_chat(db: Database, target_chat_id: int) -> list[dict]:
    """Open join requests for a chat (to refresh their cards when the bot's rights change)."""
    return list(db.query(
        "select * from requests where target_chat_id = ? and status in " + OPEN + " order by id",
        [target_chat_id],
    ))


def set_status(db: Database, request_id: int, status: str, note: str | None = None) -> None:
    """Overwrite a request's status after the fact (e.g. Telegram says it was handled elsewhere)."""
    fields = {"status": status}
    if note is not None:
        fields["decision_note"] = note
    db.update("requests", "id", request_id, fields)


def list_requests_of(db: Database, user_id: int) -> list[dict]:
    """Every request of a person, oldest first."""
    return list(db.query("select * from requests where user_id = ? order by id", [user_id]))


def list_open_requests_of(db: Database, user_id: int) -> list[dict]:
    """A person's requests still asking or pending."""
    return list(db.query("select * from requests where user_id = ? and status in " + OPEN + " order by id",
                         [user_id]))


def set_snooze(db: Database, request_id: int, until: datetime | None) -> None:
    """Snooze a pending request's card until a time (None clears it)."""
    db.update("requests", "id", request_id, {"snoozed_until": stamp(until) if until else None})


def list_snoozes_due(db: Database, now: datetime) -> list[dict]:
    """Pending requests whose snooze has run out."""
    return list(db.query("select * from requests where status = 'pending' and snoozed_until is not null"
                         " and snoozed_until <= ? order by id", [stamp(now)]))


def list_stale(db: Database, older_than: datetime, limit: int = 20) -> tuple[list[dict], int]:
    """Pending, not snoozed requests created before `older_than` (oldest first), with the total count."""
    where = ("from requests r join people p on p.user_id = r.user_id where r.status = 'pending'"
             " and r.snoozed_until is null and r.created_at < ?")
    total = db.execute(f"select count(*) {where}", [stamp(older_than)]).fetchone()[0]
    rows = list(db.query(f"select r.*, p.first_name, p.last_name, p.username {where} order by r.id limit ?",
                         [stamp(older_than), limit]))
    return rows, total


def list_expirable(db: Database, older_than: datetime) -> list[dict]:
    """Open requests created before `older_than`."""
    return list(db.query("select * from requests where status in " + OPEN + " and created_at < ?"
                         " order by id", [stamp(older_than)]))


def reopen_request(db: Database, request_id: int, note: str) -> None:
    """Undo a claimed decision that could not be carried out: back to pending, with the reason."""
    db.update("requests", "id", request_id, {"status": "pending", "decided_at": None, "decided_by": None,
                                       "decided_by_name": None, "decision_note": note})


def set_opening_note(db: Database, request_id: int, text: str) -> None:
    """Replace the opening note (the requester edited their first message; the request is assessed again)."""
    db.update("requests", "id", request_id, {"opening_note": text})
    db.execute("delete from assessments where request_id = ?", [request_id])


def mark_card_attempt(db: Database, request_id: int, now: datetime) -> None:
    """Record that a card send is about to be attempted (a crash before it is recorded leaves this behind)."""
    db.update("requests", "id", request_id, {"card_attempted_at": stamp(now)})


def forget_card(db: Database, request_id: int) -> None:
    """Forget where the card was, so the next delivery sends a new one."""
    db.update("requests", "id", request_id, {"card_message_id": None})


def mark_timed_out(db: Database, request_id: int, now: datetime) -> None:
    """Record that the requester did not answer before the deadline."""
    db.update("requests", "id", request_id, {"timed_out_at": stamp(now)})


def mark_taken_over(db: Database, request_id: int, now: datetime) -> None:
    """Record that the owner wrote in the business chat themselves."""
    db.update("requests", "id", request_id, {"taken_over_at": stamp(now)})


def list_open_in_private_chat(db: Database, chat_id: int) -> list[dict]:
    """Open requests answered in this private chat with the bot (not business chats)."""
    return list(db.query("select * from requests where reply_chat_id = ? and status in " + OPEN +
                         " and business_connection_id is null order by id", [chat_id]))


def set_card_redraw(db: Database, request_id: int, due: bool) -> None:
    """Mark a sent card as needing a redraw (before trying), or as up to date (after it worked)."""
    db.execute("update requests set card_redraw = ? where id = ?", [int(due), request_id])


def list_cards_to_redraw(db: Database, limit: int = -1) -> list[dict]:
    """Requests whose sent card waits for a redraw (one that failed, or words erased since), oldest first."""
    return list(db.query("select * from requests where card_redraw = 1 and card_message_id is not null order by id"
                         " limit ?", [limit]))
