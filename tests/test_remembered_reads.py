"""Reads remembered inside the unit of work's transaction are never stale: forgotten when this connection changes
their table (any table, through another API), at a rollback, and at the next transaction when another connection
committed meanwhile; never answered outside a transaction, where another process may commit between two reads.
WAL checkpoints run in a thread, not inside the bot's commits."""

import sqlite3
import time
from datetime import UTC, datetime

import pytest
from helpers.flows import answer_all
from helpers.world import OWNER

from db import open_db
from db.checkpoints import COMMITS
from db.connection import WRITE_TABLE_RE
from db.events import insert_event
from db.people import get_person, upsert_person

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def uow(db):
    """The test database as the running bot uses it: one unit of work, reads remembered inside its transaction."""
    db.unit_of_work = True
    upsert_person(db, {"user_id": 7, "first_name": "Ada"}, NOW)
    db.end_update()  # commits and forgets what was read
    return db


def selects(trace: list[str], table: str) -> int:
    return sum(1 for sql in trace if sql.lstrip().lower().startswith("select") and f"from {table}" in sql)


def test_a_read_inside_the_transaction_is_made_once_until_a_row_changes(uow):
    trace: list[str] = []
    uow.conn.set_trace_callback(trace.append)
    uow.begin()
    assert get_person(uow, 7)["first_name"] == "Ada"
    assert get_person(uow, 7)["first_name"] == "Ada"
    assert selects(trace, "people") == 1, "the second read is remembered"
    uow.execute("update people set first_name = 'Ada L.' where user_id = 7")
    assert get_person(uow, 7)["first_name"] == "Ada L.", "our own write is seen at once"
    uow["people"].update(7, {"first_name": "Ada Lovelace"})  # sqlite-utils on the same connection
    assert get_person(uow, 7)["first_name"] == "Ada Lovelace"
    assert selects(trace, "people") == 3
    uow.commit()
    assert get_person(uow, 7)["first_name"] == "Ada Lovelace"
    assert selects(trace, "people") == 4, "outside a transaction nothing is answered from memory"


def test_a_write_forgets_the_reads_of_its_table_only(uow):
    trace: list[str] = []
    uow.conn.set_trace_callback(trace.append)
    uow.begin()
    get_person(uow, 7)
    assert list(uow.query("select * from events where user_id = ?", [7])) == []
    insert_event(uow, "opened", NOW, user_id=7)
    assert get_person(uow, 7)["first_name"] == "Ada"
    assert selects(trace, "people") == 1, "people was not written: its read is kept"
    assert [e["kind"] for e in uow.query("select * from events where user_id = ?", [7])] == ["opened"]
    assert selects(trace, "events") == 2, "events was written: its read is made again"
    uow["events"].insert({"kind": "noted", "user_id": 7, "created_at": "2026-12-01T09:00:00+00:00"})
    get_person(uow, 7)
    assert selects(trace, "people") == 2, "a write past this class (sqlite-utils) forgets every read"
    uow.execute("update people set first_name = 'Ada L.' where user_id = 7")
    assert get_person(uow, 7)["first_name"] == "Ada L."


@pytest.mark.parametrize("sql", [
    "update requests set status = ? where id = ?", "UPDATE OR IGNORE requests SET status = ?",
    "insert into requests (id) values (?)", "insert or ignore into requests (id) values (?)",
    "insert or replace into requests (id) values (?)", "replace into requests (id) values (?)",
    "  delete from requests where id = ?"])
def test_the_table_a_write_writes_is_read_from_its_statement(sql):
    assert WRITE_TABLE_RE.match(sql).group(1).lower() == "requests"


def test_reads_outlive_a_commit_unless_another_connection_committed(uow, db_path):
    trace: list[str] = []
    uow.conn.set_trace_callback(trace.append)
    uow.begin()
    get_person(uow, 7)
    uow.commit()  # a Bot API call would go out here
    uow.begin()
    assert get_person(uow, 7)["first_name"] == "Ada"
    assert selects(trace, "people") == 1, "nobody else committed: still true"
    uow.commit()
    with sqlite3.connect(db_path) as other:
        other.execute("update people set first_name = 'Grace' where user_id = 7")
    uow.begin()
    assert get_person(uow, 7)["first_name"] == "Grace", "another process committed: forgotten"
    uow.commit()
    uow.begin()
    get_person(uow, 7)
    uow.end_update()
    uow.begin()
    get_person(uow, 7)
    assert selects(trace, "people") == 3, "an update's end forgets what it read"
    uow.commit()


