"""The card: escaping of everything a user typed, the 4096 limit, unreachable requesters, history."""

import html

from helpers.flows import answer_all, requests
from helpers.world import OWNER

from bot.core.text import visible_length
from db.answers import list_answers

NASTY = "<b>bold</b> & </a> <script>alert(1)</script> &amp;"


async def test_html_in_names_and_answers_arrives_literally(driver, fake_api, db):
    user = fake_api.user(5003, "<b>Eve</b> &", "</a><script>", username="eve_x")
    await driver.send(user, "/start")
    await driver.send(user, NASTY)
    await driver.send(user, "why: " + NASTY)
    await driver.answer_followup(user, "follow-up: " + NASTY)
    card = driver.card()
    # The fake rejects malformed Telegram HTML, so the card got through only because it was escaped;
    # its visible text shows what the user typed, literally.
    assert "<b>Eve</b> & </a><script>" in card["text"]
    assert NASTY in card["text"] and "why: " + NASTY in card["text"]
    assert html.escape(NASTY, quote=False) in card["html"]
    assert list_answers(db, 1)["how"]["text"] == NASTY


async def test_long_answers_are_stored_whole_and_the_card_fits(driver, fake_api, db, stranger, tmp_path):
    long_how = "We met at a conference. " * 40  # 960 chars, over how's max_length of 300
    long_why = "I want to talk about parsers and much more. " * 300  # ~13,000 chars
    await driver.send(stranger, "Hello! " * 700)  # a 4,900-char opening note
    await driver.send(stranger, long_how)
    await driver.send(stranger, long_why)
    await driver.answer_followup(stranger, "Also: " + long_why)
    answers = list_answers(db, 1)
    assert answers["how"]["text"] == long_how and answers["why"]["text"] == long_why
    card = driver.card()
    assert visible_length(card["html"]) <= 4096
    assert "We met at a conference." in card["text"] and "…" in card["text"]
    assert long_how not in card["text"], "shown shortened to the question's max_length"


async def test_requester_who_blocked_the_bot_is_recorded_and_the_card_still_goes_out(driver, fake_api, db,
                                                                                      stranger):
    # They block the bot between writing and our reply: Telegram refuses the question with 403.
    fake_api.fail_next("sendMessage", error_code=403, description="Forbidden: bot was blocked by the user",
                       when=lambda params: params.get("chat_id") == stranger["id"])
    await driver.send(stranger, "Hi, I'd like to talk")
    request = requests(db)[0]
    assert request["unreachable"] == "bot was blocked by the user"
    assert request["status"] == "pending"
    card = driver.card()
    assert "Could not reach the requester: bot was blocked by the user" in card["text"]
    assert driver.button(card, "v1:accept:")
    events = [e["kind"] for e in db.query("select kind from events where request_id = 1 order by id")]
    assert "unreachable" in events and "card_sent" in events


async def test_accepting_someone_who_blocked_the_bot_notes_it_on_the_card(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    fake_api.block_bot(stranger["id"])
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:accept:1")
    request = requests(db)[0]
    assert request["status"] == "accepted" and request["decision_note"] == "the requester could not be told"
    assert "the requester could not be told" in fake_api.sent_to(OWNER)[-1]["text"]


async def test_card_lists_earlier_requests_of_the_same_person(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:decline:1")
    db["requests"].update(1, {"status": "expired"})  # an old, closed request: the door opens again
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card()
    assert "Earlier requests:" in card["text"] and "#1 2026-11-23 09:00 — expired" in card["text"]
    assert len(requests(db)) == 2


async def test_a_requester_blocking_the_bot_later_is_shown_on_their_open_card(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card_id = requests(db)[0]["card_message_id"]
    await driver.feed(fake_api.block_bot(stranger["id"]))  # Telegram sends the bot a private my_chat_member
    assert requests(db)[0]["unreachable"] == "bot was blocked by the user"
    card = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == card_id][0]
    assert "Could not reach the requester: bot was blocked by the user" in card["text"]
    assert "v1:ask:" not in str(card["reply_markup"]), "nobody to ask more"
