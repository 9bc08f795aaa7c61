"""A Bot API answer that is not JSON (HTTP 200, body cut short) is transient: the call is tried again."""

import pytest
from helpers.flows import requests
from telegram.error import TimedOut

from bot.app import build_application
from bot.telegram.retry import at_most_once


def sends_to(api, chat_id: int) -> list:
    return [c for c in api.calls if c.method == "sendMessage" and c.params.get("chat_id") == chat_id]


async def test_a_garbled_answer_to_the_first_question_is_retried(driver, fake_api, db, stranger):
    fake_api.fail_next("sendMessage", kind="truncated", when=lambda p: p.get("chat_id") == stranger["id"])
    await driver.send(stranger, "/start")
    questions = [m for m in fake_api.sent_to(stranger["id"]) if "How did you find me?" in m["text"]]
    # This fault never reached Telegram, so one retry delivers the question once. Had Telegram acted before the
    # answer was garbled, the retry would send a second copy: the documented price of never losing a question.
    assert len(questions) == 1
    assert [c.ok for c in sends_to(fake_api, stranger["id"])] == [False, True], "retried once"
    [request] = requests(db)
    assert (request["user_id"], request["status"], request["unreachable"]) == (stranger["id"], "asking", None)


async def test_a_garbled_answer_inside_at_most_once_is_not_retried(settings, db, fake_api, clock, stranger):
    fake_api.private_message(stranger, "hi")
    app = build_application(settings, db=db, clock=clock, transport=fake_api.transport, backoff=0.01)
    await app.initialize()
    fake_api.fail_next("sendMessage", kind="truncated")
    # Telegram answered 200, so the send may have taken effect: for at-most-once sends it is an unknown outcome.
    with pytest.raises(TimedOut), at_most_once():
        await app.bot.send_message(stranger["id"], "only once")
    assert len(sends_to(fake_api, stranger["id"])) == 1
    await app.shutdown()
