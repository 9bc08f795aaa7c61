"""Telegram Business: strangers writing to the owner's own account are asked for context by the bot."""

from helpers.world import OWNER

from db.answers import list_answers

CONN = "biz-conn-1"


def requests(db):
    return list(db.query("select * from requests order by id"))


async def connect(driver, api, owner, **kwargs):
    await driver.feed(api.business_connection(CONN, owner, **kwargs))


def in_biz_chat(api, user_id):
    return api.sent_to(user_id, business_connection_id=CONN)


async def test_connecting_tells_the_owner_what_the_bot_will_do(driver, fake_api, db, owner):
    await connect(driver, fake_api, owner)
    assert "I'll ask new people how they found you and why they're writing" in driver.last(OWNER)["text"]
    await connect(driver, fake_api, owner)  # the same state again: no second message
    assert len(fake_api.sent_to(OWNER)) == 1
    await connect(driver, fake_api, owner, can_reply=False)
    assert "without the right to reply" in driver.last(OWNER)["text"]
    await connect(driver, fake_api, owner, is_enabled=False)
    assert "no longer connected" in driver.last(OWNER)["text"]
    row = db["business_connections"].get(CONN)
    assert (row["user_id"], row["accepted"], row["is_enabled"]) == (OWNER, 1, 0)


async def test_a_connection_from_someone_else_is_ignored_with_one_warning(driver, fake_api, db, stranger, caplog):
    await driver.feed(fake_api.business_connection("other-conn", stranger))
    await driver.feed(fake_api.business_connection("other-conn", stranger))
    assert fake_api.sent_to(OWNER) == [] and fake_api.sent_to(stranger["id"]) == []
    assert len([r for r in caplog.records if "not the configured owner" in r.getMessage()]) == 1
    await driver.feed(fake_api.business_message("other-conn", fake_api.user(9, "X"), fake_api.user(9, "X"), "hi"))
    assert requests(db) == []


async def test_stranger_is_asked_as_the_owners_assistant_and_the_owner_gets_a_card(driver, fake_api, db, owner,
                                                                                   stranger):
    await connect(driver, fake_api, owner)
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "Hi! Quick question about your book"))
    first = in_biz_chat(fake_api, stranger["id"])[-1]
    assert "I'm Olga Owner's assistant" in first["text"] and "How did you find Olga Owner?" in first["text"]
    assert "Met in person" in first["text"] and not first.get("reply_markup"), "choices as text, no bot buttons"
    assert fake_api.sent_to(stranger["id"]) == [], "nothing goes to the bot's own chat with them"
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "Your talk at JSConf Budapest"))
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "I translate your book into Hungarian"))
    await driver.answer_followup(stranger, "We met after your JSConf talk", business_connection_id=CONN)
    assert "will see your message with this context" in in_biz_chat(fake_api, stranger["id"])[-1]["text"]

    [request] = requests(db)
    assert (request["kind"], request["status"], request["business_connection_id"]) == ("business", "pending", CONN)
    assert request["opening_note"] == "Hi! Quick question about your book"
    assert list_answers(db, 1)["why"]["text"] == "I translate your book into Hungarian"
    card = driver.card()
    assert "Message to your account" in card["text"] and "Your talk at JSConf Budapest" in card["text"]

    await driver.press(owner, OWNER, card["message_id"], "v1:accept:1")
    assert "will reply to you here" in in_biz_chat(fake_api, stranger["id"])[-1]["text"]
    assert db["people"].get(stranger["id"])["standing"] == "allowed"
    sent = len(in_biz_chat(fake_api, stranger["id"]))
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "great, talk soon"))
    assert len(in_biz_chat(fake_api, stranger["id"])) == sent, "silent after the decision"
    assert len(requests(db)) == 1


async def test_decline_then_silence_and_block_then_nothing_surfaces(driver, fake_api, db, owner, stranger):
    other = fake_api.user(5300, "Pat")
    await connect(driver, fake_api, owner)
    for person in (stranger, other):
        await driver.feed(fake_api.business_message(CONN, person, person, "hello there"))
        await driver.feed(fake_api.business_message(CONN, person, person, "LinkedIn search"))
        await driver.feed(fake_api.business_message(CONN, person, person, "I sell SEO services"))
    cards = [r["card_message_id"] for r in requests(db)]
    await driver.press(owner, OWNER, cards[0], "v1:decline:1")
    assert "can't take this conversation further" in in_biz_chat(fake_api, stranger["id"])[-1]["text"]
    await driver.press(owner, OWNER, cards[1], "v1:block:2")
    sent = len(in_biz_chat(fake_api, other["id"]))
    owner_messages = len(fake_api.sent_to(OWNER))
    await driver.feed(fake_api.business_message(CONN, other, other, "??"))
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "please reconsider"))
    assert len(in_biz_chat(fake_api, other["id"])) == sent and len(fake_api.sent_to(OWNER)) == owner_messages
    assert len(requests(db)) == 2


async def test_owner_writing_in_the_chat_takes_over_at_once(driver, fake_api, db, owner, stranger):
    await connect(driver, fake_api, owner)
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "hey, is this Olga?"))
    await driver.feed(fake_api.business_message(CONN, owner, stranger, "Hi Ada! Yes, I remember you."))
    request = requests(db)[0]
    assert request["taken_over_at"] and request["status"] == "pending"
    card = driver.card()
    assert "You replied in this chat yourself — I stopped asking." in card["text"]
    sent = len(in_biz_chat(fake_api, stranger["id"]))
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "great! so about that job..."))
    assert len(in_biz_chat(fake_api, stranger["id"])) == sent, "no more questions once the owner took over"
    await driver.press(owner, OWNER, card["message_id"], "v1:accept:1")
    assert len(in_biz_chat(fake_api, stranger["id"])) == sent, "no template into a chat the owner handles"


