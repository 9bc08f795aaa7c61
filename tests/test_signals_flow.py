"""Signals beyond the answers, through the real Application and fakegram: the profile call (one getChat, after the
first question, never retried, skipped in a raid), behaviour, the card's one line of signals, and the suggestion."""

from dataclasses import replace

from helpers.flows import answer_all, requests
from helpers.world import OWNER, Driver

from bot.flow.cards import render_card
from bot.jobs import deps_of
from db.requests import get_request
from db.signals import get_signals

GROUP = -1001234567890
LONG = ("I maintain the embedded-hal async drivers and would like to talk about the DMA API you proposed in your "
        "RustConf talk, since we hit the same lifetime problems with interrupt-driven transfers on the RP2040 and "
        "wrote down three designs that might interest you.")


def signal_line(text: str) -> str:
    """The card's 🔎 line ('' when it has none)."""
    return next((line for line in text.splitlines() if line.startswith("🔎")), "")


def methods(api, *names):
    return [c.method for c in api.calls if c.method in names]


async def test_the_profile_call_goes_out_once_after_the_first_question_and_shows_on_the_card(driver, fake_api, db):
    lurker = fake_api.user(5002, "Max", photos=0, bio="Crypto signals daily: t.me/pumpdump @pumpadmin")
    await driver.send(lurker, "/start")
    assert methods(fake_api, "sendMessage", "getUserProfilePhotos", "getChat")[-2:] == [
        "sendMessage", "getChat"], "the question goes out first"
    assert fake_api.calls_to("getChat") == [{"chat_id": 5002}]
    assert fake_api.calls_to("getUserProfilePhotos") == [], "getChat's photo says whether there is one"
    row = get_signals(db, 1)
    assert (row["profile"], row["has_photo"], row["bio"]) == (
        "gathered", 0, "Crypto signals daily: t.me/pumpdump @pumpadmin")

    await answer_all(driver, lurker)
    assert len(fake_api.calls_to("getChat")) == 1
    card = driver.card()["text"]
    assert signal_line(card) == "🔎 no photo · no username · link in bio · @mention in bio"
    assert "Bio: \u2068Crypto signals daily" in card, "the bio Telegram gave is shown for a direct request too"


async def test_premium_with_photo_and_username_says_only_premium(driver, fake_api, db):
    star = fake_api.user(5003, "Grace", "Hopper", username="grace", is_premium=True)
    await driver.send(star, "/start")
    await answer_all(driver, star)
    assert db["people"].get(5003)["is_premium"] == 1
    assert get_signals(db, 1)["has_photo"] == 1
    assert signal_line(driver.card()["text"]) == "🔎 Premium"


async def test_failed_and_timed_out_profile_calls_are_unknown_not_suspicious(driver, fake_api, db, stranger):
    fake_api.fail_next("getChat", kind="timeout")
    await driver.send(stranger, "/start")
    assert len(fake_api.calls_to("getChat")) == 1, "never retried: at most one call per person"
    row = get_signals(db, 1)
    assert (row["profile"], row["has_photo"], row["bio"]) == ("gathered", None, None)
    await answer_all(driver, stranger)
    card = driver.card()["text"]
    assert signal_line(card) == "🔎 photo unknown" and "no photo" not in card
    assert "Suggest: accept" in card


async def test_a_raid_skips_the_profile_calls_and_the_card_says_unknown(make_app, settings, db, fake_api, owner):
    app = await make_app(replace(settings, raid_threshold=2), db)
    driver = Driver(app, fake_api)
    fake_api.private_message(owner, "/start")
    fake_api.add_chat(GROUP, "Rust Embedded")
    people = [fake_api.user(6000 + n, f"Bot{n}", photos=0) for n in range(5)]
    for person in people:
        await driver.feed(fake_api.join_request(person, GROUP))
    asked = [c["chat_id"] for c in fake_api.calls_to("getChat")]
    assert asked == [6000, 6001], "from the third request in a minute on, no profile call"
    assert [get_signals(db, r["id"])["profile"] for r in requests(db)] == ["gathered"] * 2 + ["raid"] * 3
    line = signal_line(render_card(deps_of(app), get_request(db, 5)))
    assert "profile unknown (raid)" in line and "no photo" not in line
    await app.shutdown()


async def test_a_new_account_is_said_as_an_estimate(driver, fake_api, db):
    newcomer = fake_api.user(9_500_000_000, "Nova", username="nova_new")
    await driver.send(newcomer, "/start")
    await answer_all(driver, newcomer)
    assert signal_line(driver.card()["text"]) == "🔎 account probably < 1 month"


async def test_a_long_answer_within_seconds_looks_pasted(driver, fake_api, db, stranger, clock):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger, why=LONG)
    assert "long answer in seconds (pasted?)" in signal_line(driver.card()["text"])


