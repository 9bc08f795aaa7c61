"""Callback data is ASCII digits and ids that fit SQLite's INTEGER; anything else pressed is out of date."""

import pytest
from helpers.flows import answer_all, requests
from helpers.world import OWNER

from bot.core.callbacks import MAX_ID, Callback, decode, pattern
from db.answers import list_answers

FULL_WIDTH_ONE = "\uff11"  # "１"
TOO_BIG = "1" * 26  # over SQLite's signed 64-bit INTEGER


async def test_a_full_width_or_oversized_id_on_a_decision_button_is_out_of_date(driver, fake_api, db, stranger,
                                                                                 owner, caplog):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card()
    told, edits = len(fake_api.sent_to(stranger["id"])), len(fake_api.calls_to("editMessageText"))
    for data in (f"v1:accept:{FULL_WIDTH_ONE}", f"v1:block:{TOO_BIG}", f"v1:decline:{MAX_ID + 1}",
                 f"v1:later:{FULL_WIDTH_ONE}"):
        await driver.feed(fake_api.press_button(owner, OWNER, card["message_id"], data, check_buttons=False))
        alert = fake_api.calls_to("answerCallbackQuery")[-1]
        assert alert["show_alert"] is True and "This button is out of date" in alert["text"], data
    assert requests(db)[0]["status"] == "pending" and requests(db)[0]["snoozed_until"] is None
    assert db["people"].get(stranger["id"])["standing"] == "unknown"
    assert len(fake_api.calls_to("editMessageText")) == edits and len(fake_api.sent_to(stranger["id"])) == told
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_full_width_id_on_a_quick_reply_is_out_of_date(driver, fake_api, db, stranger):
    await driver.send(stranger, "/start")
    question = driver.last(stranger["id"])
    for data in (f"v1:pick:{FULL_WIDTH_ONE}:how.met", f"v1:pick:{TOO_BIG}:how.met"):
        await driver.feed(fake_api.press_button(stranger, stranger["id"], question["message_id"], data,
                                                check_buttons=False))
        alert = fake_api.calls_to("answerCallbackQuery")[-1]
        assert alert["show_alert"] is True and "This button is out of date" in alert["text"], data
    assert list_answers(db, 1) == {}
    assert driver.last(stranger["id"])["message_id"] == question["message_id"], "nothing new was asked"


@pytest.mark.parametrize("data", [f"v1:accept:{FULL_WIDTH_ONE}", "v1:accept:\u0663", "v1:accept:\u00b9",
                                  f"v1:accept:{TOO_BIG}", f"v1:accept:{MAX_ID + 1}", "v1:accept:-1", "v1:accept:+1",
                                  "v1:accept: 1", "v1:accept:1 ", "v1:accept:", "v1:pick:1:how.m\u00e9t"])
def test_decode_and_the_handler_pattern_refuse_anything_but_bounded_ascii_ids(data):
    assert decode(data) is None
    assert not pattern("accept", "pick")(data)


def test_the_largest_id_still_decodes_and_matches():
    data = Callback("accept", MAX_ID).encode()
    assert decode(data) == Callback("accept", MAX_ID) and pattern("accept")(data)
    assert not pattern("decline")(data)
    with pytest.raises(ValueError):
        Callback("accept", MAX_ID + 1).encode()
