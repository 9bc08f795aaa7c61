"""Stopping on time: once stopping begins, Bot API calls stop retrying and waiting; SIGTERM while a send hangs ends
`python -m bot` cleanly within 10 s, and after a restart nothing is lost."""

import asyncio
import signal
import sqlite3
import subprocess
from datetime import UTC, datetime

import pytest
from helpers.flows import requests, stop_with_a_card_due
from helpers.process import start_bot, stop_bot, wait_for
from helpers.world import OWNER, TOKEN, Driver
from telegram.error import TimedOut

from bot.app import build_application
from bot.flow.summaries import catch_up_summary
from bot.jobs import deps_of, on_start
from bot.telegram.stopping import CutShort, CutShortInFlight, Stopping

# Docker waits 10 s between SIGTERM and SIGKILL (Heroku 30, systemd 90): the shortest grace period we must meet.
GRACE_PERIOD = 10
SAM = 7003


def hung(api) -> bool:
    return any(c.method == "sendMessage" and c.error == {"fault": "hang"} for c in api.calls)


def signal_while_a_send_hangs(fake_api, base_url: str, db_path, cwd, sig: int) -> tuple[int | None, str]:
    """Start the bot, let its first question to Sam hang, send `sig`; the exit code (None: still running after
    GRACE_PERIOD s, then stopped) and everything it logged."""
    owner = fake_api.user(OWNER, "Olga")
    sam = fake_api.user(SAM, "Sam")
    fake_api.private_message(owner, "/start")
    bot = start_bot(base_url, db_path, cwd)
    code, output = None, ""
    try:
        wait_for(lambda: fake_api.sent_to(OWNER), "the bot to answer the owner's /start")
        fake_api.fail_next("sendMessage", kind="hang", times=100, when=lambda p: p.get("chat_id") == SAM)
        fake_api.private_message(sam, "/start")
        wait_for(lambda: hung(fake_api), "the first question to Sam to hang")
        bot.send_signal(sig)
        try:
            # communicate() is wait(timeout=...) that also drains the output pipe, so the bot can never block on it
            output, _ = bot.communicate(timeout=GRACE_PERIOD)
            code = bot.returncode
        except subprocess.TimeoutExpired:
            output = ""
    finally:
        if bot.returncode is None:
            output += stop_bot(bot)
    return code, output


def test_sigterm_while_a_send_hangs_stops_within_ten_seconds_and_loses_nothing(fake_api, tmp_path):
    server = fake_api.serve()
    db_path = tmp_path / "doorman.db"
    try:
        code, output = signal_while_a_send_hangs(fake_api, server.base_url, db_path, tmp_path, signal.SIGTERM)
        assert code == 0, f"still running {GRACE_PERIOD} s after SIGTERM (or exited {code}):\n{output}"
        assert "Traceback" not in output and TOKEN not in output, output
        assert "cut short because the bot is stopping" in output, output
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("select id, user_id, status from requests").fetchall() == [(1, SAM, "asking")]

        fake_api.clear_faults()
        sam = fake_api.user(SAM, "Sam")
        bot = start_bot(server.base_url, db_path, tmp_path)
        try:
            fake_api.private_message(sam, "/start")  # Sam never saw the question, so Sam says /start again
            question = wait_for(lambda: [m for m in fake_api.sent_to(SAM) if "How did you find me?" in m["text"]],
                                "the first question after the restart")[-1]
            fake_api.press_button(sam, SAM, question["message_id"], "v1:pick:1:how.met")
            wait_for(lambda: "tell me a bit more" in fake_api.sent_to(SAM)[-1]["text"], "the conversation to go on")
        finally:
            output = stop_bot(bot)
    finally:
        fake_api.clear_faults()
        server.close()
    assert "Traceback" not in output, output
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select id, user_id, status from requests").fetchall() == [(1, SAM, "asking")]
        assert conn.execute("select question_key, choice from answers").fetchall() == [("how", "met")]


def test_ctrl_c_while_a_send_hangs_stops_as_soon_as_sigterm(fake_api, tmp_path):
    server = fake_api.serve()
    try:
        code, output = signal_while_a_send_hangs(fake_api, server.base_url, tmp_path / "doorman.db", tmp_path,
                                                 signal.SIGINT)
    finally:
        fake_api.clear_faults()
        server.close()
    assert code == 0, f"still running {GRACE_PERIOD} s after SIGINT (or exited {code}):\n{output}"
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert "cut short because the bot is stopping" in output, output


@pytest.fixture
async def stopping_app(settings, db, fake_api, clock, stranger):
    """An app whose retries would wait long, and the Stopping it obeys."""
    fake_api.private_message(stranger, "hi")
    stopping = Stopping(grace=0.2)
    app = build_application(settings, db=db, clock=clock, transport=fake_api.transport, backoff=60,
                            stopping=stopping)
    await app.initialize()
    yield app, stopping
    await app.shutdown()


async def until_called(api, method: str, count: int = 1) -> None:
    """Wait until the fake saw `method` called `count` times (with a generous deadline, not a timing assertion)."""
    async with asyncio.timeout(10):
        while len(api.calls_to(method)) < count:
            await asyncio.sleep(0.01)


