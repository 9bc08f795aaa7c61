"""The fake Bot API answers a real PTB Bot like Telegram: parseable results, real errors, real long polls."""

import asyncio
import threading
import time

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BusinessConnection,
    ChatFullInfo,
    ChatInviteLink,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler
from telegram.request import HTTPXRequest

from fakegram import FakeBotAPI
from fakegram.html_check import HtmlError, parse_html

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

TOKEN = "123456:TEST-TOKEN"
GROUP = -1001234567890
ADA = 5001


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d)] for d in data])


def make_bot(transport, base_url: str = "http://fake-bot-api.invalid/bot", token: str = TOKEN) -> Bot:
    return Bot(token, base_url=base_url, request=HTTPXRequest(httpx_kwargs={"transport": transport}),
               get_updates_request=HTTPXRequest(httpx_kwargs={"transport": transport}))


@pytest.fixture
def api() -> FakeBotAPI:
    return FakeBotAPI(token=TOKEN, bot_id=123456, bot_username="doorman_test_bot")


@pytest.fixture
def ada(api) -> dict:
    return api.user(ADA, "Ada", "Lovelace", username="ada")


@pytest.fixture
async def bot(api):
    async with make_bot(api.transport) as bot:
        yield bot


# -- HTML -------------------------------------------------------------------------------------


def test_escaped_text_and_telegram_tags_pass():
    html = ('<b>Ada &amp; Bob</b> &lt;3 &#39;x&#x27; <a href="https://x.org/?a=1&b=2">link</a> '
            '<span class="tg-spoiler">s</span> <blockquote expandable>q</blockquote> '
            '<pre><code class="language-python">1 &gt; 0</code></pre>')
    assert parse_html(html) == "Ada & Bob <3 'x' link s q 1 > 0"


@pytest.mark.parametrize(("html", "error"), [
    ("<script>x</script>", 'Unsupported start tag "script" at byte offset 0'),
    ("hi <b>there", 'Can\'t find end tag corresponding to start tag "b"'),
    ("Tom & Jerry", "Character '&' is reserved and must be escaped as &amp; at byte offset 4"),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ("é<b", "Unclosed start tag at byte offset 2"),
])
def test_what_telegram_refuses_is_refused(html, error):
    with pytest.raises(HtmlError) as caught:
        parse_html(html)
    assert str(caught.value) == error


def test_a_bare_ampersand_passes_when_not_strict():
    assert parse_html("Tom & Jerry &copy;", strict_ampersand=False) == "Tom & Jerry &copy;"


# -- sending ----------------------------------------------------------------------------------


async def test_get_me_and_send_message_parse(api, bot, ada):
    me = await bot.get_me()
    assert isinstance(me, User) and me.username == "doorman_test_bot" and me.is_bot
    api.private_message(ada, "/start")
    sent = await bot.send_message(ADA, "<b>Hi</b> Ada &amp; co", parse_mode="HTML",
                                  reply_markup=keyboard("v1:a:1"), disable_notification=True)
    assert isinstance(sent, Message) and sent.text == "Hi Ada & co" and sent.message_id == 2
    assert sent.from_user.id == 123456 and sent.chat.type == "private"
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "v1:a:1"
    stored = api.sent_to(ADA)[-1]
    assert stored["html"] == "<b>Hi</b> Ada &amp; co" and stored["parse_mode"] == "HTML"
    assert api.calls_to("sendMessage")[-1]["chat_id"] == ADA
    assert api.calls_to("sendMessage")[-1]["disable_notification"] is True
    assert api.calls[-1].result["text"] == "Hi Ada & co" and "html" not in api.calls[-1].result
    second = await bot.send_message(ADA, "more", reply_parameters=ReplyParameters(sent.message_id))
    assert second.message_id == 3 and second.reply_to_message.message_id == 2


