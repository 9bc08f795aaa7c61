"""One unit of work per update: the writes of an update are committed together, always before any Bot API call
they lead to, and nothing is left uncommitted once the update is handled."""

import sqlite3

from helpers.flows import answer_all, requests
from helpers.world import OWNER


def writes_outside_a_transaction(trace: list[str]) -> list[str]:
    """Write statements that ran in autocommit mode (not between a begin and its commit)."""
    outside, open_ = [], False
    for sql in trace:
        word = sql.lstrip().split(None, 1)[0].lower()
        if word == "begin":
            open_ = True
        elif word in ("commit", "rollback"):
            open_ = False
        elif word in ("insert", "update", "delete", "replace") and not open_:
            outside.append(sql)
    return outside


async def test_an_update_commits_once_and_before_telegram_hears_of_it(driver, fake_api, db, db_path, stranger):
    await driver.send(stranger, "/start")
    question = driver.last(stranger["id"])
    seen_by_others = []

    def probe(params: dict) -> bool:
        """Runs inside the fake when the bot's next call arrives: what would a process restarted now find?"""
        with sqlite3.connect(db_path) as other:
            seen_by_others.append(other.execute("select choice from answers").fetchall())
        return False  # never fail the call

    fake_api.fail_next("editMessageText", when=probe)
    calls_before = len(fake_api.calls)
    trace: list[str] = []
    db.conn.set_trace_callback(trace.append)
    await driver.press(stranger, stranger["id"], question["message_id"], driver.button(question, "v1:pick:"))
    db.conn.set_trace_callback(None)

    assert seen_by_others == [[("met",)]], "the tapped answer was committed before the next question went out"
    assert writes_outside_a_transaction(trace) == []
    commits = sum(1 for sql in trace if sql.strip().lower() == "commit")
    writes = sum(1 for sql in trace if sql.lstrip().split(None, 1)[0].lower() in ("insert", "update", "delete"))
    calls = len(fake_api.calls) - calls_before
    assert commits <= calls + 1, "at most one before each Bot API call and one with the handled mark"
    assert commits < writes, "writes are committed together, not one by one"
    assert not db.conn.in_transaction, "nothing left open once the update is handled"


async def test_a_whole_conversation_is_visible_to_another_process(driver, fake_api, db, db_path, stranger, reviewer):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card(OWNER)
    await driver.press(reviewer, OWNER, card["message_id"], driver.button(card, "v1:accept:"))
    with sqlite3.connect(db_path) as other:
        assert other.execute("select status from requests").fetchall() == [("accepted",)]
        handled = other.execute("select count(*) from processed_updates").fetchone()[0]
    assert handled >= 5 and requests(db)[0]["status"] == "accepted"