async def test_stopping_ends_a_retry_backoff_at_once_and_retries_nothing(stopping_app, fake_api, stranger):
    app, stopping = stopping_app
    fake_api.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=5)
    send = asyncio.create_task(app.bot.send_message(stranger["id"], "hello"))
    await until_called(fake_api, "sendMessage")
    stopping.begin()
    # Given up because of the stop, not because Telegram failed for good: a CutShort, like a hanging call.
    with pytest.raises(CutShort, match="Bad Gateway") as given_up:
        await asyncio.wait_for(send, 10)  # a deadline far below the 60 s backoff, not a timing assertion
    assert not isinstance(given_up.value, TimedOut), "Telegram refused it: still a refusal, not a timeout"
    assert len(fake_api.calls_to("sendMessage")) == 1


async def test_stopping_cuts_a_hanging_call_short_and_refuses_new_ones(stopping_app, fake_api, stranger):
    app, stopping = stopping_app
    fake_api.fail_next("sendMessage", kind="hang")
    send = asyncio.create_task(app.bot.send_message(stranger["id"], "hello"))
    await until_called(fake_api, "sendMessage")
    stopping.begin()
    with pytest.raises(CutShortInFlight):  # a timeout: Telegram had it, so it may have taken effect
        await asyncio.wait_for(send, 10)
    with pytest.raises(CutShort) as refused:
        await app.bot.send_message(stranger["id"], "after the grace period")
    assert not isinstance(refused.value, TimedOut), "never sent, so certainly without effect"
    assert len(fake_api.calls_to("sendMessage")) == 1, "nothing was sent after the grace period"
    fake_api.clear_faults()


async def test_a_send_given_up_while_stopping_is_logged_calmly_and_the_request_stays(stopping_app, fake_api, db,
                                                                                      stranger, caplog):
    app, stopping = stopping_app
    fake_api.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=5)
    handling = asyncio.create_task(Driver(app, fake_api).send(stranger, "/start"))
    await until_called(fake_api, "sendMessage")
    stopping.begin()
    update = await asyncio.wait_for(handling, 10)
    reports = [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records if r.name == "doorman.errors"]
    where = f"update {update['update_id']} from user {stranger['id']}"
    assert reports == [("WARNING", f"{where} was cut short because the bot is stopping", None)]
    assert [(r["user_id"], r["status"]) for r in requests(db)] == [(stranger["id"], "asking")]


async def test_catching_up_at_start_cut_short_is_logged_calmly_and_the_card_stays_due(make_app, settings, db,
                                                                                      fake_api, clock, stranger,
                                                                                      owner, caplog):
    await stop_with_a_card_due(make_app, settings, db, fake_api, stranger, owner)
    caplog.clear()

    stopping = Stopping(grace=0.2)
    second = build_application(settings, db=db, clock=clock, transport=fake_api.transport, stopping=stopping)
    await second.initialize()
    fake_api.fail_next("sendMessage", kind="hang", when=lambda params: params.get("chat_id") == OWNER)
    starting = asyncio.create_task(on_start(second))
    await until_called(fake_api, "sendMessage", len(fake_api.calls_to("sendMessage")) + 1)
    stopping.begin()
    await asyncio.wait_for(starting, 10)
    await second.shutdown()
    fake_api.clear_faults()
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    assert any("cut short because the bot is stopping" in r.getMessage() for r in caplog.records), caplog.text
    assert requests(db)[0]["card_message_id"] is None

    third = await make_app(settings, db)
    await on_start(third)
    [card] = [m for m in fake_api.sent_to(OWNER) if "Want to ask about checkpoints" in m["text"]]
    assert requests(db)[0]["card_message_id"] == card["message_id"]
    await third.shutdown()


def weekly_summaries(api) -> list[dict]:
    return [m for m in api.sent_to(OWNER) if m["text"].startswith("📊 Weekly summary")]


async def test_a_weekly_summary_refused_because_the_bot_is_stopping_goes_out_at_the_next_start(make_app, settings, db,
                                                                                                fake_api, clock,
                                                                                                owner):
    fake_api.private_message(owner, "/start")
    stopping = Stopping(grace=0)
    app = build_application(settings, db=db, clock=clock, transport=fake_api.transport, stopping=stopping)
    await app.initialize()
    clock.current = datetime(2026, 11, 18, 12, tzinfo=UTC)
    assert await catch_up_summary(deps_of(app), app.bot) == 0  # the first start records where it begins
    clock.current = datetime(2026, 11, 23, 9, tzinfo=UTC)  # Monday 09:00: the summary is due
    stopping.begin()  # no grace: every call is refused before it reaches Telegram
    assert await catch_up_summary(deps_of(app), app.bot) == 0
    await app.shutdown()
    assert weekly_summaries(fake_api) == []

    # Never sent, so not "may have arrived" (a week must never arrive twice, but must not be lost either).
    second = await make_app(settings, db)
    assert await catch_up_summary(deps_of(second), second.bot) == 1
    assert len(weekly_summaries(fake_api)) == 1
    await second.shutdown()
