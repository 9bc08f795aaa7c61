"""The owner's day: Later folds the card away, Ask more replies come as replies, messages added later, join links."""

from helpers.flows import answer_all, requests
from helpers.world import OWNER

from bot.flow.upkeep import run_upkeep
from bot.jobs import deps_of

GROUP = -1001234567890
CONN = "biz-conn-1"


async def screened(driver, user):
    await driver.send(user, "/start")
    await answer_all(driver, user)


def message(api, chat_id, message_id):
    return [m for m in api.sent_to(chat_id) if m["message_id"] == message_id][0]


def buttons(message):
    return [b["callback_data"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def events(db, kind):
    return list(db.query("select * from events where kind = ? order by id", [kind]))


def added(db, request_id=1):
    return [r["text"] for r in db.query("select * from late_messages where request_id = ? order by id",
                                        [request_id])]


async def test_later_folds_the_card_to_one_line_and_undo_brings_it_back(driver, fake_api, db, stranger, owner):
    await screened(driver, stranger)
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:later:"))
    folded = message(fake_api, OWNER, card["message_id"])
    assert folded["text"] == "⏰ Snoozed until Thu 26 Nov · #1 \u2068Ada Lovelace\u2069"
    assert buttons(folded) == ["v1:unsnooze:1"]
    assert folded["reply_markup"]["inline_keyboard"][0][0]["text"] == "↩️ Undo"
    assert requests(db)[0]["snoozed_until"] == "2026-11-26T09:00:00+00:00"

    stranger_press = await driver.press(stranger, OWNER, card["message_id"], "v1:unsnooze:1")
    assert fake_api.calls_to("answerCallbackQuery")[-1]["show_alert"] is True, stranger_press
    assert requests(db)[0]["snoozed_until"] is not None, "only reviewers may wake a card"

    await driver.press(owner, OWNER, card["message_id"], "v1:unsnooze:1")
    full = message(fake_api, OWNER, card["message_id"])
    assert "#1 Direct request" in full["text"] and "Snoozed" not in full["text"]
    assert {"v1:accept:1", "v1:decline:1", "v1:block:1", "v1:ask:1", "v1:later:1"} <= set(buttons(full))
    assert requests(db)[0]["snoozed_until"] is None and len(events(db, "unsnoozed")) == 1
    assert requests(db)[0]["card_message_id"] == card["message_id"], "the same card, unfolded in place"


async def test_a_snoozed_card_stays_folded_when_redrawn_and_returns_in_full(driver, fake_api, db, stranger, owner,
                                                                            clock):
    await screened(driver, stranger)
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:later:"))
    await driver.send(stranger, "hello, any news?")  # redraws the card: it stays folded while snoozed
    assert message(fake_api, OWNER, card["message_id"])["text"].startswith("⏰ Snoozed until Thu 26 Nov")
    clock.advance(days=3, minutes=1)
    assert (await run_upkeep(deps_of(driver.app), driver.app.bot))["snoozes"] == 1
    back = message(fake_api, OWNER, requests(db)[0]["card_message_id"])
    assert back["message_id"] > card["message_id"] and "v1:later:1" in buttons(back)
    assert "Added later" in back["text"] and "hello, any news?" in back["text"]


async def test_pending_lists_snoozed_requests_apart(driver, fake_api, db, stranger, owner):
    bob = fake_api.user(5002, "Bob", "Builder")
    await screened(driver, stranger)
    await screened(driver, bob)
    first = message(fake_api, OWNER, requests(db)[0]["card_message_id"])
    await driver.press(owner, OWNER, first["message_id"], driver.button(first, "v1:later:"))
    await driver.send(owner, "/pending")
    listing = driver.last(OWNER)
    waiting, snoozed = listing["text"].split("Snoozed")
    assert "Waiting for you: 1" in waiting and "#2" in waiting and "#1" not in waiting
    assert "#1" in snoozed and "Ada Lovelace" in snoozed and "until Thu 26 Nov" in snoozed and "#2" not in snoozed
    assert all(data.endswith(":2") for data in buttons(listing)), "buttons only for the waiting ones"
    await driver.send(owner, f"/allow {bob['id']}")
    await driver.send(owner, "/pending")
    assert "Nothing is waiting for a decision" in driver.last(OWNER)["text"]
    assert "#1" in driver.last(OWNER)["text"].split("Snoozed")[1]


async def test_the_reply_to_ask_more_comes_as_a_reply_to_the_card(driver, fake_api, db, stranger, owner):
    await screened(driver, stranger)
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:ask:"))
    await driver.send(owner, "Which <parser> exactly?")
    fake_api.reset_calls()
    await driver.send(stranger, "The PEG one in your <blog> post")
    [edited] = [c for c in fake_api.calls_to("editMessageText") if c["message_id"] == card["message_id"]]
    assert "The PEG one in your &lt;blog&gt; post" in edited["text"]
    [reply] = [c for c in fake_api.calls_to("sendMessage") if c["chat_id"] == OWNER]
    assert reply["reply_parameters"]["message_id"] == card["message_id"]
    assert reply["reply_parameters"]["allow_sending_without_reply"] is True
    shown = driver.last(OWNER)
    assert shown["reply_to_message"]["message_id"] == card["message_id"]
    assert "Ada Lovelace" in shown["text"] and "The PEG one in your <blog> post" in shown["text"]
    assert "#1" in shown["text"] and "replied" in shown["text"]
    [followup] = list(db.query("select * from followups"))
    assert followup["answer"] == "The PEG one in your <blog> post"


async def test_the_reply_to_ask_more_arrives_even_when_the_card_was_deleted(driver, fake_api, db, stranger, owner):
    await screened(driver, stranger)
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:ask:"))
    await driver.send(owner, "Which parser?")
    del fake_api.messages[OWNER][card["message_id"]]  # the owner deleted the card
    await driver.send(stranger, "The PEG one")
    again = requests(db)[0]["card_message_id"]
    assert again != card["message_id"] and "The PEG one" in message(fake_api, OWNER, again)["text"]
    shown = driver.last(OWNER)
    assert "replied" in shown["text"] and "The PEG one" in shown["text"]
    assert shown["reply_to_message"]["message_id"] == again, "a reply to the card sent again"
    assert list(db.query("select answer from followups")) == [{"answer": "The PEG one"}]


async def test_messages_added_later_are_kept_shown_on_the_card_and_acknowledged_once(driver, fake_api, db, stranger,
                                                                                      owner, clock):
    await screened(driver, stranger)
    card = driver.card()
    told = len(fake_api.sent_to(stranger["id"]))
    await driver.send(stranger, "hello, any <news>?")
    assert added(db) == ["hello, any <news>?"]
    shown = message(fake_api, OWNER, card["message_id"])
    assert "Added later" in shown["text"] and "hello, any <news>?" in shown["text"]
    assert "v1:accept:1" in buttons(shown), "still the full card with its buttons"
    assert len(fake_api.sent_to(stranger["id"])) == told + 1
    assert "added your message to your request" in driver.last(stranger["id"])["text"]

    for i in range(5):
        await driver.send(stranger, f"also {i} " + "x" * 3000)
    assert len(fake_api.sent_to(stranger["id"])) == told + 1, "acknowledged once, not for every message"
    kept = added(db)
    assert len(kept) == 3 and kept[-1].startswith("also 4 ") and all(len(t) <= 500 for t in kept)
    shown = message(fake_api, OWNER, card["message_id"])
    assert "also 4" in shown["text"] and "hello, any" not in shown["text"] and len(shown["text"]) <= 4096
    assert len(events(db, "added_later")) == 6

    clock.advance(days=1, minutes=1)
    await driver.send(stranger, "still there?")
    assert len(fake_api.sent_to(stranger["id"])) == told + 2, "told again after a day"
    assert len(requests(db)) == 1 and requests(db)[0]["status"] == "pending"

    await driver.press(owner, OWNER, card["message_id"], "v1:accept:1")
    await driver.send(stranger, "thanks!")
    assert "your request was accepted" in driver.last(stranger["id"])["text"]
    assert len(added(db)) == 3, "nothing is added to a decided request"


async def test_a_sticker_while_waiting_still_gets_the_status(driver, fake_api, db, stranger, owner):
    await screened(driver, stranger)
    await driver.send(stranger, None, sticker=True)
    assert "already with the owner" in driver.last(stranger["id"])["text"]
    assert added(db) == []


async def test_business_messages_added_later_go_on_the_card_silently(driver, fake_api, db, stranger, owner):
    await driver.feed(fake_api.business_connection(CONN, owner))
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "Hi! Quick question about your book"))
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "Your talk at JSConf Budapest"))
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "I translate your book into Hungarian"))
    await driver.answer_followup(stranger, "We met after your JSConf talk", business_connection_id=CONN)
    assert requests(db)[0]["status"] == "pending"
    sent = len(fake_api.sent_to(stranger["id"], business_connection_id=CONN))
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, "any news?"))
    assert added(db) == ["any news?"]
    assert "any news?" in message(fake_api, OWNER, requests(db)[0]["card_message_id"])["text"]
    assert len(fake_api.sent_to(stranger["id"], business_connection_id=CONN)) == sent, "the owner's chat: silent"


