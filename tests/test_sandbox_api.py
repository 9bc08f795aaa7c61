"""`python -m bot sandbox` as a real process: its page API drives the real bot through the stand-in."""

import json
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from helpers.process import wait_for
from helpers.sandbox import Sandbox, button

from bot.core.commands import REVIEWER_COMMANDS
from bot.sandbox.world import BUSINESS_ID, OWNER_ID, TOKEN, World
from fakegram import FakeBotAPI


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    running = Sandbox(tmp_path_factory.mktemp("sandbox"), UNDO_WINDOW="1s")  # decisions carried out after 1 s
    yield running
    log = running.stop()
    assert "Traceback" not in log, log
    assert TOKEN not in log


def _from_bot(text: str):
    return lambda m: m["from"] == "bot" and text in m["text"]


def test_a_new_stranger_answers_by_typing_and_buttons_and_the_owner_accepts(sandbox):
    stranger = sandbox.new_stranger("Grace", last_name="Hopper", username="grace_h")
    assert sandbox.state(stranger)["chats"]["stranger"] == [], "a new stranger starts with an empty chat"

    sandbox.act("deeplink", stranger=stranger, source="conf-talk")
    question = sandbox.wait_chat("stranger", _from_bot("How did you find me?"), "the first question", stranger)
    sandbox.act("press", who="stranger", stranger=stranger, message_id=question["message_id"],
                data=button(question, "v1:pick:"))
    sandbox.wait_chat("stranger", _from_bot("tell me a bit more"), "the follow-up", stranger)
    sandbox.act("send", who="stranger", stranger=stranger, text="At PyCon Porto 2025, we talked after your talk")
    sandbox.wait_chat("stranger", _from_bot("Why would you like"), "the second question", stranger)
    sandbox.act("send", who="stranger", stranger=stranger, text="To contribute the Unicode fixes we discussed to "
                                                                  "your type checker")

    card = sandbox.wait_chat("owner", lambda m: "Grace Hopper" in m["text"] and m["buttons"], "the card")
    assert "conf-talk" in card["text"] and "At PyCon Porto 2025" in card["text"]
    assert card["html"] and "<b>" in card["html"], "cards keep their HTML for the page to render"
    sandbox.act("press", who="owner", message_id=card["message_id"], data=button(card, "v1:accept:"))

    sandbox.wait_chat("stranger", _from_bot("accepted"), "the accept message", stranger)
    edited = sandbox.wait_chat("owner", lambda m: m["key"] == card["key"] and m["edited"], "the card edited")
    assert "Accepted" in edited["text"]
    mine = [m for m in sandbox.state(stranger)["chats"]["stranger"] if m["from"] == "stranger"]
    assert [m["text"] for m in mine] == ["/start conf-talk", "At PyCon Porto 2025, we talked after your talk",
                                         "To contribute the Unicode fixes we discussed to your type checker"]
    assert all(m["seen"] for m in mine), "the bot fetched every update"


def test_the_strangers_language_can_be_switched_for_new_updates(sandbox):
    stranger = sandbox.new_stranger("Jürgen")
    sandbox.act("language", stranger=stranger, language_code="de")
    me = next(p for p in sandbox.state(stranger)["strangers"] if p["id"] == stranger)
    assert me["language_code"] == "de"
    sandbox.act("send", who="stranger", stranger=stranger, text="/start")
    sandbox.wait_chat("stranger", _from_bot("Wie hast du mich gefunden?"), "the question in German", stranger)


def test_a_join_request_to_the_demo_channel_is_screened_and_approved(sandbox):
    stranger = sandbox.new_stranger("Kim")
    sandbox.act("join", stranger=stranger, bio="I write about sensors")
    assert sandbox.state(stranger)["channel"]["request"] == "pending"
    sandbox.wait_chat("stranger", _from_bot("Demo Channel"), "the greeting within the join window", stranger)
    sandbox.act("send", who="stranger", stranger=stranger, text="Your post about LoRa gateways")
    sandbox.wait_chat("stranger", _from_bot("Why would you like"), "the second question", stranger)
    sandbox.act("send", who="stranger", stranger=stranger, text="I run a LoRa meetup")
    last = sandbox.wait_chat("stranger", lambda m: m["from"] == "bot" and ("One more thing" in m["text"]
                             or "Thank you" in m["text"]), "the follow-up or the thanks", stranger)
    if "One more thing" in last["text"]:
        sandbox.act("send", who="stranger", stranger=stranger, text="We met at the LoRa meetup in Delft")
    card = sandbox.wait_chat("owner", lambda m: "I write about sensors" in m["text"] and m["buttons"], "the card")
    sandbox.act("press", who="owner", message_id=card["message_id"], data=button(card, "v1:accept:"))
    sandbox.wait_chat("owner", lambda m: m["key"] == card["key"] and m["edited"], "the card edited")
    channel = wait_for(lambda: (c := sandbox.state(stranger)["channel"])["request"] == "approved" and c,
                       "the approval when the undo window closes", 20)
    assert channel["member"]


