"""Very long names, titles, bios and link names: every message still fits in 4096."""

import logging

from helpers.flows import requests
from helpers.world import OWNER

from bot.flow.upkeep import run_upkeep
from bot.jobs import deps_of

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
    assert greeting.startswith("Hi Ada, this is Olga Olga") and len(greeting) <= 1000
    assert refused(fake_api) == [] and errors(caplog) == []

