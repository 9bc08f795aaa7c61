"""Webhook mode: with WEBHOOK_URL set, `python -m bot` sets its webhook (URL, secret, the polling mode's update kinds)
and answers updates Telegram posts to it; a post without the secret is refused and changes nothing; SIGTERM stops it
within 10 s, as in polling mode."""

import re
import signal
import socket
import sqlite3
import subprocess
import sys

import pytest
from helpers.process import start_bot, stop_bot, wait_for
from helpers.webhook import WEBHOOK_PATH, WEBHOOK_URL, post_update, start_webhook_bot
from helpers.world import BASE_URL, OWNER, TOKEN
from telegram import Bot
from telegram.error import BadRequest, Conflict
from telegram.request import HTTPXRequest

from bot.app import ALLOWED_UPDATES
from bot.settings import SettingsError, load_settings
from bot.webhook import webhook_options
from db import open_db

GOOD = {"TELEGRAM_BOT_TOKEN": "123456:ABCDEFGHIJ_klmnop-qrs", "OWNER_ID": "11"}
GRACE_PERIOD = 10  # Docker's wait between SIGTERM and SIGKILL, as tests/test_stop.py
SAM, KIM, LEE = 7101, 7102, 7103


def rows(db_path) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("select user_id, status from requests order by id").fetchall()


# -- settings -----------------------------------------------------------------------------------------------------

def test_polling_is_the_default_and_webhook_settings_are_read():
    default = load_settings(GOOD, dotenv=None)
    assert default.webhook_url is None and default.port == 8080 and default.webhook_secret is None
    assert default.webhook_listen == "0.0.0.0"
    webhook = load_settings({**GOOD, "WEBHOOK_URL": " https://bot.example.com/doorman ", "PORT": "5000",
                             "WEBHOOK_SECRET": "s3cret_-X", "WEBHOOK_LISTEN": "127.0.0.1"}, dotenv=None)
    assert (webhook.webhook_url, webhook.port, webhook.webhook_secret, webhook.webhook_listen) == (
        "https://bot.example.com/doorman", 5000, "s3cret_-X", "127.0.0.1")
    # A Bot API server of your own (TELEGRAM_BASE_URL) may call the bot over plain HTTP on the same machine.
    assert load_settings({**GOOD, "WEBHOOK_URL": "http://localhost:8081/hook"}, dotenv=None).webhook_url


@pytest.mark.parametrize("env, variable", [
    ({"WEBHOOK_URL": "bot.example.com/doorman"}, "WEBHOOK_URL"),
    ({"WEBHOOK_URL": "http://bot.example.com/doorman"}, "WEBHOOK_URL"),
    ({"WEBHOOK_URL": "https:///doorman"}, "WEBHOOK_URL"),
    ({"WEBHOOK_URL": "https://bot.example.com/doorman#top"}, "WEBHOOK_URL"),
    ({"WEBHOOK_URL": "https://bot.example.com/doorman?x=1"}, "WEBHOOK_URL"),
    ({"WEBHOOK_URL": "https://bot.example.com:99999/doorman"}, "WEBHOOK_URL"),
    ({"WEBHOOK_URL": "https://bot.example.com:0/doorman"}, "WEBHOOK_URL"),
    ({"WEBHOOK_URL": "https://bot.example.com/a b"}, "WEBHOOK_URL"),
    ({"PORT": "http"}, "PORT"),
    ({"PORT": "0"}, "PORT"),
    ({"PORT": "65536"}, "PORT"),
    ({"WEBHOOK_SECRET": "has space"}, "WEBHOOK_SECRET"),
    ({"WEBHOOK_SECRET": "x" * 257}, "WEBHOOK_SECRET"),
    ({"WEBHOOK_LISTEN": "every interface"}, "WEBHOOK_LISTEN"),
])
def test_bad_webhook_settings_name_the_variable(env, variable):
    with pytest.raises(SettingsError, match=variable) as refused:
        load_settings({**GOOD, "WEBHOOK_URL": "https://bot.example.com/doorman", **env}, dotenv=None)
    assert "has space" not in str(refused.value), "never echo a secret"


@pytest.mark.parametrize("path", ["123456:ABCDEFGHIJ_klmnop-qrs", "bot/ABCDEFGHIJ_klmnop-qrs"])
def test_a_webhook_url_holding_the_token_is_refused_without_echoing_it(path):
    with pytest.raises(SettingsError, match="WEBHOOK_URL") as refused:
        load_settings({**GOOD, "WEBHOOK_URL": f"https://bot.example.com/{path}"}, dotenv=None)
    assert "ABCDEFGHIJ" not in str(refused.value)