async def test_a_long_answer_typed_over_minutes_does_not(driver, fake_api, db, stranger, clock):
    await driver.send(stranger, "/start")
    question = driver.last(stranger["id"])
    await driver.press(stranger, stranger["id"], question["message_id"], driver.button(question, "v1:pick:"))
    await driver.send(stranger, "at PyCon 2025, your Rust talk")
    clock.advance(minutes=2)
    await driver.send(stranger, LONG)
    await driver.answer_followup(stranger)
    assert signal_line(driver.card()["text"]) == ""


async def test_edited_answers_are_counted(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start")
    question = driver.last(stranger["id"])
    await driver.press(stranger, stranger["id"], question["message_id"], driver.button(question, "v1:pick:"))
    sent = await driver.send(stranger, "at PyCon 2025")
    await driver.feed(fake_api.edit_private_message(stranger, sent["message"]["message_id"],
                                                    "at PyCon 2025, your Rust talk"))
    await driver.send(stranger, "I'd like feedback on my parser")
    await driver.answer_followup(stranger)
    assert [r["text"] for r in db.query("select text from answers where edited = 1")] == [
        "at PyCon 2025, your Rust talk"]
    assert signal_line(driver.card()["text"]) == "🔎 edited an answer"


async def test_requests_to_several_places_in_a_day(driver, fake_api, db, stranger, clock):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(fake_api.join_request(stranger, GROUP))
    await answer_all(driver, stranger)
    clock.advance(hours=3)
    await driver.send(stranger, "/start")
    [join, direct] = requests(db)
    assert (join["kind"], direct["kind"]) == ("join", "direct")
    assert "asked 2 places in a day" in signal_line(render_card(deps_of(driver.app), get_request(db, direct["id"])))
    redraws = [c for c in fake_api.calls_to("editMessageText") if c["message_id"] == join["card_message_id"]]
    assert redraws and "asked 2 places in a day" in signal_line(redraws[-1]["text"]), \
        "the card already sent for the first request is redrawn with the new signal"


async def test_earlier_declined_request_shows(driver, fake_api, db, stranger, owner, clock):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(fake_api.join_request(stranger, GROUP))
    await answer_all(driver, stranger)
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:decline:1")
    assert requests(db)[0]["status"] == "declined"
    clock.advance(days=3)
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    assert signal_line(driver.card()["text"]) == "🔎 declined before"


async def test_a_throwaway_looking_account_turns_accept_into_ask_and_unknown_changes_nothing(driver, fake_api, db):
    fresh = fake_api.user(9_500_000_001, "Fresh", photos=0)
    await driver.send(fresh, "/start")
    await answer_all(driver, fresh)
    card = driver.card()["text"]
    assert signal_line(card) == "🔎 no photo · no username · account probably < 1 month"
    assert "Suggest: ask — good answers, doubtful account: account probably < 1 month, no photo, no username" in card
    assessment = db["assessments"].get(1)
    assert assessment["action"] == "ask" and "signals" in assessment["evidence"]

    unknown = fake_api.user(5009, "Quiet")  # no username, but the profile call fails: photo unknown
    fake_api.fail_next("getChat", error_code=500)
    await driver.send(unknown, "/start")
    await answer_all(driver, unknown)
    card = driver.card()["text"]
    assert signal_line(card) == "🔎 no username · photo unknown"
    assert "Suggest: accept" in card


async def test_hostile_names_and_bios_stay_escaped_and_bounded_on_the_card(driver, fake_api, db):
    name = "<b>Free</b> \u202eeno\u202c https://spam.example.com 🤑🤑🤑"
    bio = "<script>alert(1)</script> & \u202e" + "x" * 5000 + " t.me/spam"
    hostile = fake_api.user(5010, name, "</i>" * 20, photos=0, bio=bio)
    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(fake_api.join_request(hostile, GROUP, bio=bio))
    await answer_all(driver, hostile)
    card = driver.card()["text"]  # fakegram parsed it as strict Telegram HTML: it arrived, so it is valid
    line = signal_line(card)
    assert line == "🔎 no photo · no username · link in name · many emoji in name · link in bio"
    assert "<script>" in card and "&lt;script&gt;" not in card, "shown literally, as text"
    sent = fake_api.calls_to("sendMessage")[-1]["text"]
    assert "&lt;script&gt;" in sent and "<script>" not in sent, "escaped on the wire"
    assert "x" * 400 not in card and len(card) <= 4096, "the bio is bounded"
    assert "\u202e" not in line, "the signal line quotes nothing they wrote"


async def test_known_people_let_in_without_questions_are_not_looked_up(driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.send(stranger, "/start")
    await driver.send(owner, f"/allow {stranger['id']}")
    assert db["people"].get(stranger["id"])["standing"] == "allowed"
    fake_api.reset_calls()
    await driver.feed(fake_api.join_request(stranger, GROUP))
    assert fake_api.calls_to("approveChatJoinRequest") == [{"chat_id": GROUP, "user_id": stranger["id"]}]
    assert fake_api.calls_to("getUserProfilePhotos") == [] and fake_api.calls_to("getChat") == []
