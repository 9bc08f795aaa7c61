"""Memory and follow-up: allow/block lists, Ask more, Later, the review chat, stale reminders, expiry, history."""

from dataclasses import replace

from helpers.flows import answer_all
from helpers.world import OWNER, REVIEWER, Driver

from bot.flow.upkeep import run_upkeep
from bot.jobs import deps_of

GROUP = -1001234567890
REVIEW_CHAT = -100999


def requests(db):
    return list(db.query("select * from requests order by id"))


def deps(driver):
    return deps_of(driver.app)


async def screened(driver, user, **kwargs):
    await driver.send(user, "/start")
    await answer_all(driver, user, **kwargs)


async def test_accepted_people_are_let_through_with_the_owner_notified(driver, fake_api, db, stranger, owner):
    await screened(driver, stranger)
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:accept:1")
    asked = len(fake_api.sent_to(stranger["id"]))
    await driver.send(stranger, "Hi again! Here is the <draft> I mentioned")
    notice = driver.last(OWNER)["text"]
    assert "Ada Lovelace @ada (known) wrote:" in notice and "Here is the <draft> I mentioned" in notice
    assert len(fake_api.sent_to(stranger["id"])) == asked, "no questionnaire for a known person"
    await driver.send(stranger, "/start")
    assert "your request was accepted" in driver.last(stranger["id"])["text"]
    assert len(requests(db)) == 1


