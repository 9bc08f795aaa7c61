"""Very long names, titles, bios and link names: every message still fits in 4096, and a send Telegram refuses as
too long is shortened and sent once more, never retried forever."""

import logging

import pytest
from helpers.flows import answer_all, requests
from helpers.world import OWNER
from telegram.error import BadRequest

from bot.core.text import shorten_html, visible_length
from bot.flow.upkeep import run_upkeep
from bot.jobs import deps_of
from bot.telegram.outbox import edit
from fakegram.html_check import parse_html

GROUP = -1007777777777
LIMIT = 4096


def long(word: str, size: int = 5000) -> str:
    """`word` repeated to `size` characters, as a raw update may carry (Telegram itself allows 64 or 128)."""
    return (word * (size // len(word) + 1))[:size]


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def refused(api) -> list:
    return [c for c in api.calls if not c.ok]


async def test_a_5000_character_name_title_bio_and_link_name_fit_every_message(driver, fake_api, db, owner, caplog):
    fake_api.add_chat(GROUP, long("Rustaceans "))
    await driver.feed(fake_api.my_chat_member(GROUP, owner, "administrator"))
    assert "I now screen join requests for Rustaceans Rustaceans" in driver.last(OWNER)["text"]
    zed = fake_api.user(5020, long("Alexandra "), long("Montgomery "), username=long("alexandra_"),
                        language_code=long("en-"))
    link = {"invite_link": "https://t.me/+long", "creator": owner, "creates_join_request": True,
            "is_primary": False, "is_revoked": False, "name": long("conference_")}
    await driver.feed(fake_api.join_request(zed, GROUP, bio=long("Firmware developer. "), invite_link=link))
    greeting = driver.last(zed["id"])["text"]
    assert greeting.startswith("Hi Alexandra Alexandra") and "Thanks for asking to join Rustaceans" in greeting
    await driver.send(zed, "Your talk at RustConf 2025 about async drivers")
    await driver.send(zed, "I build embedded Rust and want to learn from the group")
    await driver.answer_followup(zed)

    [request] = requests(db)
    assert request["status"] == "pending" and request["card_message_id"] is not None
    card = driver.card()["text"]
    for shown in ("Alexandra Alexandra", "Montgomery", "alexandra_alexandra_", "conference_conference_",
                  "Firmware developer. Firmware", "Rustaceans Rustaceans"):
        assert shown in card
    assert "Your talk at RustConf 2025 about async drivers" in card
    assert len(card) <= LIMIT and card.count("…") >= 5, "each long field is cut, not the answers"
    assert db["people"].get(5020)["first_name"] == long("Alexandra "), "stored whole, shortened where shown"

    for command in ("/pending", "/history 5020", "/allow 5020", "/people"):
        await driver.send(owner, command)
        reply = driver.last(OWNER)["text"]
        assert "Alexandra Alexandra" in reply and len(reply) <= 1000, command
    await driver.send(owner, "/chats")
    assert "Rustaceans Rustaceans" in driver.last(OWNER)["text"] and len(driver.last(OWNER)["text"]) <= 1000

    sent = len(fake_api.calls_to("sendMessage"))
    await run_upkeep(deps_of(driver.app), driver.app.bot)
    assert len(fake_api.calls_to("sendMessage")) == sent, "nothing left due: the minute sweep sends nothing"
    assert refused(fake_api) == [] and errors(caplog) == []


async def test_a_long_business_owner_name_fits_the_greeting(driver, fake_api, db, stranger, caplog):
    owner = fake_api.user(OWNER, long("Olga "), long("Owner "), username="olga")
    await driver.feed(fake_api.business_connection("biz-long", owner))
    await driver.feed(fake_api.business_message("biz-long", stranger, stranger, "Hi, about your book"))
    greeting = fake_api.sent_to(stranger["id"], "biz-long")[-1]["text"]
    assert greeting.startswith("Hi Ada! I'm Olga Olga") and len(greeting) <= 1000
    assert refused(fake_api) == [] and errors(caplog) == []


async def test_a_send_refused_as_too_long_is_shortened_and_sent_once_more(driver, fake_api, db, stranger, owner,
                                                                          caplog):
    await driver.send(stranger, "/start")
    await driver.send(stranger, "We met at PyCon US 2025 in Pittsburgh")
    await driver.send(stranger, "You asked me to send the JIT benchmark numbers")
    await driver.answer_followup(stranger)
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:ask:"))
    question = long("Which benchmark & which <machine> exactly? ", 4090)
    await driver.send(owner, question)

    [first, second] = [c for c in fake_api.calls if c.method == "sendMessage" and c.params["chat_id"] == stranger["id"]
                       and "One more question" in c.params["text"]]
    assert not first.ok and "message is too long" in first.error["description"]
    assert second.ok and LIMIT - 50 < len(second.result["text"]) <= LIMIT and second.result["text"].endswith("…")
    assert second.params["text"].endswith("…</b>"), "the cut text keeps its tags closed"
    assert "Asked. The reply will appear on card #1." in driver.last(OWNER)["text"]
    assert [f["origin"] for f in db.query("select * from followups where origin = 'owner'")] == ["owner"]
    assert errors(caplog) == []
    assert any("too long" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


async def test_an_edit_refused_as_too_long_is_shortened_and_a_refusal_for_another_reason_is_not_repeated(
        driver, fake_api, owner):
    bot = driver.app.bot
    message = await bot.send_message(OWNER, "<i>" + long("é &amp; &lt;ß&gt; ", 12600) + "</i>")
    assert LIMIT - 10 < len(message.text) <= LIMIT and message.text.endswith("…")
    assert await edit(bot, OWNER, message.message_id, "<b>" + long("🦀 Ferris ", 5000) + "</b>")
    edited = fake_api.sent_to(OWNER)[-1]
    assert edited["edited"] and len(edited["text"].encode("utf-16-le")) // 2 <= LIMIT
    assert [c.ok for c in fake_api.calls if c.method in ("sendMessage", "editMessageText")] == [False, True,
                                                                                               False, True]
    fake_api.reset_calls()
    with pytest.raises(BadRequest, match="(?i)chat not found"):  # not a length problem: no second try
        await bot.send_message(-42, "Hello")
    assert len(fake_api.calls_to("sendMessage")) == 1


def test_shortened_html_keeps_entities_whole_closes_its_tags_and_counts_utf16():
    html = '<b>Hi <a href="tg://user?id=1">' + "🦀&amp;" * 3000 + "</a></b> tail"
    cut = shorten_html(html, 100)
    assert cut.endswith("…</a></b>") and visible_length(cut) <= 100
    assert cut.removesuffix("…</a></b>").endswith(("🦀", "&amp;"))
    assert shorten_html("<i>short</i>", 100) == "<i>short</i>"


def attempts_to(api, chat_id: int) -> list:
    return [c for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == chat_id]


async def test_a_refusal_for_length_of_a_text_that_fits_by_our_count_is_cut_well_below(driver, fake_api, stranger):
    fake_api.fail_next("sendMessage", description="Bad Request: message is too long",
                       when=lambda params: params.get("chat_id") == stranger["id"])
    await driver.send(stranger, "/start")
    first, second = attempts_to(fake_api, stranger["id"])
    assert not first.ok and second.ok
    shown = second.result["text"]
    assert shown.startswith("Hi Ada!") and shown.endswith("…")
    assert len(shown) <= visible_length(first.params["text"]) // 2, "aimed well below what Telegram refused"
    await driver.send(stranger, "We met at PyCon US 2025 in Pittsburgh")
    assert "Why would you like to connect?" in driver.last(stranger["id"])["text"], "the conversation goes on"


async def test_a_send_refused_for_length_twice_is_not_tried_a_third_time(driver, fake_api, stranger, caplog):
    fake_api.fail_next("sendMessage", description="Bad Request: message is too long", times=5,
                       when=lambda params: params.get("chat_id") == stranger["id"])
    await driver.send(stranger, "/start")
    assert [c.ok for c in attempts_to(fake_api, stranger["id"])] == [False, False]
    assert any("too long" in message.lower() for message in errors(caplog))


async def test_a_card_edit_refused_as_message_too_long_is_shortened_once(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card()
    fake_api.fail_next("editMessageText", description="Bad Request: MESSAGE_TOO_LONG")
    await driver.press(owner, OWNER, card["message_id"], "v1:accept:1")
    first, second = [c for c in fake_api.calls if c.method == "editMessageText" and c.params["chat_id"] == OWNER]
    assert not first.ok and second.ok and len(second.params["text"]) < len(first.params["text"])
    edited = driver.card()
    assert edited["message_id"] == card["message_id"] and "Accepted" in edited["text"]
    assert requests(db)[0]["status"] == "accepted"


SAMPLE = ('<b>Ada &amp; «Bob»</b> wrote <a href="tg://user?id=1">😀 a link &lt;x&gt;</a>\n'
          '<i>and <code>some code</code> after</i> <blockquote expandable>quoted 🦀</blockquote> — the end')


def test_shortened_html_is_valid_telegram_html_at_every_cut():
    for limit in range(1, visible_length(SAMPLE) + 2):
        cut = shorten_html(SAMPLE, limit)
        assert visible_length(cut) <= limit, limit
        parse_html(cut)  # raises on an unclosed tag or a split entity, as Telegram would refuse them
        assert cut == SAMPLE if visible_length(SAMPLE) <= limit else cut.count("…") == 1
