"""Join requests: ask within the 5-minute window, continue in private, approve/decline, errors, deadlines."""

import asyncio
from dataclasses import replace

import pytest
from helpers.world import OWNER, REVIEWER, Driver

from bot.flow.upkeep import handle_overdue
from bot.jobs import deps_of, on_start
from db.answers import list_answers

GROUP = -1001234567890


def requests(db):
    return list(db.query("select * from requests order by id"))


def calls(api, *methods):
    return [c.method for c in api.calls if c.method in methods]


async def ask_to_join(driver, api, user, *, bio=None, link=None):
    await driver.feed(api.join_request(user, GROUP, bio=bio, invite_link=link))


async def answer(driver, user):
    await driver.send(user, "Your talk at RustConf about async drivers")
    await driver.send(user, "I build embedded Rust and want to learn from the group")
    await driver.answer_followup(user)


async def test_bot_made_admin_tells_the_owner_what_it_screens_or_lacks(driver, fake_api, db, owner):
    fake_api.add_chat(GROUP, "Rust <Embedded> & Co", bot_status="member", can_invite_users=False)
    await driver.feed(fake_api.my_chat_member(GROUP, owner, "administrator", can_invite_users=False))
    assert "lack the right Invite users via link" in driver.last(OWNER)["text"]
    assert "Rust <Embedded> & Co" in driver.last(OWNER)["text"]
    await driver.feed(fake_api.my_chat_member(GROUP, owner, "administrator", can_invite_users=True))
    assert "I now screen join requests for Rust <Embedded> & Co" in driver.last(OWNER)["text"]
    chat = db["chats"].get(GROUP)
    assert (chat["bot_status"], chat["can_invite_users"]) == ("administrator", 1)