async def approved_join(driver, fake_api, stranger, owner, **link):
    await driver.feed(fake_api.join_request(stranger, GROUP, **link))
    await driver.send(stranger, "Your talk at RustConf about async drivers")
    await driver.send(stranger, "I build embedded Rust and want to learn from the group")
    await driver.answer_followup(stranger)
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:accept:1")
    return driver.last(stranger["id"])["text"]


async def test_the_join_welcome_gives_a_public_chats_link(driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded", username="rust_embedded")
    welcome = await approved_join(driver, fake_api, stranger, owner)
    assert "welcome to Rust Embedded" in welcome and "https://t.me/rust_embedded" in welcome
    assert db["chats"].get(GROUP)["username"] == "rust_embedded"


async def test_the_join_welcome_gives_the_bots_own_invite_link(driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(fake_api.my_chat_member(GROUP, owner, "administrator"))
    await driver.send(owner, "/links rustconf")
    url = next(w for w in driver.last(OWNER)["text"].split() if w.startswith("https://t.me/+"))
    assert db["chats"].get(GROUP)["invite_link"] == url
    welcome = await approved_join(driver, fake_api, stranger, owner, invite_link=url)
    assert "welcome to Rust Embedded" in welcome and url in welcome


async def test_the_join_welcome_has_no_link_when_none_is_known(driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    other_admins = {"invite_link": "https://t.me/+AbCd…", "creator": owner, "creates_join_request": True,
                    "is_primary": False, "is_revoked": False, "name": "friends"}
    welcome = await approved_join(driver, fake_api, stranger, owner, invite_link=other_admins)
    assert "welcome to Rust Embedded" in welcome and "t.me" not in welcome
    assert db["chats"].get(GROUP)["invite_link"] is None
