"""The summarized card: the assessment on the card, one automatic follow-up, and AUTO_DECLINE."""

from dataclasses import replace

from helpers.world import OWNER, Driver

from db.answers import list_answers


def requests(db):
    return list(db.query("select * from requests order by id"))


async def test_a_template_note_gets_one_follow_up_then_the_card_says_why(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start")
    await driver.send(stranger, "Other")
    await driver.send(stranger, "Since you are someone I know and trust, I'd like to add you to my network.")
    follow_up = driver.last(stranger["id"])["text"]
    assert "One more thing" in follow_up, "vague/template answers get one follow-up"
    assert requests(db)[0]["status"] == "asking" and not fake_api.sent_to(OWNER)[1:]
    await driver.send(stranger, "just networking")
    assert "Thank you!" in driver.last(stranger["id"])["text"], "never a second follow-up"
    [followup] = list(db.query("select * from followups"))
    assert (followup["origin"], followup["answer"]) == ("auto", "just networking")

    card = driver.card()["text"]
    assert "Suggest: decline" in card
    assert "#template_note" in card and "template note: \u2068“" in card and "someone i know and trust" in card.lower()
    assert "I asked:" in card and "just networking" in card


async def test_a_strong_specific_request_goes_straight_to_the_card(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start pycon25")
    first = driver.last(stranger["id"])
    await driver.press(stranger, stranger["id"], first["message_id"], "v1:pick:1:how.met")
    await driver.send(stranger, "At PyCon US 2025 in Pittsburgh, after your talk on CPython's JIT")
    await driver.send(stranger, "You asked me to send the benchmark numbers for the 3.14 JIT we discussed")
    assert "Thank you!" in driver.last(stranger["id"])["text"], "no follow-up when the answers are clear"
    card = driver.card()["text"]
    assert "Suggest: accept" in card and "#strong_tie" in card
    assert list(db.query("select * from followups")) == []


async def test_no_follow_up_for_a_pitch_and_auto_decline_is_off_by_default(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start")
    await driver.send(stranger, "Search")
    await driver.send(stranger, "We offer SEO services and lead generation for your business, book a free demo")
    assert "Thank you!" in driver.last(stranger["id"])["text"]
    card = driver.card()["text"]
    assert "Suggest: decline" in card and "#sales_pitch" in card
    assert requests(db)[0]["status"] == "pending", "the suggestion never acts on its own"


async def test_auto_decline_declines_pitches_silently(make_app, settings, db, fake_api, stranger, owner):
    fake_api.private_message(owner, "/start")
    driver = Driver(await make_app(replace(settings, auto_decline=frozenset({"pitch", "creepy"})), db), fake_api)
    await driver.send(stranger, "/start")
    await driver.send(stranger, "Search")
    await driver.send(stranger, "We offer SEO services and lead generation for your business, book a free demo")
    request = requests(db)[0]
    assert (request["status"], request["decided_by"]) == ("declined", 0)
    assert "auto-decline: pitch" in request["decided_by_name"]
    assert [m["text"] for m in fake_api.sent_to(OWNER)] == [], "no card"
    assert "Thank you" not in driver.last(stranger["id"])["text"] and "answer is no" not in \
        driver.last(stranger["id"])["text"], "silently"
    assert list(db.query("select detail from events where kind = 'auto_declined'")) == [{"detail": "pitch"}]
    assert list_answers(db, 1)["why"]["text"].startswith("We offer SEO")
    await driver.app.shutdown()


async def test_a_source_that_contradicts_the_answer_is_noted(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start pycon25")
    first = driver.last(stranger["id"])
    await driver.press(stranger, stranger["id"], first["message_id"], "v1:pick:1:how.search")
    await driver.send(stranger, "I want to ask about the job posting for a Rust engineer on your team")
    await driver.answer_followup(stranger, "Found you on Google")
    card = driver.card()["text"]
    assert "⚠️ \u2068came via link 'pycon25' but says:" in card
