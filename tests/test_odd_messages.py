"""Messages that are not plain text: a nudge for text — never silence, never an error."""

import logging

from helpers.flows import requests

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

