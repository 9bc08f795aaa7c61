"""A raid's join requests beyond what the bot holds wait as rows, are handed over in arrival order as the ones in
hand are handled, and survive a restart."""

import asyncio

import pytest
from telegram import Update

from bot.jobs import BACKLOG_KEY

CHANNEL = -1001234567890
FIRST = 70_000


def waiting(db) -> list[int]:
    return [row["update_id"] for row in db.query("select update_id from waiting_joins order by update_id")]


def raid(fake_api, count: int) -> list[int]:
    """`count` join requests to the channel, oldest first; returns the requesters' ids."""
    fake_api.add_chat(CHANNEL, "Viral Channel", type="channel")
    people = [fake_api.user(FIRST + i, f"Raider{i}") for i in range(count)]
    for person in people:
        fake_api.join_request(person, CHANNEL)
    return [p["id"] for p in people]


def first_questions(fake_api, people: list[int]) -> list[int]:
    """The requesters asked their first question, in the order the bot asked them."""
    wanted = set(people)
    return [c["chat_id"] for c in fake_api.calls_to("sendMessage") if c["chat_id"] in wanted]


async def handle_everything(app, fake_api, db, people: list[int], polled: tuple[Update, ...]) -> None:
    """Run the application and the backlog's feeder on the polled updates until everyone is asked and no row waits."""
    backlog = app.bot_data[BACKLOG_KEY]
    feeder = asyncio.create_task(backlog.feed(app.update_queue, app.bot))
    for update in polled:
        await app.update_queue.put(update)
    await app.start()
    try:
        for _ in range(500):
            if len(first_questions(fake_api, people)) >= len(people) and not waiting(db):
                break
            await asyncio.sleep(0.01)
    finally:
        feeder.cancel()
        await app.stop()


async def test_join_requests_beyond_what_the_bot_holds_wait_as_rows_and_are_handled_in_arrival_order(
        app, fake_api, db, stranger):
    backlog = app.bot_data[BACKLOG_KEY]
    backlog.high, backlog.low = 4, 2
    people = raid(fake_api, 30)
    fake_api.private_message(stranger, "/start")  # behind the raid in Telegram's queue

    polled = await app.bot.get_updates(timeout=0)

    assert [u.chat_join_request.from_user.id for u in polled if u.chat_join_request] == people[:4]
    assert any(u.message and u.message.text == "/start" for u in polled), "others are not kept waiting"
    assert len(waiting(db)) == 26, "the rest of the raid waits as rows"
    await handle_everything(app, fake_api, db, people, polled)
    assert first_questions(fake_api, people) == people, "everyone asked once, in arrival order"
    assert waiting(db) == []
    assert {r["user_id"] for r in db.query("select user_id from requests where kind = 'join'")} == set(people)
    assert fake_api.sent_to(stranger["id"]), "the stranger behind the raid was answered"


async def test_join_requests_waiting_as_rows_are_handled_after_a_restart(make_app, settings, db, fake_api):
    first = await make_app(settings, db)
    backlog = first.bot_data[BACKLOG_KEY]
    backlog.high, backlog.low = 4, 2
    people = raid(fake_api, 12)
    await first.bot.get_updates(timeout=0)  # fetched: Telegram will not send them again
    assert len(waiting(db)) == 8
    await first.shutdown()  # stopped before handling any of them

    second = await make_app(settings, db)
    try:
        await handle_everything(second, fake_api, db, people[4:], ())
    finally:
        await second.shutdown()
    assert first_questions(fake_api, people) == people[4:], "the waiting rows were handled after the restart"
    assert waiting(db) == []


async def test_a_waiting_row_that_cannot_be_read_is_dropped_and_the_rest_go_on(app, fake_api, db):
    backlog = app.bot_data[BACKLOG_KEY]
    backlog.high, backlog.low = 2, 1
    people = raid(fake_api, 5)
    polled = await app.bot.get_updates(timeout=0)
    db.execute("update waiting_joins set body = '{not json' where update_id = (select min(update_id) from"
               " waiting_joins)")
    db.commit()
    await handle_everything(app, fake_api, db, people[:2] + people[3:], polled)
    assert first_questions(fake_api, people) == people[:2] + people[3:]
    assert waiting(db) == []


