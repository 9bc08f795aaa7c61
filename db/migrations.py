"""Named, append-only schema migrations, applied on every open (never edit one that has shipped).

They run through sqlite-utils' Migrations (recorded in its `_sqlite_migrations` table). sqlite-utils is imported
only when one is pending: a bot whose schema is up to date never loads it (it costs ~14 MB of memory).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

SET_NAME = "doorman"
MIGRATIONS: list[Callable[[Database], None]] = []


def migrations() -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    """Register the decorated function as the next migration (its name is the function's)."""
    def register(func: Callable[[Database], None]) -> Callable[[Database], None]:
        MIGRATIONS.append(func)
        return func
    return register


def pending(conn: sqlite3.Connection) -> list[str]:
    """Names of migrations not yet applied to this database (read-only)."""
    exists = conn.execute("select 1 from sqlite_master where type = 'table' and name = '_sqlite_migrations'").fetchone()
    applied = {row[0] for row in conn.execute("select name from _sqlite_migrations where migration_set = ?",
                                                   [SET_NAME])} if exists else set()
    return [m.__name__ for m in MIGRATIONS if m.__name__ not in applied]


def apply_migrations(conn: sqlite3.Connection) -> list[str]:
    """Apply the pending migrations (through sqlite-utils); the names applied."""
    todo = pending(conn)
    if todo:
        from sqlite_utils import Database, Migrations

        runner = Migrations(SET_NAME)
        for func in MIGRATIONS:
            runner()(func)
        runner.apply(Database(conn))
    return todo


@migrations()
def m001_create_people(db: Database) -> None:
    """Everyone who ever asked: profile as last seen, and the owner's standing decision about them."""
    db["people"].create(
        {
            "user_id": int,
            "first_name": str,
            "last_name": str,
            "username": str,
            "language_code": str,
            "standing": str,  # unknown | allowed | blocked
            "first_seen_at": str,
            "updated_at": str,
        },
        pk="user_id",
        not_null={"standing"},
        defaults={"standing": "unknown"},
    )
    db["people"].create_index(["username"])


@migrations()
def m002_create_requests(db: Database) -> None:
    """One row per connection request, whatever its door."""
    db["requests"].create(
        {
            "id": int,
            "kind": str,  # join | direct | business
            "user_id": int,
            "status": str,  # asking | pending | accepted | declined | blocked | expired | withdrawn
            "source": str,  # deep-link payload or invite link name
            "opening_note": str,
            "opening_message_id": int,
            "reply_chat_id": int,  # where we talk to the requester (private chat id)
            "business_connection_id": str,
            "target_chat_id": int,  # join: the group or channel asked for
            "unreachable": str,  # why the requester could not be messaged, if so
            "created_at": str,
            "answered_at": str,
            "card_chat_id": int,
            "card_message_id": int,
            "card_sent_at": str,
            "decided_at": str,
            "decided_by": int,
            "decided_by_name": str,
            "decision_note": str,
        },
        pk="id",
        not_null={"kind", "user_id", "status", "created_at"},
        foreign_keys=[("user_id", "people", "user_id")],
    )
    db["requests"].create_index(["user_id", "status"])
    db["requests"].create_index(["status", "created_at"])


@migrations()
def m003_create_answers(db: Database) -> None:
    """Answers to the questionnaire: one row per (request, question key); edits replace the text."""
    db["answers"].create(
        {
            "request_id": int,
            "question_key": str,
            "text": str,
            "choice": str,
            "message_id": int,
            "edited": int,
            "created_at": str,
            "updated_at": str,
        },
        pk=("request_id", "question_key"),
        not_null={"request_id", "question_key", "edited"},
        defaults={"edited": 0},
        foreign_keys=[("request_id", "requests", "id")],
    )
    db["answers"].create_index(["request_id", "message_id"])


@migrations()
def m004_create_events(db: Database) -> None:
    """Audit log: who did what, when."""
    db["events"].create(
        {
            "id": int,
            "request_id": int,
            "user_id": int,
            "actor_id": int,
            "kind": str,
            "detail": str,
            "created_at": str,
        },
        pk="id",
        not_null={"kind", "created_at"},
    )
    db["events"].create_index(["request_id"])
    db["events"].create_index(["user_id"])


@migrations()
def m005_create_processed_updates(db: Database) -> None:
    """Update ids already handled, so a re-delivered update changes nothing."""
    db["processed_updates"].create({"update_id": int, "processed_at": str}, pk="update_id")


@migrations()
def m006_create_chats(db: Database) -> None:
    """Groups and channels the bot was added to, with its admin status there (join-request screening)."""
    db["chats"].create(
        {
            "chat_id": int,
            "title": str,
            "type": str,
            "bot_status": str,  # administrator | member | left | kicked ...
            "can_invite_users": int,
            "updated_at": str,
        },
        pk="chat_id",
    )


@migrations()
def m007_add_join_request_fields(db: Database) -> None:
    """Join requests carry the requester's bio and a deadline for answering."""
    db["requests"].add_column("bio", str)
    db["requests"].add_column("answer_deadline", str)
    db["requests"].add_column("timed_out_at", str)
    db["requests"].create_index(["status", "answer_deadline"])


@migrations()
def m008_create_schedule_state(db: Database) -> None:
    """Periodic messages remember what they last sent (e.g. the weekly summary's week), so none is doubled."""
    db["schedule_state"].create({"name": str, "value": str, "updated_at": str}, pk="name")


@migrations()
def m009_index_for_weekly_stats(db: Database) -> None:
    """The weekly summary counts requests by when they arrived and when they were decided."""
    db["requests"].create_index(["created_at"], if_not_exists=True)
    db["requests"].create_index(["decided_at"], if_not_exists=True)


@migrations()
def m010_create_business_tables(db: Database) -> None:
    """Telegram Business: the owner's connections, chats the owner handles, and owner take-over of a request."""
    db["business_connections"].create(
        {
            "connection_id": str,
            "user_id": int,  # the account the bot is connected to
            "user_chat_id": int,
            "owner_name": str,
            "can_reply": int,
            "is_enabled": int,
            "accepted": int,  # 1 when user_id is the configured owner
            "updated_at": str,
        },
        pk="connection_id",
    )
    db["business_chats"].create(
        {"connection_id": str, "chat_id": int, "owner_spoke_at": str},
        pk=("connection_id", "chat_id"),
    )
    db["requests"].add_column("taken_over_at", str)
    db["requests"].create_index(["business_connection_id", "reply_chat_id"])


@migrations()
def m011_create_followups_and_snoozes(db: Database) -> None:
    """Follow-up questions (asked by the owner or automatically), reviewers' pending prompts, and snoozes."""
    db["followups"].create(
        {
            "id": int,
            "request_id": int,
            "origin": str,  # owner | auto
            "question": str,
            "answer": str,
            "asked_by": int,
            "asked_at": str,
            "answered_at": str,
        },
        pk="id",
        not_null={"request_id", "origin", "question", "asked_at"},
        foreign_keys=[("request_id", "requests", "id")],
    )
    db["followups"].create_index(["request_id"])
    db["owner_prompts"].create(
        {"chat_id": int, "user_id": int, "request_id": int, "prompt_message_id": int, "created_at": str},
        pk=("chat_id", "user_id"),
    )
    db["requests"].add_column("snoozed_until", str)


@migrations()
def m012_add_card_attempted_at(db: Database) -> None:
    """When a card send was last attempted, so a card re-sent after a crash can say an earlier copy may exist."""
    db["requests"].add_column("card_attempted_at", str)


@migrations()
def m013_create_raid_batches(db: Database) -> None:
    """Raid mode: cards held back during a flood of requests and sent as one batched card per minute."""
    db["raid_batches"].create(
        {"id": int, "created_at": str, "chat_id": int, "message_id": int, "size": int, "suggested_decline": int,
         "declined_all_at": str, "declined_all_by": int},
        pk="id",
    )
    db["requests"].add_column("held", int, not_null_default=0)
    db["requests"].add_column("batch_id", int)
    db["requests"].create_index(["held", "batch_id"])


@migrations()
def m014_indexes_for_weekly_summary(db: Database) -> None:
    """The weekly summary and /stats count each week's decisions by outcome (and time them) and audit-log
    entries by kind: answered from these indexes without reading the tables (bench/summary.py measures it)."""
    db["requests"].create_index(["status", "decided_at", "created_at"], if_not_exists=True)
    db["events"].create_index(["kind", "created_at"], if_not_exists=True)


@migrations()
def m015_create_assessments(db: Database) -> None:
    """The assessor's reading of a request, stored once when the answers are in (re-made only when an answer
    changes); follow-ups remember which answer they were about."""
    db["assessments"].create(
        {
            "request_id": int,
            "assessor": str,  # "model <version>" or "llm <model id>"
            "tie": str,
            "generic": int,
            "pitch": int,
            "creepy": int,
            "vague": int,
            "action": str,  # accept | ask | decline
            "confidence": float,
            "reason": str,
            "summary": str,
            "followup": str,  # which follow-up question would settle it, if any
            "source_mismatch": str,
            "evidence": str,  # JSON: [[tag, text], ...]
            "assessed_at": str,
        },
        pk="request_id",
        foreign_keys=[("request_id", "requests", "id")],
    )
    db["followups"].add_column("topic", str)  # how_found | reason | null (a reviewer's own question)


@migrations()
def m016_add_card_redraw(db: Database) -> None:
    """A card whose redraw did not go through (Telegram refused or timed out) is redrawn by the minute sweep."""
    db["requests"].add_column("card_redraw", int, not_null_default=0)
    db["requests"].create_index(["card_redraw"])


@migrations()
def m017_add_buttons_message(db: Database) -> None:
    """The requester's message that shows quick-reply buttons now, so a typed answer can take them away."""
    db["requests"].add_column("buttons_message_id", int)


@migrations()
def m018_add_undo_window(db: Database) -> None:
    """A reviewer's decision waits until `carry_out_at` (the undo window) before anyone is told; `ignored`: declined
    by Ignore, without a word to the requester."""
    db["requests"].add_column("carry_out_at", str)
    db["requests"].add_column("ignored", int, not_null_default=0)
    db["requests"].create_index(["carry_out_at"])


@migrations()
def m019_add_late_messages_and_chat_links(db: Database) -> None:
    """What a waiting requester wrote after the questionnaire ("any news?"), kept for the card (a few per request);
    when they were last told it was added; and a chat's public username and the bot's own invite link, so that an
    approved join request's welcome can link to the chat."""
    db["late_messages"].create(
        {"id": int, "request_id": int, "text": str, "created_at": str},
        pk="id",
        foreign_keys=[("request_id", "requests", "id")],
    )
    db["late_messages"].create_index(["request_id"])
    db["requests"].add_column("late_told_at", str)
    db["chats"].add_column("username", str)
    db["chats"].add_column("invite_link", str)


@migrations()
def m020_add_request_language(db: Database) -> None:
    """The language a requester is asked in (Telegram's language_code, or their first clear message's), kept so a
    restart goes on in it; `language_source` says which: 'telegram' or 'text' (settled, never guessed again)."""
    db["requests"].add_column("language", str)
    db["requests"].add_column("language_source", str)


@migrations()
def m021_add_erased_at(db: Database) -> None:
    """When a request's words were erased (the requester asked, a reviewer used /forget, or RETENTION_DAYS passed):
    the row stays for the counts, its card is drawn as erased."""
    db["requests"].add_column("erased_at", str)
    # The daily retention sweep looks for requests decided long ago whose words are still there: a range of this
    # index, not a walk over every request ever erased.
    db["requests"].create_index(["erased_at", "decided_at"])


@migrations()
def m023_create_signals(db: Database) -> None:
    """Signals beyond the answers: what the profile showed when a request came in (a missing value means unknown,
    never suspicious), the Combot Anti-Spam verdict, and a day-long cache of CAS answers per person."""
    db["people"].add_column("is_premium", int)
    db["request_signals"].create(
        {
            "request_id": int,
            "profile": str,  # gathered | raid (calls skipped) | null (not asked yet)
            "has_photo": int,  # 1 / 0, null: unknown (the call failed or was skipped)
            "bio": str,  # from getChat when Telegram gave one
            "cas": str,  # listed | clear | failed | null (CAS_CHECK off)
            "gathered_at": str,
        },
        pk="request_id",
        foreign_keys=[("request_id", "requests", "id")],
    )
    db["cas_checks"].create({"user_id": int, "listed": int, "checked_at": str}, pk="user_id")
    db["requests"].create_index(["user_id", "created_at"], if_not_exists=True)


@migrations()
def m024_add_ask_by(db: Database) -> None:
    """A join requester still owed the first question, and the moment Telegram stops letting the bot write to them:
    a raid's queue lives in rows, so a restart asks whoever was still waiting."""
    db["requests"].add_column("ask_by", str)
    db.execute("create index if not exists idx_requests_ask_by on requests (ask_by) where ask_by is not null")


@migrations()
def m025_add_quiet(db: Database) -> None:
    """A decision carried out without telling the requester or drawing a card (AUTO_DECLINE): kept on the row, so
    that a decision still to be carried out after a crash is carried out the same way."""
    db["requests"].add_column("quiet", int, not_null_default=0)


@migrations()
def m026_create_join_closes(db: Database) -> None:
    """Join requests withdrawn while no bot could answer Telegram (`python -m bot forget`): the running bot declines
    each on Telegram, then deletes the row; the person's id is kept for nothing else and no longer than that."""
    db.execute("create table if not exists join_closes (chat_id integer not null, user_id integer not null,"
               " created_at text not null, primary key (chat_id, user_id))")


@migrations()
def m027_create_waiting_joins(db: Database) -> None:
    """Join requests fetched from Telegram while hundreds were already waiting their turn (a raid): each kept as
    Telegram sent it, until the bot has handled it, so that a backlog of thousands costs a row each, not memory, and
    survives a restart (Telegram does not send an update twice once the bot has fetched past it)."""
    db.execute("create table if not exists waiting_joins (update_id integer primary key, body text not null,"
               " received_at text not null)")
