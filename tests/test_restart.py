"""A restart at any moment loses nothing: state is in SQLite, due cards are re-sent on start."""

from helpers.flows import requests, stop_with_a_card_due
from helpers.world import OWNER, Driver

from bot.jobs import on_start
from db.answers import list_answers


async def test_restart_mid_questionnaire_resumes_at_the_next_question(make_app, settings, db, fake_api,
                                                                      stranger, owner):
    fake_api.private_message(owner, "/start")
    first = Driver(await make_app(settings, db), fake_api)
    await first.send(stranger, "/start")
    await first.send(stranger, "A friend from the climbing gym, Marta")
    await first.app.shutdown()

    second = Driver(await make_app(settings, db), fake_api)
    await on_start(second.app)
    await second.send(stranger, "/start")
    assert "Why would you like to connect?" in second.last(stranger["id"])["text"]
    await second.send(stranger, "She said you need a bouldering partner")
    await second.answer_followup(stranger)
    assert list_answers(db, 1)["why"]["text"] == "She said you need a bouldering partner"
    assert len(requests(db)) == 1 and requests(db)[0]["status"] == "pending"
    await second.app.shutdown()


async def test_card_due_when_the_bot_stopped_is_sent_once_on_the_next_start(make_app, settings, db, fake_api,
                                                                            stranger, owner):
    # Telegram fails the card send and all 3 retries: the bot goes down between the last answer and the card.
    await stop_with_a_card_due(make_app, settings, db, fake_api, stranger, owner)

    second_app = await make_app(settings, db)
    await on_start(second_app)
    await on_start(second_app)  # a second start (or restart) must not send it again
    cards = [m for m in fake_api.sent_to(OWNER) if "Want to ask about checkpoints" in m["text"]]
    assert len(cards) == 1
    assert requests(db)[0]["card_message_id"] == cards[0]["message_id"]
    await second_app.shutdown()


async def test_an_answer_redelivered_after_a_crash_is_not_stored_twice(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start")
    answer = await driver.send(stranger, "From your Rust newsletter")
    # The process died after storing the answer but before recording the update as handled: Telegram
    # delivers it again after the restart.
    db.execute("delete from processed_updates where update_id = ?", [answer["update_id"]])
    await driver.feed(answer)
    answers = list_answers(db, 1)
    assert list(answers) == ["how"] and answers["how"]["text"] == "From your Rust newsletter"
    assert "Why would you like to connect?" in driver.last(stranger["id"])["text"], "it asks what is next"


async def test_a_tap_redelivered_after_a_crash_asks_what_is_next(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start")
    first = driver.last(stranger["id"])
    tap = await driver.press(stranger, stranger["id"], first["message_id"], "v1:pick:1:how.met")
    db.execute("delete from processed_updates where update_id = ?", [tap["update_id"]])
    fake_api.callback_queries[tap["callback_query"]["id"]]["answered"] = False
    before = len(fake_api.sent_to(stranger["id"]))
    await driver.feed(tap)
    assert len(fake_api.sent_to(stranger["id"])) == before + 1
    assert "tell me a bit more" in driver.last(stranger["id"])["text"]
    assert list(list_answers(db, 1)) == ["how"]


async def test_cards_wait_for_an_owner_who_never_pressed_start(make_app, settings, db, fake_api, stranger, caplog):
    owner = fake_api.user(1001, "Olga")  # known to Telegram, but she never opened the bot
    driver = Driver(await make_app(settings, db), fake_api)
    await driver.send(stranger, "/start")
    await driver.send(stranger, "We met at PyCon US 2025 in Pittsburgh")
    await driver.send(stranger, "You asked me to send the benchmark numbers for the JIT we discussed")
    await driver.answer_followup(stranger)
    assert requests(db)[0]["card_message_id"] is None
    assert "the owner must open the bot and press Start" in caplog.text
    await driver.send(owner, "/start")
    assert requests(db)[0]["card_message_id"] == fake_api.sent_to(1001)[-1]["message_id"]
    await driver.app.shutdown()
