"""Raid mode: a flood of requests gets one batched card a minute, with Open buttons and Decline all suggested."""

import pytest
from helpers.world import OWNER
from telegram.error import BadRequest

from bot.flow import raids, rush
from bot.flow.upkeep import run_upkeep
from bot.jobs import deps_of

PITCH = "We offer SEO services and lead generation for your business, book a free demo"
GOOD = "You asked me at PyCon US 2025 in Pittsburgh to send the benchmark numbers for the JIT we discussed"


def requests(db):
    return list(db.query("select * from requests order by id"))


async def flood(driver, api, count, first_id=40_000):
    """`count` people write /start within the same minute; every third pitches, the rest are specific."""
    people = [api.user(first_id + i, f"R{i:02d}") for i in range(count)]
    for person in people:
        await driver.send(person, "/start")
    for i, person in enumerate(people):
        await driver.send(person, "Search" if i % 3 == 0 else "We met at PyCon US 2025 in Pittsburgh")
        await driver.send(person, PITCH if i % 3 == 0 else GOOD)
        await driver.answer_followup(person)
    return people


@pytest.mark.parametrize("page", [raids.HELD_PAGE, 7], ids=["one page", "read in pages of 7"])
async def test_a_flood_gets_one_batched_card_instead_of_one_card_each(driver, fake_api, db, owner, clock, page,
                                                                      monkeypatch):
    monkeypatch.setattr(raids, "HELD_PAGE", page)
    await flood(driver, fake_api, 40)
    assert fake_api.sent_to(OWNER) == [], "no card each during the raid"
    assert all(r["held"] == 1 and r["status"] == "pending" for r in requests(db))
    done = await run_upkeep(deps_of(driver.app), driver.app.bot)
    assert done["batched"] == 40
    [batch] = fake_api.sent_to(OWNER)
    assert "40 new requests" in batch["text"] and "14 suggested decline" in batch["text"]
    labels = [b["text"] for row in batch["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[:3] == ["#1", "#2", "#3"] and labels[-1] == "❌ Decline all suggested (14)"
    assert len({r["batch_id"] for r in requests(db)}) == 1 and requests(db)[-1]["batch_id"] is not None
    assert (await run_upkeep(deps_of(driver.app), driver.app.bot))["batched"] == 0
    assert len(fake_api.sent_to(OWNER)) == 1, "one batched card per minute, not one per sweep"


@pytest.mark.parametrize("page", [raids.HELD_PAGE, 4], ids=["one page", "read in pages of 4"])
async def test_decline_all_suggested_declines_only_those_once(driver, fake_api, db, owner, reviewer, clock, page,
                                                              monkeypatch):
    monkeypatch.setattr(raids, "HELD_PAGE", page)
    people = await flood(driver, fake_api, 33)
    await run_upkeep(deps_of(driver.app), driver.app.bot)
    [batch] = fake_api.sent_to(OWNER)
    decline_all = batch["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    await driver.press(owner, OWNER, batch["message_id"], decline_all)
    statuses = [r["status"] for r in requests(db)]
    assert statuses == ["declined" if i % 3 == 0 else "pending" for i in range(33)]
    for i, person in enumerate(people):
        told = any("This time the answer is no" in m["text"] for m in fake_api.sent_to(person["id"]))
        assert told == (i % 3 == 0)
    edited = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == batch["message_id"]][0]
    assert "11 suggested declines declined by Olga Owner" in edited["text"]
    assert "Decline all" not in str(edited["reply_markup"]) and "#2" in str(edited["reply_markup"])
    assert len(fake_api.sent_to(OWNER)) == 1, "no card per declined request"
    await driver.feed(fake_api.press_button(reviewer, OWNER, batch["message_id"], decline_all, check_buttons=False))
    assert [r["status"] for r in requests(db)].count("declined") == 11


async def test_open_sends_that_requests_own_card_which_works(driver, fake_api, db, owner, stranger):
    await flood(driver, fake_api, 31)
    await run_upkeep(deps_of(driver.app), driver.app.bot)
    [batch] = fake_api.sent_to(OWNER)
    intruder = fake_api.user(9999, "Mallory")
    await driver.feed(fake_api.press_button(intruder, OWNER, batch["message_id"], "v1:open:2", check_buttons=False))
    assert len(fake_api.sent_to(OWNER)) == 1 and fake_api.calls_to("answerCallbackQuery")[-1]["show_alert"]
    await driver.press(owner, OWNER, batch["message_id"], "v1:open:2")
    card = driver.last(OWNER)
    assert card["text"].startswith("#2 Direct request") and "💡" in card["text"]
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:accept:2"))
    assert requests(db)[1]["status"] == "accepted" and "Accepted" in driver.last(OWNER)["text"]


async def test_after_the_rush_cards_go_one_by_one_again_and_the_week_counts_the_raid(driver, fake_api, db, owner,
                                                                                   stranger, clock):
    await flood(driver, fake_api, 31)
    await run_upkeep(deps_of(driver.app), driver.app.bot)
    clock.advance(minutes=2)
    await driver.send(stranger, "/start")
    await driver.send(stranger, "We met at PyCon US 2025 in Pittsburgh")
    await driver.send(stranger, GOOD)
    await driver.answer_followup(stranger)
    assert "v1:accept:32" in str(driver.last(OWNER)["reply_markup"]), "a card of its own"
    await driver.send(owner, "/summary")
    assert "Raids: 1 batched card(s), 31 requests" in driver.last(OWNER)["text"]


async def test_a_batched_card_that_fails_to_send_is_retried_with_nothing_lost(driver, fake_api, db, owner):
    await flood(driver, fake_api, 31)
    fake_api.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found",
                       when=lambda p: p.get("chat_id") == OWNER)
    svc = deps_of(driver.app)
    with pytest.raises(BadRequest):  # the sweep job logs it; the rows must survive
        await run_upkeep(svc, driver.app.bot)
    assert fake_api.sent_to(OWNER) == [] and list(db.query("select * from raid_batches")) == []
    assert all(r["held"] == 1 and r["batch_id"] is None for r in requests(db))
    assert (await run_upkeep(svc, driver.app.bot))["batched"] == 31
    assert "31 new requests" in driver.last(OWNER)["text"]


async def test_a_raid_request_answered_after_the_rush_still_goes_on_a_batched_card(driver, fake_api, db, owner,
                                                                                   clock):
    people = [fake_api.user(41_000 + i, f"L{i:02d}") for i in range(31)]
    for person in people:
        await driver.send(person, "/start")  # a flood of first messages; nobody has answered yet
    clock.advance(minutes=5)  # the arrival rate says the raid is over; the late answers come now
    assert not rush.raid_active(deps_of(driver.app))
    await driver.send(people[0], "We met at PyCon US 2025 in Pittsburgh")
    await driver.send(people[0], GOOD)
    await driver.answer_followup(people[0])
    assert fake_api.sent_to(OWNER) == [], "no card of its own: it came in the raid"
    assert (await run_upkeep(deps_of(driver.app), driver.app.bot))["batched"] == 1
    assert "1 new request" in driver.last(OWNER)["text"]


async def test_the_batched_card_shows_each_requesters_signals(driver, fake_api, db, owner, clock):
    promo = fake_api.user(9_500_000_002, "Deals t.me/promo_deals 🚀🚀🚀")
    await driver.send(promo, "/start")
    await flood(driver, fake_api, 40)
    await driver.send(promo, "Search")
    await driver.send(promo, PITCH)
    await run_upkeep(deps_of(driver.app), driver.app.bot)
    [batch] = fake_api.sent_to(OWNER)
    lines = batch["text"].splitlines()
    assert any(line.startswith("· #1 \u2068Deals t.me/promo_deals 🚀🚀🚀\u2069 · direct · 🔎 no username, "
                               "account probably < 1 month, link in name · suggest ") for line in lines), batch["text"]
    assert "· #2 \u2068R00\u2069 · direct · 🔎 no username · suggest decline" in lines
    assert "profile unknown" not in batch["text"], "every line of a batch would say it"