def test_a_message_to_the_owners_account_reaches_the_bot_as_a_business_message(sandbox):
    stranger = sandbox.new_stranger("Lin")
    sandbox.act("business", stranger=stranger, text="Hi Olga, a quick question about your talk")
    delivered = sandbox.wait_chat("stranger", lambda m: m["from"] == "stranger" and m["seen"],
                                  "the bot to fetch the business message", stranger)
    assert delivered["business"] and delivered["text"] == "Hi Olga, a quick question about your talk"
    sandbox.wait_chat("stranger", lambda m: m["from"] == "bot" and m["business"],
                      "the bot answering as the owner's account", stranger)
    assert all(m["business"] for m in sandbox.state(stranger)["chats"]["stranger"]), "nothing leaked to the bot chat"


def test_owner_commands_are_answered_in_the_owner_pane(sandbox):
    before = len(sandbox.state()["chats"]["owner"])
    sandbox.act("send", who="owner", text="/pending")
    sandbox.wait_chat("owner", lambda m: m["from"] == "bot" and m["seq"] >= before + 1, "the answer to /pending")
    assert "/pending" in sandbox.state()["commands"]


@pytest.mark.parametrize(("action", "body", "problem"), [
    ("deeplink", {"source": "not a valid source!"}, "deep-link source"),
    ("send", {"who": "stranger", "text": "   "}, "empty"),
    ("new-stranger", {"first_name": ""}, "first name"),
    ("press", {"who": "owner", "message_id": 999, "data": "v1:accept:1"}, "no button"),
    ("join", {"invite_link": "https://t.me/+made-up"}, "invite link"),
    ("fly", {}, "unknown action"),
    ("skip", {"to": "forever"}, "hour, day or summary"),
    ("takeover", {"stranger": 999999, "text": "hello"}, "unknown stranger"),
    ("language", {"language_code": "<de>"}, "language code"),
])
def test_bad_actions_are_refused_with_a_reason(sandbox, action, body, problem):
    stranger = sandbox.state()["stranger"]
    reply = sandbox.http.post(f"/sandbox/{action}", json={"stranger": stranger, **body})
    assert reply.status_code == 400 and problem in reply.json()["error"]


def test_the_page_is_served_locally_with_a_strict_content_security_policy(sandbox):
    page = sandbox.http.get("/")
    assert page.status_code == 200 and '<script src="/static/app.js"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "style.css"):
        assert sandbox.http.get(f"/static/{name}").status_code == 200
    assert sandbox.http.get("/static/../cli.py").status_code == 404
    assert sandbox.http.get("/sandbox/state", headers={"Host": "evil.example"}).status_code == 403
    form = sandbox.http.post("/sandbox/send", data={"who": "owner", "text": "/help"})
    assert form.status_code == 415, "a cross-site form cannot act"
    assert sandbox.http.post(f"/bot{TOKEN}/getMe").json()["result"]["username"] == "doorman_sandbox_bot"
    assert sandbox.http.get("/sandbox/state", params={"since": sandbox.state()["version"]}).json()["unchanged"]