async def test_send_errors_are_telegrams(api, bot, ada):
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(ADA, "hello")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "hello")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(GROUP, "hello")
    api.private_message(ada, "hi")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(ADA, "  \n ")
    with pytest.raises(BadRequest, match='Can\'t parse entities: unsupported start tag "script" at byte offset 3'):
        await bot.send_message(ADA, "hi <script>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Can't parse entities: can't find end tag"):
        await bot.send_message(ADA, "<b>hi", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Can't parse entities: character '&' is reserved"):
        await bot.send_message(ADA, "Tom & Jerry", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ADA, "x" * 4097)
    await bot.send_message(ADA, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # length counts plain text
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(ADA, "pick", reply_markup=keyboard("x" * 65))
    api.block_bot(ADA)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ADA, "hello")
    assert [call.ok for call in api.calls if call.method == "sendMessage"] == [False] * 8 + [True, False, False]


async def test_groups_and_channels(api, bot):
    api.add_chat(GROUP, "Doorman friends", username="doormanfriends")
    assert (await bot.send_message(GROUP, "hi")).chat.title == "Doorman friends"
    assert (await bot.send_message("@doormanfriends", "hi")).message_id == 2
    api.set_bot_rights(GROUP, "left", False)
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_message(GROUP, "hi")
    api.add_chat(-100777, "News", "channel", bot_status="member")
    with pytest.raises(BadRequest, match="Need administrator rights in the channel chat"):
        await bot.send_message(-100777, "hi")


async def test_edit_delete_and_chat_action(api, bot, ada):
    api.private_message(ada, "hi")
    sent = await bot.send_message(ADA, "Pick one", reply_markup=keyboard("a", "b"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Pick one", ADA, sent.message_id, reply_markup=keyboard("a", "b"))
    edited = await bot.edit_message_text("<i>Picked</i>", ADA, sent.message_id, parse_mode="HTML")
    assert edited.text == "Picked" and edited.reply_markup is None and edited.edit_date is not None
    stored = api.sent_to(ADA)[-1]
    assert stored["edited"] and "reply_markup" not in stored and stored["html"] == "<i>Picked</i>"
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", ADA, 999)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", ADA, 1)  # Ada's own message
    assert (await bot.edit_message_reply_markup(ADA, sent.message_id, reply_markup=keyboard("c"))).reply_markup
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(ADA, sent.message_id, reply_markup=keyboard("c"))
    assert await bot.send_chat_action(ADA, "typing") is True
    assert await bot.delete_message(ADA, sent.message_id) is True
    assert api.sent_to(ADA) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(ADA, sent.message_id)


async def test_commands_and_webhook(bot, api):
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("pending", "Waiting requests")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "pending"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Begin")])
    assert await bot.delete_my_commands() is True and await bot.get_my_commands() == ()


# -- driving the bot --------------------------------------------------------------------------


async def test_incoming_messages_parse(api, bot, ada):
    start = Update.de_json(api.private_message(ada, "/start conf-talk"), bot)
    assert start.message.text == "/start conf-talk" and start.message.entities[0].type == "bot_command"
    assert start.message.entities[0].length == 6 and start.effective_chat.id == ADA
    media = [Update.de_json(api.private_message(ada, caption="look", photo=True), bot),
             Update.de_json(api.private_message(ada, sticker=True), bot),
             Update.de_json(api.private_message(ada, voice=True), bot),
             Update.de_json(api.private_message(ada, document=True), bot)]
    assert media[0].message.photo and media[0].message.caption == "look"
    assert media[1].message.sticker and media[2].message.voice and media[3].message.document
    edited = Update.de_json(api.edit_private_message(ada, start.message.message_id, "/start other"), bot)
    assert edited.edited_message.text == "/start other" and edited.edited_message.edit_date


async def test_press_button_and_answer_callback_query(api, bot, ada):
    api.private_message(ada, "hi")
    sent = await bot.send_message(ADA, "Pick", reply_markup=keyboard("v1:pick:1"))
    update = Update.de_json(api.press_button(ada, ADA, sent.message_id, "v1:pick:1"), bot)
    query = update.callback_query
    assert query.data == "v1:pick:1" and query.message.message_id == sent.message_id
    assert query.message.reply_markup.inline_keyboard[0][0].callback_data == "v1:pick:1"
    assert await bot.answer_callback_query(query.id, "Saved", show_alert=True) is True
    assert api.callback_queries[query.id]["text"] == "Saved" and api.callback_queries[query.id]["show_alert"]
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")
    with pytest.raises(ValueError, match="no button"):
        api.press_button(ada, ADA, sent.message_id, "v1:forged")
    forged = api.press_button(ada, ADA, sent.message_id, "v1:forged", check_buttons=False)
    assert forged["callback_query"]["data"] == "v1:forged"


async def test_join_request_window_and_decisions(api, bot, ada):
    api.add_chat(GROUP, "Doorman friends")
    link = await bot.create_chat_invite_link(GROUP, name="conf-talk", creates_join_request=True)
    assert isinstance(link, ChatInviteLink) and link.invite_link.startswith("https://t.me/+")
    assert link.creates_join_request and not link.is_primary and link.creator.id == 123456
    update = Update.de_json(api.join_request(ada, GROUP, invite_link=link.invite_link, bio="hi"), bot)
    request = update.chat_join_request
    assert request.user_chat_id == ADA and request.invite_link.name == "conf-talk" and request.bio == "hi"
    await bot.send_message(ADA, "How did you find me?")
    api.advance(301)
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(ADA, "still there?")
    assert await bot.approve_chat_join_request(GROUP, ADA) is True
    with pytest.raises(BadRequest, match="User_already_participant"):
        await bot.approve_chat_join_request(GROUP, ADA)
    bob = api.user(5002, "Bob")
    with pytest.raises(BadRequest, match="Hide_requester_missing"):
        await bot.decline_chat_join_request(GROUP, 5002)
    api.join_request(bob, GROUP)
    await bot.send_message(5002, "Hi Bob")
    assert await bot.decline_chat_join_request(GROUP, 5002) is True
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(5002, "declined, sorry")
    api.join_request(bob, GROUP)
    api.resolve_join_request(bob, GROUP, approve=False)  # withdrawn, or handled by another admin
    with pytest.raises(BadRequest, match="Hide_requester_missing"):
        await bot.approve_chat_join_request(GROUP, 5002)
    api.set_bot_rights(GROUP, "administrator", can_invite_users=False)
    with pytest.raises(BadRequest, match="Chat_admin_required"):
        await bot.approve_chat_join_request(GROUP, 5002)
    with pytest.raises(BadRequest, match="Not enough rights to manage chat invite links"):
        await bot.create_chat_invite_link(GROUP)


async def test_chat_info_members_and_my_chat_member(api, bot, ada):
    olga = api.user(1001, "Olga")
    api.add_chat(GROUP, "Doorman friends", owner=olga, bot_status="left", can_invite_users=False)
    update = Update.de_json(api.my_chat_member(GROUP, olga, "administrator", can_invite_users=True), bot)
    new = update.my_chat_member.new_chat_member
    assert isinstance(new, ChatMemberAdministrator) and new.can_invite_users
    assert isinstance(update.my_chat_member.old_chat_member, ChatMemberLeft)
    chat = await bot.get_chat(GROUP)
    assert isinstance(chat, ChatFullInfo) and chat.title == "Doorman friends" and chat.type == "supergroup"
    assert (await bot.get_chat(1001)).first_name == "Olga"
    me = await bot.get_chat_member(GROUP, 123456)
    assert isinstance(me, ChatMemberAdministrator) and me.can_invite_users
    assert isinstance(await bot.get_chat_member(GROUP, 1001), ChatMemberOwner)
    assert isinstance(await bot.get_chat_member(GROUP, ADA), ChatMemberLeft)
    assert [m.status for m in await bot.get_chat_administrators(GROUP)] == ["creator", "administrator"]
    assert await bot.leave_chat(GROUP) is True
    assert isinstance(await bot.get_chat_member(GROUP, 123456), ChatMemberLeft)
    assert api.updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "left"
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat(-42)


async def test_business_connection_messages_and_replies(api, bot, ada):
    olga = api.user(1001, "Olga")
    conn = Update.de_json(api.business_connection("biz-1", olga), bot).business_connection
    assert isinstance(conn, BusinessConnection) and conn.rights.can_reply and conn.user.id == 1001
    assert (await bot.get_business_connection("biz-1")).user_chat_id == 1001
    with pytest.raises(BadRequest, match="Business_connection_invalid"):
        await bot.get_business_connection("nope")
    with pytest.raises(BadRequest, match="Business_peer_usage_missing"):
        await bot.send_message(ADA, "hi", business_connection_id="biz-1")
    update = Update.de_json(api.business_message("biz-1", ada, ada, "Hello Olga"), bot)
    assert update.business_message.business_connection_id == "biz-1" and update.business_message.chat.id == ADA
    api.business_message("biz-1", olga, ada, "typing by hand")
    reply = await bot.send_message(ADA, "Who are you?", business_connection_id="biz-1")
    assert reply.business_connection_id == "biz-1" and reply.from_user.id == 1001
    assert reply.sender_business_bot.id == 123456 and reply.message_id == 3
    assert [m["text"] for m in api.sent_to(ADA, business_connection_id="biz-1")] == ["Who are you?"]
    assert api.sent_to(ADA) == [], "business chats never mix with the bot's own chat"
    edited = await bot.edit_message_text("Who are you, please?", ADA, reply.message_id,
                                         business_connection_id="biz-1")
    assert edited.text == "Who are you, please?"
    assert Update.de_json(api.edited_business_message("biz-1", ada, 1, "Hello Olga!"), bot).edited_business_message
    deleted = Update.de_json(api.deleted_business_messages("biz-1", ada, [1, 2]), bot).deleted_business_messages
    assert deleted.message_ids == (1, 2) and deleted.chat.id == ADA
    api.advance(24 * 3600 + 1)
    with pytest.raises(BadRequest, match="Business_peer_usage_missing"):
        await bot.send_message(ADA, "still there?", business_connection_id="biz-1")
    api.business_message("biz-1", ada, ada, "yes")
    api.business_connection("biz-1", olga, can_reply=False)
    with pytest.raises(BadRequest, match="Bot_access_forbidden"):
        await bot.send_message(ADA, "hi", business_connection_id="biz-1")
    with pytest.raises(BadRequest, match="Business_connection_invalid"):
        await bot.send_message(ADA, "hi", business_connection_id="biz-2")


# -- getUpdates -------------------------------------------------------------------------------


async def test_get_updates_offsets_and_allowed_updates_memory(api, bot, ada):
    first = api.private_message(ada, "one")
    api.my_chat_member(api.add_chat(GROUP, "G")["id"], ada, "member")
    updates = await bot.get_updates(timeout=0, allowed_updates=["message"])
    assert [u.update_id for u in updates] == [first["update_id"]]
    second = api.private_message(ada, "two")
    updates = await bot.get_updates(offset=first["update_id"] + 1, timeout=0)  # reuses ["message"]
    assert [u.message.text for u in updates] == ["two"]
    updates = await bot.get_updates(offset=second["update_id"] + 1, timeout=0, allowed_updates=[])
    assert updates == ()
    assert api.allowed_updates_seen == [["message"], []]
    assert api.updates == [], "confirmed updates are forgotten"


async def test_long_poll_waits_for_an_update_and_times_out_without_one(api, bot, ada):
    started = time.monotonic()
    assert await bot.get_updates(timeout=0.3) == ()
    assert time.monotonic() - started >= 0.25
    threading.Timer(0.1, api.private_message, args=(ada, "wake up")).start()
    started = time.monotonic()
    updates = await bot.get_updates(timeout=10)
    assert [u.message.text for u in updates] == ["wake up"] and time.monotonic() - started < 5


async def test_a_second_poller_ends_the_first_with_conflict(api):
    async with make_bot(api.transport) as first, make_bot(api.transport) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=10))
        await asyncio.sleep(0.1)
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting


