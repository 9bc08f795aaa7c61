"""Another process holds the database's write lock (a backup, a sqlite-utils session): answers wait and are stored
when it is released, other people's updates are not held up, nothing is lost or done twice."""

import asyncio
import sqlite3

from helpers.world import OWNER
from telegram import Update

from db.answers import list_answers

DEADLINE = 30.0  # seconds: a generous bound for things that happen after a short pause, not a timing assertion


async def until(predicate, what: str) -> None:
    """Wait (on the event loop) until predicate() holds; fail naming what never happened."""
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


def texts(api, chat_id: int) -> list[str]:
    return [m["text"] for m in api.sent_to(chat_id)]


async def test_a_locked_database_delays_an_answer_without_losing_or_repeating_anything(
        app, db, db_path, fake_api, owner, stranger):
    app.update_processor.delays = (0.05, 0.1, 0.2)  # the shipped pauses are longer; the order of events is the test
    fake_api.private_message(owner, "/start")
    await app.start()
    try:
        await app.update_queue.put(_update(app, fake_api.private_message(stranger, "/start")))
        await until(lambda: any("How did you find me?" in t for t in texts(fake_api, stranger["id"])), "the question")

        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # what a backup or a sqlite-utils session does to writers
        try:
            answer = fake_api.private_message(stranger, "We met at the Oslo Kotlin meetup in March")
            await app.update_queue.put(_update(app, answer))
            await asyncio.sleep(0.5)  # several attempts fail meanwhile
            assert list_answers(db, 1) == {}, "nothing can be written while the lock is held"
            help_count = sum("/pending" in t for t in texts(fake_api, OWNER))
            await app.update_queue.put(_update(app, fake_api.private_message(owner, "/help")))
            await until(lambda: sum("/pending" in t for t in texts(fake_api, OWNER)) > help_count,
                        "the owner's /help, answered while the requester's update waits")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()

        await until(lambda: any("Why would you like" in t for t in texts(fake_api, stranger["id"])),
                    "the next question once the lock is gone")
        await asyncio.sleep(0.3)  # any stray re-run would show up now
    finally:
        await app.stop()
    assert list_answers(db, 1)["how"]["text"] == "We met at the Oslo Kotlin meetup in March"
    questions = [t for t in texts(fake_api, stranger["id"]) if "Why would you like" in t]
    assert len(questions) == 1, "the answer was processed once, not once per attempt"
    handled = {r["update_id"] for r in db.query("select update_id from processed_updates")}
    assert answer["update_id"] in handled
    assert [e["kind"] for e in db.query("select kind from events where request_id = 1")].count("opened") == 1


def _update(app, raw: dict) -> Update:
    return Update.de_json(raw, app.bot)