def test_prompts_dir_is_honoured_and_a_bad_one_stops_with_exit_code_2(tmp_path):
    prompts = tmp_path / "my-prompts"
    (prompts / "requester").mkdir(parents=True)
    (prompts / "requester" / "greeting.html.j2").write_text("Hello {{ first_name }}, from <i>my own</i> prompts.")
    sandbox = Sandbox(tmp_path, PROMPTS_DIR=str(prompts))
    try:
        stranger = sandbox.state()["stranger"]
        sandbox.act("send", who="stranger", stranger=stranger, text="/start")
        greeting = sandbox.wait_chat("stranger", _from_bot("from my own prompts"), "the owner's greeting")
        assert greeting["html"].startswith("Hello Ada, from <i>my own</i> prompts.")
    finally:
        sandbox.stop()
    bad = subprocess.run([sys.executable, "-m", "bot", "sandbox", "--no-browser"], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "PROMPTS_DIR": str(tmp_path / "missing")}, timeout=30)
    assert bad.returncode == 2 and "PROMPTS_DIR" in bad.stderr and bad.stdout == ""


def test_replies_through_the_business_connection_show_as_the_owners_account():
    api = FakeBotAPI(token=TOKEN)
    world = World(api)
    world.setup()
    stranger = world.strangers[0]
    world.act("business", {"stranger": stranger, "text": "hello?"})
    # what the bot does when it answers for the owner: sendMessage with business_connection_id
    reply = api.handle(f"/bot{TOKEN}/sendMessage", "application/json", json.dumps({
        "chat_id": stranger, "business_connection_id": BUSINESS_ID, "text": "Hi! <b>Who</b> are you?",
        "parse_mode": "HTML"}).encode())
    assert reply.status == 200, reply.body
    chat = world.state(stranger)["chats"]["stranger"]
    assert [(m["from"], m["business"], m["text"]) for m in chat] == [
        ("stranger", True, "hello?"), ("bot", True, "Hi! Who are you?")]
    assert chat[1]["html"] == "Hi! <b>Who</b> are you?"


def test_calls_telegram_refuses_are_shown_and_a_bare_ampersand_passes_as_in_telegram():
    api = FakeBotAPI(token=TOKEN)
    world = World(api)
    world.setup()
    stranger = world.strangers[0]
    world.act("send", {"who": "stranger", "stranger": stranger, "text": "hi"})
    for text in ("<p>not Telegram's</p>", "Tom & Jerry"):
        api.handle(f"/bot{TOKEN}/sendMessage", "application/json",
                   json.dumps({"chat_id": stranger, "text": text, "parse_mode": "HTML"}).encode())
    state = world.state(stranger)
    assert [m["text"] for m in state["chats"]["stranger"] if m["from"] == "bot"] == ["Tom & Jerry"]
    [notice] = state["notices"]
    assert notice["who"] == "stranger" and notice["alert"]
    assert notice["text"].startswith("Telegram refused the bot's sendMessage: Bad Request: can't parse entities")


def test_the_favicon_is_served_and_linked(sandbox):
    icon = sandbox.http.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml" and b"<svg" in icon.content
    assert sandbox.http.get("/favicon.ico").status_code == 200, "a browser asking the old way gets it too"
    assert '<link rel="icon" href="/static/favicon.svg"' in sandbox.http.get("/").text


def test_owner_command_chips_are_every_command_registered_for_the_owners_chat(sandbox):
    wanted = [f"/{name}" for name, _ in REVIEWER_COMMANDS]
    wait_for(lambda: sandbox.state()["commands"] == wanted, "the owner's chips to be the reviewers' menu", 20)


def test_command_chips_follow_telegrams_scope_order_and_are_empty_before_any_menu():
    api = FakeBotAPI(token=TOKEN)
    world = World(api)
    world.setup()
    assert world.state(None)["commands"] == [], "nothing is made up before the bot sets its menu"

    def set_commands(names, scope=None):
        body = {"commands": [{"command": n, "description": n} for n in names], **({"scope": scope} if scope else {})}
        api.handle(f"/bot{TOKEN}/setMyCommands", "application/json", json.dumps(body).encode())

    set_commands(["start", "help"])
    assert world.state(None)["commands"] == ["/start", "/help"]
    set_commands(["pending", "stats", "links", "help"], {"type": "chat", "chat_id": OWNER_ID})
    set_commands(["other"], {"type": "chat", "chat_id": 777})
    assert world.state(None)["commands"] == ["/pending", "/stats", "/links", "/help"]


def _weekday(moment: datetime) -> str:
    return moment.strftime("%A").lower()