async def test_an_application_polls_and_answers(api, ada):
    async def start(update, context):
        await update.message.reply_html(f"Hello, <b>{update.effective_user.first_name}</b>!")

    app = (ApplicationBuilder().token(TOKEN).base_url("http://fake-bot-api.invalid/bot")
           .request(HTTPXRequest(httpx_kwargs={"transport": api.transport}))
           .get_updates_request(HTTPXRequest(httpx_kwargs={"transport": api.transport})).build())
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=5, allowed_updates=Update.ALL_TYPES)
        api.private_message(ada, "/start")
        for _ in range(200):
            if api.sent_to(ADA):
                break
            await asyncio.sleep(0.01)
        await app.updater.stop()
        await app.stop()
    assert api.sent_to(ADA)[-1]["text"] == "Hello, Ada!"
    assert api.allowed_updates_seen[-1] == list(Update.ALL_TYPES)


# -- over HTTP --------------------------------------------------------------------------------


async def test_served_over_http(api, ada):
    server = api.serve()
    try:
        assert server.base_url == f"http://127.0.0.1:{server.port}/bot"
        async with make_bot(None, base_url=server.base_url) as bot:
            assert (await bot.get_me()).id == 123456
            threading.Timer(0.1, api.private_message, args=(ada, "/start")).start()
            updates = await bot.get_updates(timeout=10)
            assert updates[0].message.text == "/start"
            assert (await bot.send_message(ADA, "<b>hi</b>", parse_mode="HTML")).text == "hi"
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.send_message(-1, "x")
            api.fail_next("getMe", kind="reset")
            with pytest.raises(NetworkError):
                await bot.get_me()
            with pytest.raises(EndPointNotFound):
                await bot.do_api_request("sendCarrierPigeon", {"chat_id": ADA})
        with pytest.raises(InvalidToken):
            async with make_bot(None, base_url=server.base_url, token="1:WRONG"):
                pass
    finally:
        server.close()
    assert api.unknown_methods == ["sendCarrierPigeon"]