async def test_owner_messages_never_start_a_request_and_owner_chats_are_left_alone(driver, fake_api, db, owner,
                                                                                 stranger):
    await connect(driver, fake_api, owner)
    friend = fake_api.user(5400, "Old Friend")
    fake_api.business_message(CONN, friend, friend, "earlier message")  # opens the 24 h window in the fake
    await driver.feed(fake_api.business_message(CONN, owner, friend, "Lunch tomorrow?"))
    await driver.feed(fake_api.business_message(CONN, friend, friend, "Sure!"))
    assert requests(db) == [] and in_biz_chat(fake_api, friend["id"]) == []


async def test_known_people_are_never_answered(driver, fake_api, db, owner, stranger):
    await connect(driver, fake_api, owner)
    await driver.send(stranger, "/start")  # a direct request first, accepted
    await driver.send(stranger, "We met at PyCon")
    await driver.send(stranger, "Want to collaborate on docs")
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:accept:1")
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "hi from my phone"))
    assert in_biz_chat(fake_api, stranger["id"]) == [] and len(requests(db)) == 1


async def test_business_chat_id_equal_to_a_private_chat_does_not_mix(driver, fake_api, db, owner, stranger):
    await connect(driver, fake_api, owner)
    await driver.send(stranger, "/start")  # the bot's own private chat with the same id
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "hello via your account"))
    assert len(requests(db)) == 2
    direct, business = requests(db)
    assert direct["business_connection_id"] is None and business["business_connection_id"] == CONN
    await driver.send(stranger, "A conference in Lyon")  # answers the DIRECT questionnaire
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "Your podcast"))
    assert list_answers(db, direct["id"])["how"]["text"] == "A conference in Lyon"
    assert list_answers(db, business["id"])["how"]["text"] == "Your podcast"


async def test_without_reply_right_or_disabled_the_first_message_still_becomes_a_card(driver, fake_api, db, owner,
                                                                                    stranger):
    await connect(driver, fake_api, owner, can_reply=False)
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "are you hiring?"))
    assert in_biz_chat(fake_api, stranger["id"]) == []
    assert not [c for c in fake_api.calls_to("sendMessage") if c.get("business_connection_id")]
    assert "could not ask: no reply right" in driver.card()["text"] and "are you hiring?" in driver.card()["text"]

    other = fake_api.user(5500, "Lee")
    await connect(driver, fake_api, owner, can_reply=True)
    message = fake_api.business_message(CONN, other, other, "hello?")
    await connect(driver, fake_api, owner, is_enabled=False)
    await driver.feed(message)
    assert "could not ask: the business connection is disabled" in driver.card()["text"]


async def test_edits_update_answers_and_deletions_are_recorded(driver, fake_api, db, owner, stranger):
    await connect(driver, fake_api, owner)
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "hi"))
    answer = await driver.feed(fake_api.business_message(CONN, stranger, stranger, "twiter"))
    await driver.feed(fake_api.edited_business_message(CONN, stranger, answer["business_message"]["message_id"],
                                                       "Twitter, your thread on Postgres"))
    assert list_answers(db, 1)["how"]["text"] == "Twitter, your thread on Postgres"
    await driver.feed(fake_api.deleted_business_messages(CONN, stranger, [answer["business_message"]["message_id"]]))
    assert [e["kind"] for e in db.query("select kind from events where kind = 'business_deleted'")] == [
        "business_deleted"]


async def test_business_peer_invalid_is_handled_and_marked_on_the_card(driver, fake_api, db, owner, stranger):
    await connect(driver, fake_api, owner)
    fake_api.fail_next("sendMessage", error_code=400, description="Bad Request: BUSINESS_PEER_INVALID",
                       when=lambda p: p.get("business_connection_id") == CONN)
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "hello"))
    assert "could not reach the requester: business_peer_invalid" in driver.card()["text"].lower()
    assert "Answered in" not in driver.card()["text"]
    assert requests(db)[0]["status"] == "pending"


async def test_a_missed_connection_update_is_fetched(driver, fake_api, db, owner, stranger):
    fake_api.business_connection(CONN, owner)  # the bot was down: the update never reached it
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "hi there"))
    assert fake_api.calls_to("getBusinessConnection")
    assert "assistant" in in_biz_chat(fake_api, stranger["id"])[-1]["text"]


async def test_forget_me_in_the_owners_chat_erases_and_answers_there(driver, fake_api, db, owner, stranger):
    await connect(driver, fake_api, owner)
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "Hi! Quick question about your book"))
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "/forget_me"))
    reply = in_biz_chat(fake_api, stranger["id"])[-1]["text"]
    assert "erased" in reply.lower(), reply
    assert fake_api.sent_to(stranger["id"]) == [], "answered in the chat they wrote in, not the bot's"
    [request] = requests(db)
    assert request["status"] == "withdrawn" and request["erased_at"] and request["opening_note"] is None
    assert db.one("select * from people where user_id = ?", [stranger["id"]]) is None
    assert len(requests(db)) == 1, "/forget_me is not taken as a new request's first message"