async def test_polling_moves_past_join_requests_that_wait_as_rows(app, fake_api, db, stranger):
    backlog = app.bot_data[BACKLOG_KEY]
    backlog.high, backlog.low = 4, 2
    people = raid(fake_api, 30)  # the first poll's batch ends with join requests kept back as rows
    feeder = asyncio.create_task(backlog.feed(app.update_queue, app.bot))
    await app.start()
    await app.updater.start_polling(timeout=1)
    try:
        await asyncio.sleep(0.2)
        fake_api.private_message(stranger, "/start")  # after the raid, in a later poll
        for _ in range(500):
            if fake_api.sent_to(stranger["id"]) and len(first_questions(fake_api, people)) >= len(people):
                break
            await asyncio.sleep(0.01)
    finally:
        feeder.cancel()
        await app.updater.stop()
        await app.stop()
    assert fake_api.sent_to(stranger["id"]), "polling went on past the raid"
    assert first_questions(fake_api, people) == people
    assert waiting(db) == []
    polls = fake_api.calls_to("getUpdates")
    assert sum(1 for p in polls if p.get("offset") in (None, 0, 1)) <= 1, "the raid was fetched once"


async def test_a_batch_that_cannot_be_kept_while_the_database_is_locked_is_fetched_again(app, fake_api, db, db_path):
    import sqlite3

    backlog = app.bot_data[BACKLOG_KEY]
    backlog.high, backlog.low = 4, 2
    people = raid(fake_api, 12)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            await app.bot.get_updates(timeout=0)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert waiting(db) == []

    polled = await app.bot.get_updates(timeout=0)  # from the same offset: nothing was confirmed to Telegram

    assert [u.chat_join_request.from_user.id for u in polled] == people[:4]
    assert len(waiting(db)) == 8
    await handle_everything(app, fake_api, db, people, polled)
    assert first_questions(fake_api, people) == people


async def test_a_row_that_cannot_be_dropped_while_the_database_is_locked_stays_for_the_next_start(
        app, fake_api, db, db_path):
    import sqlite3

    backlog = app.bot_data[BACKLOG_KEY]
    backlog.high = backlog.low = 1
    raid(fake_api, 3)
    [first] = await app.bot.get_updates(timeout=0)  # one in hand, two wait as rows
    feeder = asyncio.create_task(backlog.feed(app.update_queue, app.bot))
    try:
        backlog.handled(first)  # done with: the feeder hands over the next row
        fed = await asyncio.wait_for(app.update_queue.get(), 5)
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            backlog.handled(fed)  # its row cannot go now: no error reaches the update's processing
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
    finally:
        feeder.cancel()
    assert fed.update_id in waiting(db), "the row stays; the next start hands it over again"
    assert len(waiting(db)) == 2


async def test_the_feeder_lets_the_event_loop_turn_while_it_reads_rows_back(app, fake_api, db):
    # Reading hundreds of rows back into updates in one go held the event loop 70 ms in a raid: paced sends waited.
    backlog = app.bot_data[BACKLOG_KEY]
    backlog.high, backlog.low = 0, 0  # everything polled waits as a row
    people = raid(fake_api, 40)
    assert await app.bot.get_updates(timeout=0) == ()
    assert len(waiting(db)) == 40
    backlog.high, backlog.low = 64, 64
    queue: asyncio.Queue = asyncio.Queue()
    seen: list[int] = []

    async def watch() -> None:
        while queue.qsize() < 40:
            seen.append(queue.qsize())
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch())
    feeder = asyncio.create_task(backlog.feed(queue, app.bot))
    try:
        await asyncio.wait_for(watcher, 5)
    finally:
        feeder.cancel()
    assert {16, 32} <= set(seen), f"the feeder handed over its rows without a turn of the loop: {sorted(set(seen))}"
    handed = [queue.get_nowait().chat_join_request.from_user.id for _ in range(40)]
    assert handed == people, "in arrival order"
    assert len(waiting(db)) == 40, "a row stays until its update is handled"