def test_server_close_ends_a_long_poll_at_once(api):
    server = api.serve()
    url = f"{server.base_url}{TOKEN}/getUpdates"
    result = {}
    poller = threading.Thread(target=lambda: result.update(r=httpx.post(url, data={"timeout": "30"}, timeout=40)))
    poller.start()
    deadline = time.monotonic() + 30
    while api.polls_begun == 0 and time.monotonic() < deadline:  # closing before it connects would be refused
        time.sleep(0.01)
    assert api.polls_begun == 1
    started = time.monotonic()
    server.close()
    poller.join(10)
    assert not poller.is_alive() and time.monotonic() - started < 5
    assert result["r"].json() == {"ok": True, "result": []}


# -- request bodies ---------------------------------------------------------------------------


async def test_json_multipart_and_unknown_methods(api, ada):
    api.private_message(ada, "hi")
    async with httpx.AsyncClient(transport=api.transport, base_url=f"http://fake/bot{TOKEN}") as client:
        sent = (await client.post("/sendMessage", json={"chat_id": str(ADA), "text": "json"})).json()
        assert sent["ok"] and sent["result"]["text"] == "json"
        multi = await client.post("/sendMessage", data={"chat_id": str(ADA), "text": "multi"},
                                  files={"thumb": ("a.jpg", b"1234", "image/jpeg")})
        assert multi.json()["result"]["text"] == "multi"
        assert api.calls_to("sendMessage")[-1]["thumb"] == {"filename": "a.jpg", "size": 4, "content": b"1234"}
        unknown = await client.post("/sendDice", data={"chat_id": str(ADA)})
        assert unknown.status_code == 404
        assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        wrong = await client.post("http://fake/bot1:WRONG/getMe")
        assert wrong.status_code == 401 and wrong.json()["description"] == "Unauthorized"
    assert api.unknown_methods == ["sendDice"]
    api.reset_calls()
    assert api.calls == [] and api.unknown_methods == []


