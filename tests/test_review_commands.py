"""Reviewer commands (/pending, /help), refusals for everyone else, and tampered callback data."""

from helpers.flows import answer_all, requests
from helpers.world import OWNER, REVIEWER


async def test_pending_lists_waiting_requests_with_working_buttons(driver, fake_api, db, owner):
    people = [fake_api.user(5100 + i, f"Person{i}") for i in range(3)]
    for person in people:
        await driver.send(person, "/start")
        await answer_all(driver, person, why=f"reason of {person['first_name']} <i>")
    await driver.send(owner, "/pending")
    listing = driver.last(OWNER)
    assert "Waiting for you: 3" in listing["text"]
    assert "Person0" in listing["text"] and "reason of Person2 <i>" in listing["text"]
    rows = listing["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in rows[1]] == ["v1:accept:2", "v1:decline:2", "v1:block:2"]

    await driver.press(owner, OWNER, listing["message_id"], "v1:accept:2")
    assert requests(db)[1]["status"] == "accepted"
    card = fake_api.sent_to(OWNER)[[m["message_id"] for m in fake_api.sent_to(OWNER)].index(
        requests(db)[1]["card_message_id"])]
    assert "Accepted" in card["text"] and not card.get("reply_markup"), "the card itself is edited too"
    redrawn = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == listing["message_id"]][0]
    assert redrawn["text"] == listing["text"], "the list's text stays"
    assert "v1:accept:2" not in str(redrawn["reply_markup"]) and "v1:accept:3" in str(redrawn["reply_markup"])


async def test_pending_with_nothing_waiting(driver, owner):
    await driver.send(owner, "/pending")
    assert driver.last(OWNER)["text"] == "Nothing is waiting for a decision."


async def test_help_for_reviewers_and_a_polite_refusal_for_others(driver, fake_api, db, reviewer, stranger):
    await driver.send(reviewer, "/help")
    assert "/pending" in driver.last(REVIEWER)["text"]
    for command in ("/help", "/pending"):
        await driver.send(stranger, command)
        assert "only for the people who review requests" in driver.last(stranger["id"])["text"]
    assert requests(db) == [], "a refused command opens no request"
    assert len(list(db.query("select * from events where kind = 'refused_command'"))) == 2


async def test_reviewer_start_and_text_get_help_not_a_questionnaire(driver, db, owner):
    await driver.send(owner, "/start")
    await driver.send(owner, "hello bot")
    assert "/pending" in driver.last(OWNER)["text"]
    assert requests(db) == []


async def test_tampered_or_foreign_callback_data_changes_nothing(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card()
    for data in ("v1:accept:999", "v2:accept:1", "v1:accept:1:../../x", "accept:1", "v1:pick:1:how.met"):
        await driver.feed(fake_api.press_button(owner, OWNER, card["message_id"], data, check_buttons=False))
    assert requests(db)[0]["status"] == "pending"
    assert len(fake_api.calls_to("answerCallbackQuery")) >= 3


async def test_stranger_cannot_pick_answers_for_someone_else(driver, fake_api, db, stranger):
    other = fake_api.user(5200, "Other")
    await driver.send(stranger, "/start")
    question = driver.last(stranger["id"])
    fake_api.private_message(other, "hi")
    await driver.feed(fake_api.press_button(other, stranger["id"], question["message_id"], "v1:pick:1:how.met",
                                            check_buttons=False))
    assert list(db.query("select * from answers")) == []
