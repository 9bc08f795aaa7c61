"""Direct requests end to end: /start or a first message → questions → answers → card → decision."""

import asyncio

from helpers.flows import answer_all, requests
from helpers.world import OWNER, REVIEWER

from db.answers import list_answers


async def test_a_tap_turns_the_question_into_the_next_one_in_one_call(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start")
    first = driver.last(stranger["id"])
    before = len(fake_api.calls)
    await driver.press(stranger, stranger["id"], first["message_id"], driver.button(first, "v1:pick:1:how.met"))
    made = [c.method for c in fake_api.calls[before:]]
    assert sorted(made) == ["answerCallbackQuery", "editMessageText"], "no new message, no separate keyboard edit"
    [message] = fake_api.sent_to(stranger["id"])
    assert message["message_id"] == first["message_id"] and message["edited"]
    assert "«Met in person» — could you tell me a bit more?" in message["text"] and not message.get("reply_markup")
    assert list_answers(db, 1)["how"]["choice"] == "met"


async def test_when_the_tapped_question_cannot_be_edited_the_next_one_is_sent_anew(driver, fake_api, db, stranger,
                                                                                  caplog):
    await driver.send(stranger, "/start")
    first = driver.last(stranger["id"])
    fake_api.fail_next("editMessageText", description="Bad Request: MESSAGE_ID_INVALID")
    await driver.press(stranger, stranger["id"], first["message_id"], driver.button(first, "v1:pick:1:how.met"))
    latest = driver.last(stranger["id"])
    assert latest["message_id"] != first["message_id"] and "could you tell me a bit more?" in latest["text"]
    assert list_answers(db, 1)["how"]["choice"] == "met"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_question_answered_by_typing_loses_its_quick_replies(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start")
    first = driver.last(stranger["id"])
    assert first["reply_markup"] and requests(db)[0]["buttons_message_id"] == first["message_id"]
    await driver.send(stranger, "We met at the Rust meetup in Lyon last March")
    shown = next(m for m in fake_api.sent_to(stranger["id"]) if m["message_id"] == first["message_id"])
    assert not shown.get("reply_markup"), "no late tap on an answered question"
    assert requests(db)[0]["buttons_message_id"] is None
    assert list_answers(db, 1)["how"]["text"] == "We met at the Rust meetup in Lyon last March"
    assert "Why would you like to connect?" in driver.last(stranger["id"])["text"]


async def test_deep_link_start_asks_both_questions_and_sends_a_card(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start pycon25")

    first = driver.last(stranger["id"])
    assert "Before I pass your request on" in first["text"] and "How did you find me?" in first["text"]
    labels = [b["text"] for row in first["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Met in person", "Referred by someone", "Read your work", "Search", "Other"]

    await driver.press(stranger, stranger["id"], first["message_id"], driver.button(first, "v1:pick:1:how.met"))
    assert "«Met in person» — could you tell me a bit more?" in driver.last(stranger["id"])["text"]
    assert fake_api.sent_to(stranger["id"])[0].get("reply_markup") in (None, {}), "tapped buttons are removed"

    await driver.send(stranger, "at PyCon 2025, your Rust talk")
    assert "Why would you like to connect?" in driver.last(stranger["id"])["text"]
    await driver.send(stranger, "I'd like feedback on my parser")
    assert "Thank you! Your answers have been passed on." in driver.last(stranger["id"])["text"]

    [request] = requests(db)
    assert (request["kind"], request["status"], request["source"]) == ("direct", "pending", "pycon25")
    answers = list_answers(db, request["id"])
    assert answers["how"]["choice"] == "met" and answers["how"]["text"] == "Met in person"
    assert answers["how:more"]["text"] == "at PyCon 2025, your Rust talk"
    assert answers["why"]["text"] == "I'd like feedback on my parser"

    card = driver.card(OWNER)
    for expected in ("\u2068Ada Lovelace\u2069", "@\u2068ada\u2069", "5001", "en", "pycon25",
                     "Met in person — at PyCon 2025, your Rust talk", "I'd like feedback on my parser"):
        assert expected in card["text"]
    assert driver.button(card, "v1:accept:1") and driver.button(card, "v1:decline:1")
    assert driver.button(card, "v1:block:1")
    assert request["card_message_id"] == card["message_id"]
    kinds = [e["kind"] for e in db.query("select kind from events where request_id = 1 order by id")]
    assert kinds == ["opened", "answered", "card_sent"]


async def test_free_text_answers_a_choice_question(driver, db, stranger):
    await driver.send(stranger, "/start")
    await driver.send(stranger, "We sat next to each other at FOSDEM")
    assert "Why would you like to connect?" in driver.last(stranger["id"])["text"]
    answers = list_answers(db, 1)
    assert answers["how"]["choice"] is None and answers["how"]["text"] == "We sat next to each other at FOSDEM"


async def test_first_message_opens_a_request_and_is_kept_as_the_opening_note(driver, db, stranger):
    await driver.send(stranger, "hey, can we talk about your library?")
    [request] = requests(db)
    assert request["opening_note"] == "hey, can we talk about your library?"
    assert request["source"] is None
    assert "How did you find me?" in driver.last(stranger["id"])["text"]
    await driver.send(stranger, "GitHub issues")
    await driver.send(stranger, "I maintain a fork and want to upstream fixes")
    await driver.answer_followup(stranger)
    assert "First message:" in driver.card()["text"]
    assert "hey, can we talk about your library?" in driver.card()["text"]


async def test_start_again_mid_questionnaire_resumes_without_a_second_request(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start newsletter")
    await driver.send(stranger, "Your newsletter, issue 42")
    await driver.send(stranger, "/start")
    assert "Why would you like to connect?" in driver.last(stranger["id"])["text"]
    await driver.send(stranger, "/start other-source")
    assert len(requests(db)) == 1 and requests(db)[0]["source"] == "newsletter"
    await driver.send(stranger, "To ask about a typo I found")
    await driver.answer_followup(stranger)
    await driver.send(stranger, "/start")
    assert "already with the owner" in driver.last(stranger["id"])["text"]
    assert len(requests(db)) == 1
    assert len([m for m in fake_api.sent_to(OWNER) if m.get("reply_markup")]) == 1, "one card only"


async def test_decided_requesters_get_the_matching_template_on_start(driver, db, stranger, owner, fake_api):
    other = fake_api.user(5002, "Bob")
    for user in (stranger, other):
        await driver.send(user, "/start")
        await answer_all(driver, user)
    await driver.press(owner, OWNER, requests(db)[0]["card_message_id"], "v1:accept:1")
    await driver.press(owner, OWNER, requests(db)[1]["card_message_id"], "v1:decline:2")
    await driver.send(stranger, "/start")
    assert "your request was accepted" in driver.last(stranger["id"])["text"]
    await driver.send(other, "/start")
    assert "This time the answer is no" in driver.last(other["id"])["text"]
    assert len(requests(db)) == 2


async def test_media_instead_of_text_is_asked_for_text_and_a_caption_counts(driver, db, stranger):
    await driver.send(stranger, "/start")
    await driver.send(stranger, sticker=True)
    assert "please answer in a few words" in driver.last(stranger["id"])["text"]
    await driver.send(stranger, voice=True)
    assert list_answers(db, 1) == {}
    await driver.send(stranger, photo=True, caption="This is us at the meetup in Lisbon")
    assert list_answers(db, 1)["how"]["text"] == "This is us at the meetup in Lisbon"


async def test_too_short_answer_is_asked_again(driver, db, stranger):
    await driver.send(stranger, "/start")
    await driver.send(stranger, "x")
    assert "Could you write a little more?" in driver.last(stranger["id"])["text"]
    assert list_answers(db, 1) == {}


async def test_edit_before_the_card_replaces_the_answer_and_after_it_does_not(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start")
    sent = await driver.send(stranger, "Met you at a meetup")
    await driver.feed(fake_api.edit_private_message(stranger, sent["message"]["message_id"],
                                                    "Met you at the Berlin Rust meetup"))
    assert list_answers(db, 1)["how"]["text"] == "Met you at the Berlin Rust meetup"
    why = await driver.send(stranger, "to talk about embedded Rust")
    await driver.answer_followup(stranger, "It was the Berlin Rust meetup in March, I asked about probe-rs")
    assert requests(db)[0]["status"] == "pending"
    await driver.feed(fake_api.edit_private_message(stranger, why["message"]["message_id"], "changed my mind"))
    assert list_answers(db, 1)["why"]["text"] == "to talk about embedded Rust"
    assert "Met you at the Berlin Rust meetup" in driver.card()["text"]
    assert "(edited)" in driver.card()["text"]


async def test_accept_edits_the_card_in_place_and_tells_the_requester(driver, fake_api, db, stranger, reviewer):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card()
    await driver.press(reviewer, OWNER, card["message_id"], driver.button(card, "v1:accept:"))

    edited = fake_api.sent_to(OWNER)[-1]
    assert edited["message_id"] == card["message_id"] and edited["edited"]
    assert "Accepted" in edited["text"] and "by \u2068Rita Reviewer\u2069" in edited["text"]
    assert "2026-11-23 09:00" in edited["text"]
    assert not edited.get("reply_markup"), "a decided card has no buttons"
    told = driver.last(stranger["id"])["text"]
    assert "your request was accepted" in told and "Write to me at @owner" in told

    request = requests(db)[0]
    assert (request["status"], request["decided_by"], request["decided_by_name"]) == ("accepted", REVIEWER,
                                                                                      "Rita Reviewer")
    assert db["people"].get(stranger["id"])["standing"] == "allowed"
    assert fake_api.calls_to("answerCallbackQuery")[-1]["text"] == "Done: Accepted."


async def test_without_a_contact_line_the_accept_message_names_the_owners_username(make_app, settings, db, fake_api,
                                                                                 stranger, owner, reviewer):
    from dataclasses import replace

    from helpers.world import Driver

    app = await make_app(replace(settings, contact_line=""), db)
    driver = Driver(app, fake_api)
    await driver.send(owner, "/start")  # the owner presses Start once, as every owner must
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card()
    await driver.press(reviewer, OWNER, card["message_id"], driver.button(card, "v1:accept:"))
    told = driver.last(stranger["id"])["text"]
    assert "your request was accepted" in told and "You can write to them directly: @olga" in told
    assert db.one("select username from people where user_id = ?", [OWNER])["username"] == "olga"
    await app.shutdown()


async def test_decline_tells_the_requester_unless_configured_silent(make_app, settings, db, fake_api, stranger,
                                                                    owner):
    from dataclasses import replace

    from conftest import Driver

    fake_api.private_message(owner, "/start")
    app = await make_app(replace(settings, decline_silent=True), db)
    driver = Driver(app, fake_api)
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    before = len(fake_api.sent_to(stranger["id"]))
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:decline:1")
    assert len(fake_api.sent_to(stranger["id"])) == before, "silent decline sends nothing"
    assert requests(db)[0]["status"] == "declined"
    assert "Declined" in fake_api.sent_to(OWNER)[-1]["text"]
    await app.shutdown()


async def test_decline_sends_the_decline_template(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:decline:1")
    assert "This time the answer is no" in driver.last(stranger["id"])["text"]


async def test_block_ignores_everything_the_person_sends_later(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    before = len(fake_api.sent_to(stranger["id"]))
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:block:1")
    assert len(fake_api.sent_to(stranger["id"])) == before, "block is silent"
    await driver.send(stranger, "/start")
    await driver.send(stranger, "why did you block me??")
    assert len(fake_api.sent_to(stranger["id"])) == before
    assert len(requests(db)) == 1 and requests(db)[0]["status"] == "blocked"
    assert db["people"].get(stranger["id"])["standing"] == "blocked"
    ignored = list(db.query("select * from events where kind = 'ignored_blocked'"))
    assert len(ignored) == 2 and ignored[1]["detail"] == "why did you block me??"


async def test_only_reviewers_can_press_decision_buttons(driver, fake_api, db, stranger):
    intruder = fake_api.user(6666, "Mallory")
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card()
    fake_api.private_message(intruder, "hi")
    calls_before = len(fake_api.calls_to("editMessageText"))
    await driver.press(intruder, OWNER, card["message_id"], driver.button(card, "v1:accept:"))
    alert = fake_api.calls_to("answerCallbackQuery")[-1]
    assert alert["show_alert"] is True and "Only the reviewers" in alert["text"]
    assert requests(db)[0]["status"] == "pending"
    assert len(fake_api.calls_to("editMessageText")) == calls_before
    assert db["people"].get(stranger["id"])["standing"] == "unknown"


async def test_a_press_on_a_decided_card_changes_nothing(driver, fake_api, db, stranger, owner, reviewer):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card()
    accept, decline = driver.button(card, "v1:accept:"), driver.button(card, "v1:decline:")
    await driver.press(owner, OWNER, card["message_id"], accept)
    told = len(fake_api.sent_to(stranger["id"]))
    # The other reviewer still has the card with its buttons on screen (their client has not refreshed).
    await driver.feed(fake_api.press_button(reviewer, OWNER, card["message_id"], decline, check_buttons=False))
    assert fake_api.calls_to("answerCallbackQuery")[-1]["text"] == "Already decided: Accepted."
    assert requests(db)[0]["status"] == "accepted"
    assert len(fake_api.sent_to(stranger["id"])) == told


async def test_two_quick_presses_decide_once(driver, fake_api, db, stranger, owner, reviewer):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card()
    accept = driver.button(card, "v1:accept:")
    decline = driver.button(card, "v1:decline:")
    first = fake_api.press_button(owner, OWNER, card["message_id"], accept)
    second = fake_api.press_button(reviewer, OWNER, card["message_id"], decline)
    await asyncio.gather(driver.feed(first), driver.feed(second))
    assert requests(db)[0]["status"] == "accepted"
    decisions = list(db.query("select kind from events where kind in ('accepted', 'declined')"))
    assert decisions == [{"kind": "accepted"}]
    texts = [m["text"] for m in fake_api.sent_to(stranger["id"])]
    assert sum("accepted" in t for t in texts) == 1 and not any("answer is no" in t for t in texts)


async def test_same_update_twice_changes_nothing(driver, fake_api, db, stranger):
    start = await driver.send(stranger, "/start")
    answer = await driver.send(stranger, "Saw your talk at PyData Berlin about pandas internals")
    calls = len(fake_api.calls)
    await driver.feed(start)
    await driver.feed(answer)
    assert len(fake_api.calls) == calls
    assert len(requests(db)) == 1 and list(list_answers(db, 1)) == ["how"]
