"""The real process: `python -m bot` polls the served fake Bot API through a whole conversation."""

import re
import sqlite3

from helpers.process import start_bot, stop_bot, wait_for
from helpers.world import OWNER


def answer_followup_if_asked(api, user, text):
    """The bot may ask one automatic follow-up after the last answer; answer it if it does."""
    last = wait_for(lambda: [m for m in api.sent_to(user["id"]) if "One more thing" in m["text"]
                             or "Thank you" in m["text"]], "the follow-up or the thanks")[-1]
    if "One more thing" in last["text"]:
        api.private_message(user, text)


def test_python_m_bot_screens_a_request_from_start_to_accept(fake_api, tmp_path):
    server = fake_api.serve()
    owner = fake_api.user(OWNER, "Olga")
    stranger = fake_api.user(7001, "Sam", username="sam")
    db_path = tmp_path / "doorman.db"
    # A short undo window: the decision is carried out by the JobQueue's one-off job in the real process.
    bot = start_bot(server.base_url, db_path, tmp_path, UNDO_WINDOW="1s")
    try:
        fake_api.private_message(owner, "/start")
        wait_for(lambda: fake_api.sent_to(OWNER), "the bot to answer the owner's /start")
        fake_api.private_message(stranger, "/start conf-talk")
        question = wait_for(lambda: fake_api.sent_to(7001), "the first question")[-1]
        assert "How did you find me?" in question["text"]
        fake_api.press_button(stranger, 7001, question["message_id"], "v1:pick:1:how.met")
        wait_for(lambda: "tell me a bit more" in fake_api.sent_to(7001)[-1]["text"], "the follow-up")
        fake_api.private_message(stranger, "At your talk in Porto on type checkers")
        wait_for(lambda: "Why would you like" in fake_api.sent_to(7001)[-1]["text"], "the second question")
        fake_api.private_message(stranger, "I'd like to contribute to your checker")
        answer_followup_if_asked(fake_api, stranger, "We talked after your Porto talk about gradual typing")
        card = wait_for(lambda: [m for m in fake_api.sent_to(OWNER) if m.get("reply_markup")], "the card")[-1]
        assert "conf-talk" in card["text"] and "At your talk in Porto" in card["text"]
        fake_api.press_button(owner, OWNER, card["message_id"], "v1:accept:1")
        wait_for(lambda: "accepted" in fake_api.sent_to(7001)[-1]["text"], "the accept message")
        wait_for(lambda: "Accepted" in fake_api.sent_to(OWNER)[-1]["text"]
                 and not fake_api.sent_to(OWNER)[-1].get("reply_markup"), "the card's final state")
    finally:
        output = stop_bot(bot)
        server.close()
    assert "123456:TEST-TOKEN" not in output and "TEST-TOKEN" not in output, "the token never reaches a log"
    assert "Traceback" not in output, output
    # What the bot built at start is kept out of the garbage collector's full passes (held the loop 50-70 ms in a raid).
    kept = re.search(r"started: (\d+) objects kept out of garbage collection", output)
    assert kept and int(kept.group(1)) > 10_000, output
    with sqlite3.connect(db_path) as conn:
        row = conn.execute("select status, source, decided_by from requests").fetchone()
    assert row == ("accepted", "conf-talk", OWNER)
    allowed = fake_api.allowed_updates_seen[-1]
    assert {"message", "callback_query", "chat_join_request", "my_chat_member", "business_message"} <= set(allowed)


def test_python_m_bot_screens_a_join_request_from_update_to_approval(fake_api, tmp_path):
    server = fake_api.serve()
    owner = fake_api.user(OWNER, "Olga")
    stranger = fake_api.user(7002, "Kim")
    fake_api.add_chat(-100555, "Private Channel", type="channel", owner=owner)
    db_path = tmp_path / "doorman.db"
    # A short undo window: the decision is carried out by the JobQueue's one-off job in the real process.
    bot = start_bot(server.base_url, db_path, tmp_path, UNDO_WINDOW="1s")
    try:
        fake_api.private_message(owner, "/start")
        wait_for(lambda: fake_api.sent_to(OWNER), "the bot to answer the owner's /start")
        fake_api.join_request(stranger, -100555, bio="I write about sensors")
        wait_for(lambda: "Private Channel" in (fake_api.sent_to(7002) or [{"text": ""}])[-1]["text"],
                 "the greeting within the join window")
        fake_api.private_message(stranger, "Your post about LoRa gateways on Hacker News")
        wait_for(lambda: "Why would you like" in fake_api.sent_to(7002)[-1]["text"], "the second question")
        fake_api.private_message(stranger, "I run a LoRa meetup and want to share notes")
        answer_followup_if_asked(fake_api, stranger, "We met at the LoRa meetup in Delft last spring")
        card = wait_for(lambda: [m for m in fake_api.sent_to(OWNER) if m.get("reply_markup")], "the card")[-1]
        assert "Private Channel" in card["text"] and "I write about sensors" in card["text"]
        fake_api.press_button(owner, OWNER, card["message_id"], "v1:accept:1")
        wait_for(lambda: fake_api.calls_to("approveChatJoinRequest"), "the approval")
        wait_for(lambda: "Approved" in fake_api.sent_to(OWNER)[-1]["text"]
                 and not fake_api.sent_to(OWNER)[-1].get("reply_markup"), "the card's final state")
    finally:
        output = stop_bot(bot)
        server.close()
    assert "Traceback" not in output, output
    assert 7002 in fake_api.chats[-100555]["members"]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select kind, status from requests").fetchone() == ("join", "accepted")