async def test_known_people_are_approved_into_chats_automatically(driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await screened(driver, stranger)
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:accept:1")
    await driver.feed(fake_api.join_request(stranger, GROUP))
    assert fake_api.calls_to("approveChatJoinRequest") == [{"chat_id": GROUP, "user_id": stranger["id"]}]
    join = requests(db)[1]
    assert (join["kind"], join["status"], join["decided_by"]) == ("join", "accepted", 0)
    assert "known person: not asked" in fake_api.sent_to(OWNER)[-1]["text"]


async def test_auto_approve_can_be_turned_off(make_app, settings, db, fake_api, stranger, owner):
    fake_api.private_message(owner, "/start")
    fake_api.add_chat(GROUP, "Rust Embedded")
    driver = Driver(await make_app(replace(settings, auto_approve_known=False), db), fake_api)
    await driver.send(owner, f"/allow {stranger['id']}")
    assert "I don't know" in driver.last(OWNER)["text"]
    await driver.send(stranger, "hello")
    await driver.send(owner, "/allow @ADA")
    assert "Ada Lovelace is now known" in driver.last(OWNER)["text"]
    assert "1 open request decided accordingly" in driver.last(OWNER)["text"]
    await driver.feed(fake_api.join_request(stranger, GROUP))
    assert fake_api.calls_to("approveChatJoinRequest") == []
    assert "How did you find Rust Embedded?" in driver.last(stranger["id"])["text"]
    await driver.app.shutdown()


async def test_block_and_unblock_commands(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "hello")
    await driver.send(owner, "/block @ada")
    assert "Ada Lovelace is blocked" in driver.last(OWNER)["text"]
    assert requests(db)[0]["status"] == "blocked"
    sent = len(fake_api.sent_to(stranger["id"]))
    await driver.send(stranger, "hello??")
    assert len(fake_api.sent_to(stranger["id"])) == sent
    await driver.send(owner, "/unblock 5001")
    assert db["people"].get(stranger["id"])["standing"] == "unknown"
    await driver.send(stranger, "sorry, let me explain")
    assert len(requests(db)) == 2 and "How did you find me?" in driver.last(stranger["id"])["text"]
    await driver.send(owner, "/block")
    assert "Usage: /block @username" in driver.last(OWNER)["text"]
    await driver.send(stranger, "/block @olga")
    assert "only for the people who review requests" in driver.last(stranger["id"])["text"]


async def test_people_is_a_paged_list(driver, fake_api, db, owner):
    for i in range(25):
        person = fake_api.user(6000 + i, f"P{i:02d}")
        fake_api.private_message(person, "hi")
        await driver.send(person, "hi")
        await driver.send(owner, f"/allow {6000 + i}")
    await driver.send(owner, "/people")
    first = driver.last(OWNER)
    assert "Allowed and blocked: 25" in first["text"] and "page 1/2" in first["text"]
    assert first["text"].count("✅") == 20
    next_page = first["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await driver.press(owner, OWNER, first["message_id"], next_page)
    second = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == first["message_id"]][0]
    assert "page 2/2" in second["text"] and second["text"].count("✅") == 5
    await driver.send(owner, "/people blocked")
    assert driver.last(OWNER)["text"] == "No one is blocked yet."


async def test_history_lists_every_request_and_decision(driver, fake_api, db, stranger, owner, reviewer):
    await screened(driver, stranger)
    await driver.press(reviewer, OWNER, driver.card()["message_id"], "v1:decline:1")
    db["requests"].update(1, {"status": "expired"})
    await screened(driver, stranger)
    await driver.send(owner, "/history @ada")
    text = driver.last(OWNER)["text"]
    assert "History of Ada Lovelace @ada" in text
    assert "#1 2026-11-23 09:00 direct — expired by Rita Reviewer" in text
    assert "#2 2026-11-23 09:00 direct — pending" in text


async def test_ask_more_relays_one_question_and_appends_the_reply(driver, fake_api, db, stranger, owner):
    await screened(driver, stranger)
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:ask:"))
    prompt = driver.last(OWNER)
    assert "What should I ask Ada Lovelace (#1)?" in prompt["text"]
    assert fake_api.calls_to("sendMessage")[-1]["reply_markup"]["force_reply"] is True
    await driver.send(owner, "Which <parser> exactly?")
    assert "One more question: Which <parser> exactly?" in driver.last(stranger["id"])["text"]
    assert "Asked. The reply will appear on card #1." in driver.last(OWNER)["text"]
    waiting = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == card["message_id"]][0]
    assert "You asked: Which <parser> exactly?" in waiting["text"] and "waiting for a reply" in waiting["text"]
    assert "v1:ask:" not in str(waiting["reply_markup"]) and "v1:accept:1" in str(waiting["reply_markup"])

    await driver.send(stranger, "The PEG one in your blog post")
    updated = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == card["message_id"]][0]
    assert "The PEG one in your blog post" in updated["text"] and "v1:ask:1" in str(updated["reply_markup"])
    assert "Thanks — passed on." in driver.last(stranger["id"])["text"]
    [followup] = list(db.query("select * from followups"))
    assert (followup["origin"], followup["asked_by"], followup["answer"]) == ("owner", OWNER,
                                                                            "The PEG one in your blog post")
    await driver.send(owner, "just chatting")  # the prompt was used once; now plain text gets help
    assert "/pending" in driver.last(OWNER)["text"]


async def test_review_chat_any_reviewer_decides_others_cannot(make_app, settings, db, fake_api, stranger, owner,
                                                              reviewer):
    fake_api.add_chat(REVIEW_CHAT, "Reviewers", type="group", bot_status="member")
    driver = Driver(await make_app(replace(settings, review_chat_id=REVIEW_CHAT), db), fake_api)
    await screened(driver, stranger)
    card = driver.card(REVIEW_CHAT)
    member = fake_api.user(7777, "Group Member")
    await driver.press(member, REVIEW_CHAT, card["message_id"], driver.button(card, "v1:accept:"))
    assert fake_api.calls_to("answerCallbackQuery")[-1]["show_alert"] is True
    await driver.press(member, REVIEW_CHAT, card["message_id"], driver.button(card, "v1:ask:"))
    assert requests(db)[0]["status"] == "pending" and list(db.query("select * from owner_prompts")) == []
    await driver.press(reviewer, REVIEW_CHAT, card["message_id"], driver.button(card, "v1:ask:"))
    prompt = driver.last(REVIEW_CHAT)
    # Group privacy mode delivers only replies to the bot: the reviewer answers the ForceReply prompt.
    await driver.feed(fake_api.group_message(reviewer, REVIEW_CHAT, "Where did we meet?",
                                             reply_to=prompt["message_id"]))
    assert "One more question: Where did we meet?" in driver.last(stranger["id"])["text"]
    await driver.press(reviewer, REVIEW_CHAT, card["message_id"], driver.button(card, "v1:decline:"))
    decided = [m for m in fake_api.sent_to(REVIEW_CHAT) if m["message_id"] == card["message_id"]][0]
    assert "Declined by \u2068Rita Reviewer\u2069" in decided["text"] and not decided.get("reply_markup")
    assert requests(db)[0]["decided_by"] == REVIEWER
    await driver.app.shutdown()