async def test_send_document_keeps_the_upload_and_refuses_what_telegram_refuses(api, bot, ada):
    api.private_message(ada, "hi")
    sent = await bot.send_document(ADA, document=b"id,kind\n1,direct\n", filename="export.csv",
                                   caption="<b>1</b> request", parse_mode="HTML")
    assert sent.document.file_name == "export.csv" and sent.document.file_size == 17 and sent.caption == "1 request"
    assert api.document(ADA) == ("export.csv", b"id,kind\n1,direct\n")
    again = await bot.send_document(ADA, document=sent.document.file_id)
    assert api.document(ADA) == ("export.csv", b"id,kind\n1,direct\n") and again.message_id == sent.message_id + 1
    with pytest.raises(BadRequest, match="File must be non-empty"):
        await bot.send_document(ADA, document=b"", filename="empty.csv")
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", ADA, sent.message_id)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(ADA, document=b"x", filename="x.txt", caption="c" * 1025)


# -- faults and limits ------------------------------------------------------------------------


async def test_fail_next_with_predicate_and_retry_after(api, bot, ada):
    api.private_message(ada, "hi")
    api.fail_next("sendMessage", error_code=429, retry_after=7, when=lambda p: p["text"] == "b", times=2)
    await bot.send_message(ADA, "a")
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(ADA, "b")
        assert "Retry in 7 seconds" in str(caught.value)
    await bot.send_message(ADA, "b")
    assert [m["text"] for m in api.sent_to(ADA)] == ["a", "b"]
    failed = [c for c in api.calls if not c.ok]
    assert [c.error["description"] for c in failed] == ["Too Many Requests: retry after 7"] * 2
    api.fail_next("sendMessage", error_code=403, description="Forbidden: user is deactivated")
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(ADA, "c")
    api.fail_next("sendMessage", kind="timeout_after")
    with pytest.raises(TimedOut):
        await bot.send_message(ADA, "lost answer")
    assert api.sent_to(ADA)[-1]["text"] == "lost answer", "the request took effect; only the answer was lost"