def test_skipping_ahead_moves_the_bots_clock_and_runs_what_is_due(tmp_path):
    # Its own sandbox: days skipped here would close join windows and send reminders in the other tests.
    # The weekly summary is due in about an hour from now (a fixed weekday and time would be days away).
    soon = datetime.now(UTC) + timedelta(minutes=90)
    sandbox = Sandbox(tmp_path, SUMMARY_DAY=_weekday(soon), SUMMARY_TIME=soon.strftime("%H:%M"), TIMEZONE="UTC")
    try:
        clock = sandbox.state()["clock"]
        assert clock["offset"] == 0 and abs(clock["now"] - time.time()) < 60
        stranger = sandbox.state()["stranger"]
        sandbox.act("send", who="stranger", stranger=stranger, text="/start")
        question = sandbox.wait_chat("stranger", _from_bot("How did you find me?"), "the first question", stranger)
        sandbox.act("press", who="stranger", stranger=stranger, message_id=question["message_id"],
                    data=button(question, "v1:pick:"))
        sandbox.wait_chat("stranger", _from_bot("tell me a bit more"), "the follow-up", stranger)
        sandbox.act("send", who="stranger", stranger=stranger, text="At PyCon Porto 2025, after your talk")
        sandbox.wait_chat("stranger", _from_bot("Why would you like"), "the second question", stranger)
        sandbox.act("send", who="stranger", stranger=stranger, text="To send you the Unicode fixes we discussed")
        sandbox.wait_chat("owner", lambda m: "Ada Lovelace" in m["text"] and m["buttons"], "the card")

        assert sandbox.act("skip", to="hour")["clock"]["offset"] == 3600
        assert sandbox.state()["clock"]["offset"] == 3600
        sandbox.act("skip", to="summary")
        summary = sandbox.wait_chat("owner", _from_bot("Weekly summary"), "the weekly summary at the new time")
        assert summary["date"] >= soon.timestamp() - 60
        offset = sandbox.state()["clock"]["offset"]
        assert 5400 - 600 <= offset <= 5400, offset  # up to the summary's minute, less the time the walk took
        for _ in range(3):
            sandbox.act("skip", to="day")
        reminder = sandbox.wait_chat("owner", _from_bot("waiting more than 3 days"), "the stale reminder")
        assert "Ada Lovelace" in reminder["text"]
        assert sandbox.state()["clock"]["offset"] == pytest.approx(offset + 3 * 86400)
        with sqlite3.connect(sandbox.db_path) as db:
            sent = db.execute("select count(*) from events where kind = 'weekly_summary_sent'").fetchone()[0]
        assert sent == 1
    finally:
        sandbox.stop()


def test_the_owner_takes_over_a_business_chat_and_the_bot_stays_quiet_there(sandbox):
    stranger = sandbox.new_stranger("Mo")
    sandbox.act("business", stranger=stranger, text="Hi Olga, a question about your course")
    sandbox.wait_chat("stranger", lambda m: m["from"] == "bot" and m["business"], "the bot asking", stranger)
    sandbox.act("takeover", stranger=stranger, text="Hi Mo, Olga here: ask away")
    mine = sandbox.wait_chat("stranger", lambda m: m["from"] == "owner", "the owner's own message", stranger)
    assert mine["business"] and mine["text"] == "Hi Mo, Olga here: ask away"
    sandbox.wait_chat("owner", lambda m: "Mo" in m["text"] and "You replied in this chat yourself" in m["text"],
                      "the card saying the owner took over")
    asked = [m for m in sandbox.state(stranger)["chats"]["stranger"] if m["from"] == "bot"]

    sandbox.act("business", stranger=stranger, text="Great: is there a discount for students?")
    # The same person's updates run in order: once the bot answered this /start, it had handled the line above.
    sandbox.act("send", who="stranger", stranger=stranger, text="/start")
    sandbox.wait_chat("stranger", lambda m: m["from"] == "bot" and not m["business"], "the bot chat's answer",
                      stranger)
    assert [m for m in sandbox.state(stranger)["chats"]["stranger"] if m["from"] == "bot" and m["business"]] == asked
    with sqlite3.connect(sandbox.db_path) as db:
        taken = db.execute("select taken_over_at from requests where kind = 'business' and user_id = ?",
                           (stranger,)).fetchall()
    assert len(taken) == 1 and taken[0][0]