def test_python_m_bot_with_a_malformed_webhook_url_exits_2_with_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", **GOOD, "WEBHOOK_URL": "http://bot.example.com/doorman"}
    result = subprocess.run([sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "WEBHOOK_URL" in lines[0] and "https" in lines[0], result.stderr


# -- the secret and the options handed to PTB ---------------------------------------------------------------------

def test_a_generated_secret_is_made_once_and_kept_across_restarts(tmp_path, clock):
    settings = load_settings({**GOOD, "WEBHOOK_URL": "https://bot.example.com/door.man/", "PORT": "5000",
                              "DATABASE_PATH": str(tmp_path / "d.db")}, dotenv=None)
    db = open_db(settings.database_path)
    first = webhook_options(settings, db, clock())
    db.close()
    db = open_db(settings.database_path)
    second = webhook_options(settings, db, clock())
    db.close()
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,256}", first["secret_token"])
    assert second["secret_token"] == first["secret_token"], "a restart keeps the secret Telegram was given"
    assert first == {"listen": "0.0.0.0", "port": 5000, "url_path": r"/door\.man/",
                     "webhook_url": "https://bot.example.com/door.man/", "secret_token": first["secret_token"],
                     "allowed_updates": ALLOWED_UPDATES}
    given = load_settings({**GOOD, "WEBHOOK_URL": "https://bot.example.com", "WEBHOOK_SECRET": "mine",
                           "DATABASE_PATH": str(tmp_path / "d.db")}, dotenv=None)
    db = open_db(given.database_path)
    options = webhook_options(given, db, clock())
    db.close()
    assert (options["secret_token"], options["url_path"]) == ("mine", "/")


# -- the fake Bot API knows webhooks ------------------------------------------------------------------------------

async def test_the_fake_keeps_a_webhook_as_telegram_does(fake_api):
    request = HTTPXRequest(httpx_kwargs={"transport": fake_api.transport})
    async with Bot(TOKEN, base_url=BASE_URL, request=request, get_updates_request=request) as bot:
        with pytest.raises(BadRequest, match="(?i)https url must be provided"):
            await bot.set_webhook("http://bot.example.com/hook")
        with pytest.raises(BadRequest, match="(?i)only on ports 80, 88, 443 or 8443"):
            await bot.set_webhook("https://bot.example.com:5000/hook")
        with pytest.raises(BadRequest, match="(?i)secret token contains unallowed characters"):
            await bot.set_webhook("https://bot.example.com/hook", secret_token="not allowed!")
        assert await bot.set_webhook("https://bot.example.com/hook", secret_token="abc", allowed_updates=["message"])
        info = await bot.get_webhook_info()
        assert info.url == "https://bot.example.com/hook" and info.allowed_updates == ("message",)
        assert info.pending_update_count == 0 and not info.has_custom_certificate
        assert "secret_token" not in fake_api.calls[-1].result, "Telegram never tells the secret back"
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook() is True
        assert (await bot.get_webhook_info()).url == "" and await bot.get_updates() == ()


# -- the real process ---------------------------------------------------------------------------------------------

def test_python_m_bot_in_webhook_mode_answers_posted_updates_and_refuses_a_wrong_secret(fake_api, tmp_path):
    server = fake_api.serve()
    sam, kim, lee = fake_api.user(SAM, "Sam"), fake_api.user(KIM, "Kim"), fake_api.user(LEE, "Lee")
    db_path = tmp_path / "doorman.db"
    bot, port = start_webhook_bot(server.base_url, db_path, tmp_path)
    try:
        [hook] = wait_for(lambda: fake_api.calls_to("setWebhook"), "the bot to set its webhook")
        assert hook["url"] == WEBHOOK_URL and hook["allowed_updates"] == ALLOWED_UPDATES
        secret = hook["secret_token"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,256}", secret), "generated, as Telegram allows"
        assert fake_api.calls_to("getUpdates") == [], "a webhook bot never polls"

        assert post_update(port, fake_api.private_message(kim, "/start"), "wrong-secret") == 403
        assert post_update(port, fake_api.private_message(lee, "/start"), None) == 403
        assert post_update(port, fake_api.private_message(sam, "/start"), secret) == 200
        question = wait_for(lambda: fake_api.sent_to(SAM), "the first question to Sam")[-1]
        assert "How did you find me?" in question["text"]
        wait_for(lambda: rows(db_path), "Sam's request row")
        assert post_update(port, fake_api.press_button(sam, SAM, question["message_id"], "v1:pick:1:how.met"),
                           secret) == 200
        wait_for(lambda: "tell me a bit more" in fake_api.sent_to(SAM)[-1]["text"], "the conversation to go on")
        assert post_update(port, fake_api.private_message(sam, "/start"), secret, path="/elsewhere") == 404
    finally:
        output = stop_bot(bot)
        server.close()
    assert bot.returncode == 0, output
    assert rows(db_path) == [(SAM, "asking")], "the refused posts left no row"
    assert fake_api.sent_to(KIM) == [] and fake_api.sent_to(LEE) == [], "and no answer"
    assert TOKEN not in output and "TEST-TOKEN" not in output and secret not in output, output
    assert "Traceback" not in output, output
    assert WEBHOOK_URL in output, "the log says where updates are expected"
    assert fake_api.calls_to("deleteWebhook") == [], "stopping keeps the webhook: Telegram holds updates meanwhile"


def hung(api) -> bool:
    return any(c.method == "sendMessage" and c.error == {"fault": "hang"} for c in api.calls)


def sigterm_when(bot, api, server, ready) -> tuple[int | None, str]:
    """Run `ready()` against the running bot, send SIGTERM, and wait GRACE_PERIOD for it to exit: its exit code
    (None: still running, then killed) and its output. Ends the fake's faults and server either way."""
    code, output = None, ""
    try:
        ready()
        bot.send_signal(signal.SIGTERM)
        try:
            output, _ = bot.communicate(timeout=GRACE_PERIOD)
            code = bot.returncode
        except subprocess.TimeoutExpired:
            pass
    finally:
        if bot.returncode is None:
            output += stop_bot(bot)
        api.clear_faults()
        server.close()
    return code, output


def test_sigterm_in_webhook_mode_while_a_send_hangs_stops_within_ten_seconds(fake_api, tmp_path):
    server = fake_api.serve()
    sam = fake_api.user(SAM, "Sam")
    fake_api.user(OWNER, "Olga")
    db_path = tmp_path / "doorman.db"
    bot, port = start_webhook_bot(server.base_url, db_path, tmp_path, WEBHOOK_SECRET="given-secret")

    def send_hangs():
        [hook] = wait_for(lambda: fake_api.calls_to("setWebhook"), "the bot to set its webhook")
        assert hook["secret_token"] == "given-secret"
        fake_api.fail_next("sendMessage", kind="hang", times=100, when=lambda p: p.get("chat_id") == SAM)
        assert post_update(port, fake_api.private_message(sam, "/start"), "given-secret") == 200
        wait_for(lambda: hung(fake_api), "the first question to Sam to hang")

    code, output = sigterm_when(bot, fake_api, server, send_hangs)
    assert code == 0, f"still running {GRACE_PERIOD} s after SIGTERM (or exited {code}):\n{output}"
    assert "Traceback" not in output and TOKEN not in output and "given-secret" not in output, output
    assert "cut short because the bot is stopping" in output, output
    assert rows(db_path) == [(SAM, "asking")]


def test_sigterm_while_setting_the_webhook_stops_cleanly(fake_api, tmp_path):
    server = fake_api.serve()
    fake_api.fail_next("setWebhook", kind="hang")
    bot, _ = start_webhook_bot(server.base_url, tmp_path / "doorman.db", tmp_path, WEBHOOK_SECRET="given-secret")
    code, output = sigterm_when(bot, fake_api, server, lambda: wait_for(
        lambda: fake_api.calls_to("setWebhook"), "the bot to try to set its webhook"))
    assert code == 0, f"exited {code} (None: still running {GRACE_PERIOD} s after SIGTERM):\n{output}"
    assert "Traceback" not in output and TOKEN not in output and "given-secret" not in output, output


def test_webhook_path_constant_matches_the_url():
    assert WEBHOOK_URL.endswith(WEBHOOK_PATH)


def test_python_m_bot_in_webhook_mode_without_the_extra_says_what_to_install(tmp_path):
    shadow = tmp_path / "shadow" / "tornado"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('tornado is not installed')\n")
    env = {"PATH": "/usr/bin:/bin", **GOOD, "WEBHOOK_URL": "https://bot.example.com/doorman",
           "PYTHONPATH": str(tmp_path / "shadow"), "DATABASE_PATH": str(tmp_path / "d.db"),
           "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot"}
    result = subprocess.run([sys.executable, "-m", "bot"], env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "WEBHOOK_URL" in lines[0] and "pip install -e '.[webhooks]'" in lines[0], result.stderr
    assert not (tmp_path / "d.db").exists(), "stopped before anything was started"


def test_python_m_bot_on_a_port_in_use_exits_2_naming_port(fake_api, tmp_path):
    server = fake_api.serve()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        bot = start_bot(server.base_url, tmp_path / "doorman.db", tmp_path, WEBHOOK_URL=WEBHOOK_URL,
                        PORT=str(taken.getsockname()[1]), WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_SECRET="s")
        try:
            output, _ = bot.communicate(timeout=60)
        finally:
            if bot.returncode is None:
                stop_bot(bot)
            server.close()
    assert bot.returncode == 2, output
    last = output.strip().splitlines()[-1]
    assert last.startswith("doorman: PORT") and "in use" in last and "Traceback" not in output, output


def test_switching_back_to_polling_deletes_the_webhook(fake_api, tmp_path):
    server = fake_api.serve()
    owner = fake_api.user(OWNER, "Olga")
    db_path = tmp_path / "doorman.db"
    try:
        bot, _ = start_webhook_bot(server.base_url, db_path, tmp_path)
        try:
            wait_for(lambda: fake_api.calls_to("setWebhook"), "the bot to set its webhook")
        finally:
            stop_bot(bot)
        assert fake_api.webhook is not None, "a stopped webhook bot leaves its webhook set"
        fake_api.private_message(owner, "/start")  # Telegram holds it meanwhile
        bot = start_bot(server.base_url, db_path, tmp_path)
        try:
            wait_for(lambda: fake_api.sent_to(OWNER), "the polling bot to answer what came meanwhile")
        finally:
            output = stop_bot(bot)
    finally:
        server.close()
    assert fake_api.webhook is None and fake_api.calls_to("deleteWebhook"), output
    assert "Traceback" not in output, output