async def test_later_snoozes_and_the_card_comes_back_to_the_top(driver, fake_api, db, stranger, owner, clock):
    await screened(driver, stranger)
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:later:"))
    assert "Snoozed for 3 days" in fake_api.calls_to("answerCallbackQuery")[-1]["text"]
    folded = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == card["message_id"]][0]
    assert folded["text"].startswith("⏰ Snoozed until Thu 26 Nov") and "v1:accept:" not in str(folded)
    clock.advance(days=2)
    assert (await run_upkeep(deps(driver), driver.app.bot))["snoozes"] == 0
    clock.advance(days=1, minutes=1)
    assert (await run_upkeep(deps(driver), driver.app.bot))["snoozes"] == 1
    newest = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == requests(db)[0]["card_message_id"]][0]
    assert newest["message_id"] > card["message_id"] and "v1:accept:1" in str(newest["reply_markup"])
    old = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == card["message_id"]][0]
    assert old["text"] == "#1 ↓ brought back below." and not old.get("reply_markup")


async def test_stale_requests_are_reminded_once_a_day_in_one_message(driver, fake_api, db, owner, clock):
    for i in range(3):
        person = fake_api.user(6100 + i, f"Waiting{i}")
        await screened(driver, person)
    clock.advance(days=2)
    assert (await run_upkeep(deps(driver), driver.app.bot))["reminded"] == 0
    clock.advance(days=1, hours=1)
    before = len(fake_api.sent_to(OWNER))
    assert (await run_upkeep(deps(driver), driver.app.bot))["reminded"] == 3
    reminder = driver.last(OWNER)
    assert "3 requests waiting more than 3 days" in reminder["text"]
    assert len(reminder["reply_markup"]["inline_keyboard"]) == 3
    assert len(fake_api.sent_to(OWNER)) == before + 1, "one compact message, not one per request"
    clock.advance(hours=12)
    assert (await run_upkeep(deps(driver), driver.app.bot))["reminded"] == 0
    clock.advance(hours=13)
    assert (await run_upkeep(deps(driver), driver.app.bot))["reminded"] == 3


async def test_old_requests_expire_and_the_requester_is_told(driver, fake_api, db, stranger, owner, clock):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await screened(driver, stranger)
    joiner = fake_api.user(6200, "Joiner")
    await driver.feed(fake_api.join_request(joiner, GROUP))
    await driver.send(joiner, "search")
    await driver.send(joiner, "to learn")
    clock.advance(days=31)
    done = await run_upkeep(deps(driver), driver.app.bot)
    assert done["expired"] == 2
    assert [r["status"] for r in requests(db)] == ["expired", "expired"]
    assert "not answered in time" in driver.last(stranger["id"])["text"]
    assert fake_api.calls_to("declineChatJoinRequest") == [{"chat_id": GROUP, "user_id": 6200}]
    card = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == requests(db)[0]["card_message_id"]][0]
    assert "Expired" in card["text"]
    assert db["people"].get(stranger["id"])["standing"] == "unknown"


async def test_expiry_off_with_zero(make_app, settings, db, fake_api, stranger, owner, clock):
    fake_api.private_message(owner, "/start")
    driver = Driver(await make_app(replace(settings, expire_after_days=0), db), fake_api)
    await screened(driver, stranger)
    clock.advance(days=400)
    assert (await run_upkeep(deps(driver), driver.app.bot))["expired"] == 0
    assert requests(db)[0]["status"] == "pending"
    await driver.app.shutdown()