@pytest.mark.parametrize("served", [False, True])
async def test_a_truncated_answer_is_a_200_with_a_body_cut_short(api, ada, served):
    api.private_message(ada, "hi")
    api.fail_next("sendMessage", kind="truncated")
    server = api.serve() if served else None
    base_url = server.base_url if server else "http://fake-bot-api.invalid/bot"
    try:
        async with httpx.AsyncClient(transport=None if server else api.transport, timeout=10) as client:
            reply = await client.post(f"{base_url}{TOKEN}/sendMessage", data={"chat_id": str(ADA), "text": "cut"})
    finally:
        if server:
            server.close()
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        reply.json()
    assert api.sent_to(ADA) == [], "the method did not run"
    assert api.calls[-1].error == {"fault": "truncated"}


async def test_a_hung_call_gets_no_answer_until_the_faults_are_cleared(api, bot, ada):
    api.private_message(ada, "hi")
    api.fail_next("sendMessage", kind="hang")
    send = asyncio.create_task(bot.send_message(ADA, "stuck"))
    while not api.calls_to("sendMessage"):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    assert not send.done(), "no answer while hung"
    api.clear_faults()
    with pytest.raises(NetworkError):
        await send
    assert api.sent_to(ADA) == [] and api.calls[-1].error == {"fault": "hang"}
    assert (await bot.send_message(ADA, "again")).text == "again"


def test_a_hung_call_over_http_ends_when_the_faults_are_cleared(api, ada):
    api.private_message(ada, "hi")
    api.fail_next("sendMessage", kind="hang")
    server = api.serve()
    result = {}

    def post():
        try:
            httpx.post(f"{server.base_url}{TOKEN}/sendMessage", data={"chat_id": str(ADA), "text": "x"}, timeout=30)
        except httpx.HTTPError as exc:
            result["error"] = exc

    poster = threading.Thread(target=post)
    poster.start()
    try:
        while not api.calls_to("sendMessage"):
            time.sleep(0.01)
        time.sleep(0.1)
        assert poster.is_alive(), "no answer while hung"
        api.clear_faults()
        poster.join(10)
        assert not poster.is_alive() and isinstance(result.get("error"), httpx.RemoteProtocolError)
    finally:
        server.close()


async def run_with_faults(seed: int) -> list[str]:
    api = FakeBotAPI(token=TOKEN)
    api.user(ADA, "Ada")
    api.private_message(ADA, "hi")
    bot = make_bot(api.transport)
    await bot.initialize()
    api.inject_faults(0.5, seed=seed)
    outcomes = []
    for i in range(30):
        try:
            await bot.send_message(ADA, f"m{i}")
            outcomes.append("ok")
        except RetryAfter:
            outcomes.append("429")
        except TimedOut:
            outcomes.append("timeout")
        except NetworkError as error:
            outcomes.append("500" if "Internal" in str(error) else "502" if "502" in str(error) else "reset")
    await bot.shutdown()
    return outcomes


async def test_injected_faults_are_deterministic_per_seed():
    first, again, other = await run_with_faults(1), await run_with_faults(1), await run_with_faults(2)
    assert first == again and first != other
    assert {"ok", "429", "500", "502", "timeout", "reset"} == set(first) | set(other)


async def test_inject_faults_zero_turns_it_off_and_methods_filter(api, bot, ada):
    api.private_message(ada, "hi")
    api.inject_faults(1.0, seed=3, kinds=("500",), methods=["sendChatAction"])
    await bot.send_message(ADA, "fine")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_chat_action(ADA, "typing")
    api.inject_faults(0)
    assert await bot.send_chat_action(ADA, "typing")


async def test_rate_limits_answer_429_with_retry_after(api, bot, ada):
    api.add_chat(GROUP, "G")
    api.private_message(ada, "hi")
    api.enforce_limits(global_per_sec=30, per_chat_per_sec=1, group_per_min=20)
    await bot.send_message(ADA, "one")
    with pytest.raises(RetryAfter):
        await bot.send_message(ADA, "two")
    await bot.send_message(GROUP, "to the group")  # another chat has its own window
    assert api.too_many_requests == 1
    api.enforce_limits(None)
    await bot.send_message(ADA, "two")
