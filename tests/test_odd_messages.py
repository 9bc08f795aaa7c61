"""Messages that are not plain text, or come from no one: a nudge for text, or nothing at all — never an error."""

import logging

from helpers.flows import requests
from helpers.world import OWNER

from db.answers import list_answers


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_poll_or_a_dice_as_an_answer_is_asked_for_text(driver, fake_api, db, stranger, caplog):
    await driver.send(stranger, "/start")
    question = len(fake_api.sent_to(stranger["id"]))
    await driver.send(stranger, poll=True)
    assert "please answer in a few words" in driver.last(stranger["id"])["text"]
    await driver.send(stranger, dice=True)
    assert "please answer in a few words" in driver.last(stranger["id"])["text"]
    assert len(fake_api.sent_to(stranger["id"])) == question + 2
    assert list_answers(db, 1) == {}
    await driver.send(stranger, "We met at PyCon US 2025 in Pittsburgh")
    assert "Why would you like to connect?" in driver.last(stranger["id"])["text"]
    assert errors(caplog) == []


async def test_a_poll_as_a_first_message_opens_a_request_without_a_note(driver, fake_api, db, stranger):
    await driver.send(stranger, poll=True)
    [request] = requests(db)
    assert request["opening_note"] is None and request["opening_message_id"] is None
    assert "How did you find me?" in driver.last(stranger["id"])["text"]


def without_sender(update: dict) -> dict:
    """The same update as Telegram might send it for a message with no `from` (a raw JSON edge case)."""
    message = next(value for key, value in update.items() if key != "update_id")
    message.pop("from")
    return update


async def test_a_private_message_without_from_is_ignored_cleanly(driver, fake_api, db, stranger, caplog):
    await driver.feed(without_sender(fake_api.private_message(stranger, "/start")))
    await driver.feed(without_sender(fake_api.private_message(stranger, "hello, anyone there?")))
    await driver.feed(without_sender(fake_api.private_message(stranger, poll=True)))
    await driver.feed(without_sender(fake_api.private_message(stranger, "/pending")))
    sent = await driver.send(stranger, "/start")
    await driver.feed(without_sender(fake_api.edit_private_message(stranger, sent["message"]["message_id"],
                                                                   "/start again")))
    assert errors(caplog) == []
    assert len(requests(db)) == 1 and len(fake_api.sent_to(stranger["id"])) == 1
    handled = {row["update_id"] for row in db.query("select update_id from processed_updates")}
    assert len(handled) == 6, "each update is recorded as handled"
    assert fake_api.sent_to(OWNER) == []
