"""A flaky network: 200 requesters through full conversations at a 20 % fault rate lose and double nothing."""

import asyncio
import random
from dataclasses import replace

from helpers.flows import answer_all
from helpers.world import OWNER, Driver

from bot.app import build_application
from bot.flow.upkeep import run_upkeep
from bot.jobs import deps_of
from bot.telegram.ratelimit import PacedRateLimiter
from db.answers import list_answers

PEOPLE = 200


async def converse(driver: Driver, api, user: dict) -> None:
    """One requester, behaving like a person: if the bot seems not to have answered, they say /start again."""
    async def until(check, then_retry):
        for _ in range(6):
            found = check()
            if found:
                return found
            await then_retry()
        raise AssertionError(f"{user['first_name']} got stuck: {[m['text'] for m in api.sent_to(user['id'])]}")

    def question(text):
        return lambda: next((m for m in reversed(api.sent_to(user["id"])) if text in m["text"]), None)

    async def restart():
        await driver.send(user, "/start")

    await driver.send(user, "/start")
    first = await until(question("How did you find me?"), restart)
    await driver.press(user, user["id"], first["message_id"], driver.button(first, "v1:pick:"))
    await until(question("tell me a bit more"), restart)
    await driver.send(user, f"At the meetup, said {user['first_name']}")
    await until(question("Why would you like"), restart)
    await driver.send(user, f"{user['first_name']} wants to talk shop")
    await until(lambda: question("Thank you!")() or question("One more thing")(), restart)
    if await driver.answer_followup(user, f"{user['first_name']} met you at the meetup in Ghent"):
        await until(question("Thank you!"), restart)


async def test_two_hundred_conversations_at_a_twenty_percent_fault_rate(settings, db, fake_api, clock):
    owner = fake_api.user(OWNER, "Olga")
    fake_api.private_message(owner, "/start")
    # The real rate limiter (so 429s are waited out and retried) with Telegram's throughput limits lifted,
    # to keep the test fast; the limits themselves are measured in bench/raid.py.
    # 200 people arrive within the same (frozen) minute: raid mode would batch their cards; this test is
    # about faults, so one card each (raid mode has its own tests).
    settings = replace(settings, raid_threshold=PEOPLE)
    app = build_application(settings, db=db, clock=clock, transport=fake_api.transport, retries=5, backoff=0.01,
                            rate_limiter=PacedRateLimiter(per_second=1e6, chat_interval=0, group_per_minute=10**6,
                                                         max_retries=5))
    await app.initialize()
    driver = Driver(app, fake_api)
    people = [fake_api.user(20_000 + i, f"P{i:03d}") for i in range(PEOPLE)]
    fake_api.inject_faults(0.2, seed=7)
    await asyncio.gather(*(converse(driver, fake_api, p) for p in people))

    # Cards whose every retry failed are re-sent by the periodic upkeep, as after a restart.
    await run_upkeep(deps_of(app), app.bot)
    requests = list(db.query("select * from requests order by user_id"))
    assert [r["user_id"] for r in requests] == [p["id"] for p in people], "one request per person"
    assert all(r["status"] == "pending" and r["card_message_id"] for r in requests)
    for request, person in zip(requests, people, strict=True):
        answers = list_answers(db, request["id"])
        assert answers["how"]["choice"] == "met"
        assert answers["how:more"]["text"] == f"At the meetup, said {person['first_name']}"
        assert answers["why"]["text"] == f"{person['first_name']} wants to talk shop"
    cards = [m for m in fake_api.sent_to(OWNER) if "v1:accept:" in str(m.get("reply_markup"))]
    assert sorted(int(c["text"].split()[0].lstrip("#")) for c in cards) == sorted(r["id"] for r in requests), \
        "exactly one card per request"

    random.Random(3).shuffle(cards)
    await asyncio.gather(*(driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:accept:"))
                           for card in cards))
    await run_upkeep(deps_of(app), app.bot)
    fake_api.inject_faults(0)
    statuses = {r["status"] for r in db.query("select status from requests")}
    assert statuses == {"accepted"}
    assert db.execute("select count(*) from events where kind = 'accepted'").fetchone()[0] == PEOPLE
    for person in people:
        told = [m for m in fake_api.sent_to(person["id"]) if "your request was accepted" in m["text"]]
        assert len(told) == 1, f"{person['first_name']} was told {len(told)} times"
    faults = [c for c in fake_api.calls if not c.ok]
    assert len(faults) > 200, "the faults really happened"
    await app.shutdown()


async def test_the_shipped_rate_limiter_stays_inside_telegrams_window(settings, db, fake_api, clock):
    """A burst of sends to different chats: none exceeds 30 in any second, so Telegram never answers 429."""
    people = [fake_api.user(30_000 + i, f"Q{i}") for i in range(75)]
    for person in people:
        fake_api.private_message(person, "hi")
    app = build_application(settings, db=db, clock=clock, transport=fake_api.transport)
    await app.initialize()
    fake_api.enforce_limits(global_per_sec=30, per_chat_per_sec=1, group_per_min=20)
    await asyncio.gather(*(app.bot.send_message(p["id"], "How did you find me?") for p in people))
    assert fake_api.too_many_requests == 0
    assert len([c for c in fake_api.calls if c.method == "sendMessage" and c.ok]) == len(people)
    await app.shutdown()


async def test_a_card_redraw_that_fails_during_a_decision_is_redone_by_the_sweep(driver, fake_api, db, stranger,
                                                                                 reviewer):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card(OWNER)
    fake_api.fail_next("editMessageText", error_code=500, times=10)  # outlasts the request-level retries
    await driver.press(reviewer, OWNER, card["message_id"], driver.button(card, "v1:accept:"))
    [request] = db.query("select * from requests")
    assert request["status"] == "accepted" and request["card_redraw"] == 1
    assert "Accepted" not in fake_api.sent_to(OWNER)[-1]["text"], "Telegram refused the redraw"
    fake_api.reset_calls()
    with fake_api.lock:
        fake_api._fail_rules.clear()
    assert (await run_upkeep(deps_of(driver.app), driver.app.bot))["cards"] == 1
    redrawn = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == card["message_id"]][0]
    assert "Accepted" in redrawn["text"] and redrawn["edited"]
    assert db.execute("select card_redraw from requests").fetchone()[0] == 0
    assert (await run_upkeep(deps_of(driver.app), driver.app.bot))["cards"] == 0, "redrawn once"