def test_a_remembered_row_is_a_fresh_copy(uow):
    uow.begin()
    get_person(uow, 7)["first_name"] = "changed by a caller"
    assert get_person(uow, 7)["first_name"] == "Ada"


def test_a_rollback_forgets_what_was_read_inside_it(uow):
    uow.begin()
    with pytest.raises(RuntimeError), uow.transaction():
        uow.execute("update people set first_name = 'Nobody' where user_id = 7")
        assert get_person(uow, 7)["first_name"] == "Nobody"
        raise RuntimeError("the block fails")
    assert get_person(uow, 7)["first_name"] == "Ada"


def test_outside_a_transaction_another_process_commit_is_seen(uow, db_path):
    assert get_person(uow, 7)["first_name"] == "Ada"
    with sqlite3.connect(db_path) as other:
        other.execute("update people set first_name = 'Grace' where user_id = 7")
    assert get_person(uow, 7)["first_name"] == "Grace"


def test_large_results_are_read_whole_and_not_remembered(uow):
    for user_id in range(100, 200):
        upsert_person(uow, {"user_id": user_id, "first_name": f"P{user_id}"}, NOW)
    trace: list[str] = []
    uow.conn.set_trace_callback(trace.append)
    assert len(list(uow.query("select * from people order by user_id"))) == 101
    assert len(list(uow.query("select * from people order by user_id"))) == 101
    assert selects(trace, "people") == 2


async def test_a_tap_commits_before_its_edit_and_at_its_end_only(driver, db, fake_api, stranger):
    await driver.send(stranger, "/start")
    question = driver.last(stranger["id"])
    trace: list[str] = []
    db.conn.set_trace_callback(trace.append)
    await driver.press(stranger, stranger["id"], question["message_id"], driver.button(question, "v1:pick:"))
    db.conn.set_trace_callback(None)
    commits = [i for i, sql in enumerate(trace) if sql.strip().lower() == "commit"]
    assert len(commits) == 2, "the answer and its buttons before the edit, the handled mark at the end"
    assert any("buttons_message_id" in sql for sql in trace[:commits[0]]), "the buttons are written before the edit"
    assert db["requests"].get(1)["buttons_message_id"] is None, "'tell me more' has no buttons"
    assert "reply_markup" not in fake_api.calls_to("editMessageText")[-1], "the edit dropped the buttons"


async def test_the_last_answer_reads_each_row_of_the_card_once(driver, db, stranger, reviewer):
    await driver.send(stranger, "/start")
    trace: list[str] = []
    db.conn.set_trace_callback(trace.append)
    await answer_all(driver, stranger)
    db.conn.set_trace_callback(None)
    card = driver.card(OWNER)
    assert "I'd like feedback on my parser" in card["text"]
    after_thanks = trace[max(i for i, sql in enumerate(trace) if sql.strip().lower() == "commit"
                             and i < next(j for j, s in enumerate(trace) if "card_attempted_at" in s)):]
    gathering = after_thanks[:next(j for j, s in enumerate(after_thanks) if "card_attempted_at" in s)]
    for table in ("people", "answers", "request_signals", "late_messages"):
        assert selects(gathering, table) <= 1, f"the card reads {table} once"


def test_the_bot_checkpoints_in_a_thread_not_in_its_commits(tmp_path):
    db = open_db(tmp_path / "c.db")
    db.unit_of_work = True
    db.checkpoint_aside()
    db.checkpoint_aside()  # once only
    assert db.conn.execute("pragma wal_autocheckpoint").fetchone()[0] == 0
    upsert_person(db, {"user_id": 7, "first_name": "Ada"}, NOW)
    for i in range(COMMITS * 3):
        db.execute("update people set first_name = ? where user_id = 7", [f"Ada {i}"])
        db.commit()
    deadline = time.monotonic() + 30  # a bound on waiting for the thread, not a timing assertion
    while db._checkpointer.done == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert db._checkpointer.done >= 1, "the thread checkpointed while the bot kept committing"
    db.close()  # waits for the thread; the last connection to close checkpoints what is left
    reopened = sqlite3.connect(tmp_path / "c.db")
    assert reopened.execute("select first_name from people").fetchone() == (f"Ada {COMMITS * 3 - 1}",)
    reopened.close()


def test_an_in_memory_database_has_no_checkpoint_thread():
    db = open_db(":memory:")
    db.checkpoint_aside()
    assert db.conn.execute("pragma wal_autocheckpoint").fetchone()[0] != 0
    db.close()