async def test_join_request_is_asked_at_once_then_continues_in_private_and_is_approved(driver, fake_api, db,
                                                                                       stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(fake_api.my_chat_member(GROUP, owner, "administrator"))
    await driver.send(owner, "/links rustconf")
    link_text = driver.last(OWNER)["text"]
    url = next(word for word in link_text.split() if word.startswith("https://t.me/+"))
    assert fake_api.calls_to("createChatInviteLink")[-1]["creates_join_request"] is True

    await ask_to_join(driver, fake_api, stranger, bio="Firmware <dev> & climber", link=url)
    first = driver.last(stranger["id"])
    assert "Thanks for asking to join Rust Embedded" in first["text"]
    assert "How did you find Rust Embedded?" in first["text"], "a join request asks about the chat, not the owner"
    assert not fake_api.sent_to(OWNER)[-1].get("reply_markup"), "no card before the answers"
    await answer(driver, stranger)

    [request] = requests(db)
    assert (request["kind"], request["status"], request["source"]) == ("join", "pending", "rustconf")
    assert request["target_chat_id"] == GROUP and request["bio"] == "Firmware <dev> & climber"
    card = driver.card()
    for expected in ("Join request to \u2068Rust Embedded\u2069", "rustconf", "Firmware <dev> & climber",
                     "Your talk at RustConf"):
        assert expected in card["text"]
    assert driver.button(card, "v1:accept:1")
    assert card["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ Approve"

    await driver.press(owner, OWNER, card["message_id"], "v1:accept:1")
    assert fake_api.calls_to("approveChatJoinRequest") == [{"chat_id": GROUP, "user_id": stranger["id"]}]
    assert stranger["id"] in fake_api.chats[GROUP]["members"]
    assert requests(db)[0]["status"] == "accepted"
    assert "your request was accepted — welcome to Rust Embedded" in driver.last(stranger["id"])["text"]
    decided = fake_api.sent_to(OWNER)[-1]["text"]
    assert "✅ Approved" in decided and "Accepted" not in decided, "a join request is approved, not accepted"
    assert fake_api.calls_to("answerCallbackQuery")[-1]["text"] == "Done: Approved."


async def test_decline_tells_the_requester_first_then_declines(driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await ask_to_join(driver, fake_api, stranger)
    await answer(driver, stranger)
    fake_api.reset_calls()
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:decline:1")
    order = [(c.method, c.params.get("chat_id")) for c in fake_api.calls
             if c.method in ("sendMessage", "declineChatJoinRequest")]
    assert order[:2] == [("sendMessage", stranger["id"]), ("declineChatJoinRequest", GROUP)]
    assert requests(db)[0]["status"] == "declined"


async def test_handled_elsewhere_is_shown_and_not_retried(driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await ask_to_join(driver, fake_api, stranger)
    await answer(driver, stranger)
    fake_api.resolve_join_request(stranger, GROUP, approve=False)  # withdrawn, or another admin declined
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:accept:1")
    assert len(fake_api.calls_to("approveChatJoinRequest")) == 1
    request = requests(db)[0]
    assert request["status"] == "withdrawn" and request["decision_note"] == "handled elsewhere or withdrawn"
    card = fake_api.sent_to(OWNER)[-1]
    assert "Handled elsewhere" in card["text"] and not card.get("reply_markup")


async def test_already_a_member_counts_as_approved(driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await ask_to_join(driver, fake_api, stranger)
    await answer(driver, stranger)
    fake_api.fail_next("approveChatJoinRequest", error_code=400, description="Bad Request: USER_ALREADY_PARTICIPANT")
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:accept:1")
    request = requests(db)[0]
    assert request["status"] == "accepted" and request["decision_note"] == "they were already a member"


async def test_unreachable_requester_card_goes_out_at_once_and_approve_works(driver, fake_api, db, stranger,
                                                                             owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    fake_api.fail_next("sendMessage", error_code=403,
                       description="Forbidden: bot can't initiate conversation with a user",
                       when=lambda p: p.get("chat_id") == stranger["id"])
    await ask_to_join(driver, fake_api, stranger)
    card = driver.card()
    assert "Could not reach the requester: bot can't initiate conversation with a user" in card["text"]
    assert requests(db)[0]["status"] == "pending"
    await driver.press(owner, OWNER, card["message_id"], "v1:accept:1")
    assert requests(db)[0]["status"] == "accepted"
    assert len(fake_api.calls_to("approveChatJoinRequest")) == 1


async def test_repeat_while_open_is_one_request_and_after_a_decline_a_new_one_with_history(driver, fake_api, db,
                                                                                           stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await ask_to_join(driver, fake_api, stranger)
    await ask_to_join(driver, fake_api, stranger)
    assert len(requests(db)) == 1
    assert "How did you find Rust Embedded?" in driver.last(stranger["id"])["text"], "the question is asked again"
    await answer(driver, stranger)
    await ask_to_join(driver, fake_api, stranger)
    assert len(requests(db)) == 1
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:decline:1")
    await ask_to_join(driver, fake_api, stranger)
    assert len(requests(db)) == 2
    await answer(driver, stranger)
    assert "Earlier requests:" in driver.card()["text"] and "#1 2026-11-23 09:00 — declined" in driver.card()["text"]


async def test_a_blocked_person_is_declined_automatically(driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await ask_to_join(driver, fake_api, stranger)
    await answer(driver, stranger)
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:block:1")
    assert calls(fake_api, "declineChatJoinRequest") == ["declineChatJoinRequest"]
    sent_before = len(fake_api.sent_to(stranger["id"]))
    await ask_to_join(driver, fake_api, stranger)
    assert calls(fake_api, "declineChatJoinRequest") == ["declineChatJoinRequest"] * 2
    assert len(fake_api.sent_to(stranger["id"])) == sent_before and len(requests(db)) == 1


async def test_losing_admin_rights_tells_the_owner_and_marks_open_cards(driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(fake_api.my_chat_member(GROUP, owner, "administrator"))
    await ask_to_join(driver, fake_api, stranger)
    await answer(driver, stranger)
    card_id = driver.card()["message_id"]
    await driver.feed(fake_api.my_chat_member(GROUP, owner, "left"))
    messages = fake_api.sent_to(OWNER)
    assert any("I am no longer an admin in Rust Embedded; 1 open join request" in m["text"] for m in messages)
    card = next(m for m in messages if m["message_id"] == card_id)
    assert "I am no longer an admin there" in card["text"] and card.get("reply_markup")
    await driver.send(owner, "/chats")
    assert "Rust Embedded" in driver.last(OWNER)["text"] and "1 waiting for you" in driver.last(OWNER)["text"]


async def test_two_reviewers_at_once_approve_once(driver, fake_api, db, stranger, owner, reviewer):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await ask_to_join(driver, fake_api, stranger)
    await answer(driver, stranger)
    card = driver.card()
    await asyncio.gather(
        driver.feed(fake_api.press_button(owner, OWNER, card["message_id"], "v1:accept:1")),
        driver.feed(fake_api.press_button(reviewer, OWNER, card["message_id"], "v1:decline:1")))
    assert len(calls(fake_api, "approveChatJoinRequest", "declineChatJoinRequest")) == 1
    assert requests(db)[0]["status"] in ("accepted", "declined")


async def test_no_answer_in_time_sends_the_card_and_keeps_it_for_the_owner(driver, fake_api, db, stranger, clock):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await ask_to_join(driver, fake_api, stranger)
    clock.advance(hours=23)
    assert await handle_overdue(deps_of(driver.app), driver.app.bot) == 0
    clock.advance(hours=2)
    assert await handle_overdue(deps_of(driver.app), driver.app.bot) == 1
    card = driver.card()
    assert "No answers — they did not reply in time." in card["text"] and driver.button(card, "v1:accept:1")
    assert requests(db)[0]["status"] == "pending" and requests(db)[0]["timed_out_at"]
    assert await handle_overdue(deps_of(driver.app), driver.app.bot) == 0


async def test_no_answer_policy_decline(make_app, settings, db, fake_api, stranger, owner, clock):
    fake_api.private_message(owner, "/start")
    app = await make_app(replace(settings, join_timeout_policy="decline"), db)
    driver = Driver(app, fake_api)
    fake_api.add_chat(GROUP, "Rust Embedded")
    await ask_to_join(driver, fake_api, stranger)
    await driver.send(stranger, "a friend told me")  # answered one question, then went quiet
    clock.advance(hours=25)
    await handle_overdue(deps_of(app), app.bot)
    assert requests(db)[0]["status"] == "declined" and requests(db)[0]["decided_by"] == 0
    assert calls(fake_api, "declineChatJoinRequest") == ["declineChatJoinRequest"]
    assert "They stopped answering before the end." in fake_api.sent_to(OWNER)[-1]["text"]
    assert list_answers(db, 1)["how"]["text"] == "a friend told me"
    await app.shutdown()


async def test_answer_deadline_is_rearmed_after_a_restart(make_app, settings, db, fake_api, stranger, owner, clock):
    fake_api.private_message(owner, "/start")
    fake_api.add_chat(GROUP, "Rust Embedded")
    first = await make_app(settings, db)
    await Driver(first, fake_api).feed(fake_api.join_request(stranger, GROUP))
    await first.shutdown()
    clock.advance(days=2)
    second = await make_app(settings, db)
    await on_start(second)
    assert "did not reply in time" in fake_api.sent_to(OWNER)[-1]["text"]
    assert second.job_queue.get_jobs_by_name("sweep-deadlines"), "the periodic sweep is armed"
    await second.shutdown()


async def test_links_command_errors_are_explained(driver, fake_api, db, owner, stranger):
    await driver.send(owner, "/links")
    assert "Usage: /links <source> [chat id]" in driver.last(OWNER)["text"]
    await driver.send(owner, "/links newsletter")
    assert "I do not screen any chat yet" in driver.last(OWNER)["text"]
    for chat_id, title in ((GROUP, "Rust Embedded"), (-100777, "Zig")):
        fake_api.add_chat(chat_id, title)
        await driver.feed(fake_api.my_chat_member(chat_id, owner, "administrator"))
    await driver.send(owner, "/links newsletter")
    assert f"/links newsletter {GROUP}" in driver.last(OWNER)["text"]
    fake_api.set_bot_rights(-100777, "administrator", False)  # the right was removed without us noticing
    await driver.send(owner, "/links newsletter -100777")
    assert "Telegram refused to create the link" in driver.last(OWNER)["text"]
    await driver.send(stranger, "/links x")
    assert "only for the people who review requests" in driver.last(stranger["id"])["text"]
    assert REVIEWER  # reviewers other than the owner may use it too (checked in /chats below)


async def test_an_owner_who_never_pressed_start_does_not_break_chat_tracking(make_app, settings, db, fake_api,
                                                                             stranger, caplog):
    owner = fake_api.user(OWNER, "Olga")  # never opened the bot: Telegram refuses to write to her
    driver = Driver(await make_app(settings, db), fake_api)
    fake_api.add_chat(GROUP, "Rust Embedded", bot_status="member", can_invite_users=False)
    await driver.feed(fake_api.my_chat_member(GROUP, owner, "administrator"))
    assert db["chats"].get(GROUP)["bot_status"] == "administrator"
    assert "the owner must open the bot and press Start" in caplog.text
    assert db.execute("select count(*) from events where kind = 'chat_screening'").fetchone()[0] == 1
    await driver.app.shutdown()


async def test_a_join_request_whose_window_closed_is_not_asked_and_the_owner_sees_it_at_once(driver, fake_api, db,
                                                                                               stranger, clock):
    fake_api.add_chat(GROUP, "Rust Embedded")
    fake_api.now = clock().timestamp() - 6 * 60  # delivered six minutes late (the bot was down, say)
    await ask_to_join(driver, fake_api, stranger, bio="Firmware <dev> & climber")
    assert fake_api.sent_to(stranger["id"]) == [], "Telegram would refuse it: nothing is sent"
    [request] = requests(db)
    assert request["status"] == "pending" and request["unreachable"].startswith("not asked: window closed")
    card = driver.card()
    assert "not asked: window closed" in card["text"] and "Bio: \u2068Firmware <dev> & climber" in card["text"]


async def test_in_a_raid_those_whose_window_closed_are_listed_with_their_bio(make_app, settings, db, fake_api,
                                                                             owner, clock):
    from bot.flow.upkeep import run_upkeep

    fake_api.private_message(owner, "/start")
    app = await make_app(replace(settings, raid_threshold=3), db)
    driver = Driver(app, fake_api)
    fake_api.add_chat(GROUP, "Rust Embedded")
    people = [fake_api.user(50_000 + i, f"J{i}") for i in range(6)]
    try:
        for i, person in enumerate(people):
            # The last two are delivered just before their five minutes are over: no time left to ask them.
            fake_api.now = clock().timestamp() - (299 if i >= 4 else 10)
            await ask_to_join(driver, fake_api, person, bio=f"<b>bio {i}</b>")
        asked = [p for p in people if fake_api.sent_to(p["id"])]
        assert asked == people[:4], "asked in arrival order while the window was open"
        await run_upkeep(deps_of(app), app.bot)
        [batch] = [m for m in fake_api.sent_to(OWNER) if "during a rush" in m["text"]]
        assert "2 not asked: Telegram's 5-minute window" in batch["text"] and "0 suggested decline" in batch["text"]
        assert "Decline all" not in str(batch["reply_markup"]), "never asked: not declined in bulk"
        for i in (4, 5):
            assert (f"J{i}\u2069 · join · 🔎 no username · not asked: window closed · bio: \u2068<b>bio {i}</b>\u2069"
                    in batch["text"])
        rows = db.query("select user_id, unreachable from requests where unreachable is not null")
        assert sorted(r["user_id"] for r in rows) == [50_004, 50_005]
    finally:
        await app.shutdown()


@pytest.mark.parametrize("how,why,asks", [
    ("google", "I build embedded Rust drivers and want to learn from the people in the group",
     "how exactly did you come across Rust <Embedded> & Co?"),
    ("A friend told me", "I build embedded Rust drivers and want to learn from the people in the group",
     "who told you about Rust <Embedded> & Co, or invited you?"),
    ("Your talk at RustConf 2025 about async drivers", "just because",
     "what would you like from Rust <Embedded> & Co?"),
])
async def test_a_join_requesters_follow_up_asks_about_the_chat_not_about_me(driver, fake_api, db, stranger,
                                                                           how, why, asks):
    fake_api.add_chat(GROUP, "Rust <Embedded> & Co")
    await ask_to_join(driver, fake_api, stranger)
    await driver.send(stranger, how)
    await driver.send(stranger, why)
    followup = driver.last(stranger["id"])
    assert "One more thing" in followup["text"] and asks in followup["text"], followup["text"]
    assert "&lt;Embedded&gt; &amp; Co" in followup["html"], "the chat's title is escaped"
