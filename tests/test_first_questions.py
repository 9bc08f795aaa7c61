"""A raid of join requests beyond the asking slots: updates return at once, the rest wait as rows and ids and are
asked in arrival order by background askers; a restart asks whoever was still owed, once."""

import asyncio
from dataclasses import replace
from functools import partial

from helpers.world import OWNER, Driver

from bot.flow import rush
from bot.flow.intake import ask_owed
from bot.flow.upkeep import run_upkeep
from bot.jobs import deps_of, finish_catching_up, on_start

GROUP = -1001234567890


def greeted(api, people) -> list[int]:
    """How many times each was asked: the greeting and the first question are one message."""
    return [len(api.sent_to(p["id"])) for p in people]


async def screening_app(make_app, settings, db, api, owner, at_once: int):
    """A bot that screens GROUP (the owner has pressed Start), with `at_once` slots for first questions."""
    api.private_message(owner, "/start")
    api.add_chat(GROUP, "Rust Embedded")
    app = await make_app(settings, db)
    deps_of(app).first_questions.at_once = at_once
    return app


async def raid(driver, api, people) -> None:
    """All join requests at once, as PTB processes them concurrently."""
    await asyncio.gather(*(driver.feed(api.join_request(p, GROUP)) for p in people))


async def test_beyond_the_slots_requests_are_queued_and_asked_in_arrival_order(make_app, settings, db, fake_api,
                                                                               owner):
    app = await screening_app(make_app, replace(settings, raid_threshold=100), db, fake_api, owner, at_once=2)
    deps = deps_of(app)
    people = [fake_api.user(60_000 + i, f"Q{i}") for i in range(7)]
    try:
        await raid(Driver(app, fake_api), fake_api, people)
        owed = db.execute("select count(*) from requests where ask_by is not null").fetchone()[0]
        assert owed == 5, "two asked inside their updates, five wait as rows"
        await deps.first_questions.settled()
        assert greeted(fake_api, people) == [1] * 7
        order = [c.params["chat_id"] for c in fake_api.calls if c.method == "sendMessage"
                 and c.params["chat_id"] != OWNER]
        assert order[2:] == [p["id"] for p in people[2:]], "the queue is asked in arrival order"
        rows = list(db.query("select status, ask_by, buttons_message_id from requests order by id"))
        assert all(r["status"] == "asking" and r["ask_by"] is None and r["buttons_message_id"] for r in rows)
    finally:
        await app.shutdown()


async def test_a_restart_asks_whoever_was_still_owed_once(make_app, settings, db, fake_api, owner):
    first = await screening_app(make_app, settings, db, fake_api, owner, at_once=1)
    people = [fake_api.user(61_000 + i, f"R{i}") for i in range(4)]
    await raid(Driver(first, fake_api), fake_api, people)
    await finish_catching_up(first)  # the stop: the queued askers are cancelled before they run
    await first.shutdown()
    assert greeted(fake_api, people) == [1, 0, 0, 0]
    second = await make_app(settings, db)
    try:
        await on_start(second)
        await deps_of(second).first_questions.settled()
        assert greeted(fake_api, people) == [1, 1, 1, 1], "the rest asked after the restart, nobody twice"
        assert db.execute("select count(*) from requests where ask_by is not null").fetchone()[0] == 0
    finally:
        await second.shutdown()


async def test_owed_requests_whose_window_closed_while_down_are_listed_not_asked(make_app, settings, db, fake_api,
                                                                                  owner, clock):
    first = await screening_app(make_app, settings, db, fake_api, owner, at_once=1)
    people = [fake_api.user(62_000 + i, f"S{i}") for i in range(3)]
    fake_api.now = clock().timestamp()  # the requests are made now, by the bot's clock
    await raid(Driver(first, fake_api), fake_api, people)
    await finish_catching_up(first)
    await first.shutdown()
    clock.advance(minutes=6)  # down for longer than Telegram's window
    second = await make_app(settings, db)
    try:
        await on_start(second)
        await deps_of(second).first_questions.settled()
        assert greeted(fake_api, people) == [1, 0, 0], "Telegram would refuse: nothing is sent"
        rows = list(db.query("select status, unreachable, ask_by from requests order by id"))
        assert [r["status"] for r in rows] == ["asking", "pending", "pending"]
        assert all(r["unreachable"].startswith("not asked: window closed") for r in rows[1:])
        assert all(r["ask_by"] is None for r in rows)
        cards = [m["text"] for m in fake_api.sent_to(OWNER)]
        assert sum("not asked: window closed" in t for t in cards) == 2, "the owner sees both at once"
    finally:
        await second.shutdown()


async def test_those_never_asked_after_a_raid_ended_go_on_the_batched_card(make_app, settings, db, fake_api, owner,
                                                                             clock):
    app = await screening_app(make_app, replace(settings, raid_threshold=3), db, fake_api, owner, at_once=0)
    deps = deps_of(app)
    people = [fake_api.user(63_000 + i, f"T{i}") for i in range(6)]
    fake_api.now = clock().timestamp()
    try:  # at_once=0: Telegram is slow, nobody gets a turn while the raid passes
        await raid(Driver(app, fake_api), fake_api, people)
        assert len(deps.first_questions.waiting) == 6
        clock.advance(minutes=6)  # the raid is over, and so are their windows
        assert not rush.raid_active(deps)
        deps.first_questions.at_once = 1
        deps.first_questions.queue([], partial(ask_owed, deps, app.bot))
        await deps.first_questions.settled()
        assert fake_api.sent_to(OWNER) == [], "no card each for those never asked"
        assert fake_api.calls_to("getChat") == [], "a raid's requesters are not looked up"
        await run_upkeep(deps, app.bot)
        [batch] = [m for m in fake_api.sent_to(OWNER) if "during a rush" in m["text"]]
        assert "6 not asked: Telegram's 5-minute window" in batch["text"]
    finally:
        await app.shutdown()
