"""Undo and Ignore: a reviewer's decision waits 30 seconds (a row, not a timer in memory) before anyone is told."""

import asyncio
import contextlib
from dataclasses import replace
from datetime import timedelta

import pytest
from helpers.flows import answer_all, requests
from helpers.world import OWNER, Driver

from bot.flow.upkeep import run_upkeep
from bot.jobs import deps_of, on_start
from db.stats import week_series

GROUP = -1001234567890
WINDOW = timedelta(seconds=30)
ALL_BUTTONS = ["v1:accept:1", "v1:decline:1", "v1:block:1", "v1:ignore:1", "v1:ask:1", "v1:later:1"]


@pytest.fixture
def undo_settings(settings):
    return replace(settings, undo_window=WINDOW)


@pytest.fixture
async def undo_driver(make_app, undo_settings, db, fake_api, owner, reviewer):
    for person in (owner, reviewer):
        fake_api.private_message(person, "/start")
    app = await make_app(undo_settings, db)
    yield Driver(app, fake_api)
    await app.shutdown()


def buttons(message: dict) -> list[str]:
    return [b["callback_data"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def events(db, kind: str) -> int:
    return db.execute("select count(*) from events where kind = ?", [kind]).fetchone()[0]


def card(api, message_id: int) -> dict:
    return next(m for m in api.sent_to(OWNER) if m["message_id"] == message_id)


def alerts(api) -> list[str]:
    return [c.get("text") for c in api.calls_to("answerCallbackQuery")]


async def join_and_answer(driver, api, user):
    api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(api.join_request(user, GROUP))
    await driver.send(user, "Your talk at RustConf about async drivers")
    await driver.send(user, "I build embedded Rust and want to learn from the group")
    await driver.answer_followup(user)
    return driver.card()


async def run_carry_out(app, request_id: int = 1) -> None:
    """Run the one-off job armed for the request's deadline (as the JobQueue would at that moment)."""
    jobs = app.job_queue.get_jobs_by_name(f"carry-out-{request_id}")
    assert jobs, "a job is armed at the deadline"
    for job in jobs:
        await job.run(app)


async def test_accept_is_carried_out_once_when_the_window_closes(undo_driver, fake_api, db, stranger, owner, clock):
    shown = await join_and_answer(undo_driver, fake_api, stranger)
    told = len(fake_api.sent_to(stranger["id"]))
    await undo_driver.press(owner, OWNER, shown["message_id"], "v1:accept:1")

    held = card(fake_api, shown["message_id"])
    assert "✅ Approved" in held["text"] and buttons(held) == ["v1:undo:1"]
    assert fake_api.calls_to("approveChatJoinRequest") == []
    assert len(fake_api.sent_to(stranger["id"])) == told, "the requester hears nothing yet"
    [row] = requests(db)
    assert row["status"] == "accepted" and row["carry_out_at"] is not None
    assert events(db, "accepted") == 0 and db["people"].get(stranger["id"])["standing"] == "unknown"

    clock.advance(seconds=29)
    await run_carry_out(undo_driver.app)  # a job that fires early carries out nothing
    assert fake_api.calls_to("approveChatJoinRequest") == []

    clock.advance(seconds=2)
    await run_carry_out(undo_driver.app)
    await run_carry_out(undo_driver.app)
    await run_upkeep(deps_of(undo_driver.app), undo_driver.app.bot)
    assert fake_api.calls_to("approveChatJoinRequest") == [{"chat_id": GROUP, "user_id": stranger["id"]}]
    welcome = [m for m in fake_api.sent_to(stranger["id"])[told:] if "welcome to Rust Embedded" in m["text"]]
    assert len(welcome) == 1 and len(fake_api.sent_to(stranger["id"])) == told + 1
    final = card(fake_api, shown["message_id"])
    assert "✅ Approved" in final["text"] and buttons(final) == []
    [row] = requests(db)
    assert row["status"] == "accepted" and row["carry_out_at"] is None
    assert events(db, "accepted") == 1 and db["people"].get(stranger["id"])["standing"] == "allowed"


async def test_undo_within_the_window_brings_back_the_full_card_and_tells_no_one(undo_driver, fake_api, db,
                                                                               stranger, owner, clock):
    await undo_driver.send(stranger, "/start")
    await answer_all(undo_driver, stranger)
    shown = undo_driver.card()
    assert buttons(shown) == ALL_BUTTONS
    told = len(fake_api.sent_to(stranger["id"]))
    await undo_driver.press(owner, OWNER, shown["message_id"], "v1:accept:1")
    clock.advance(seconds=20)
    await undo_driver.press(owner, OWNER, shown["message_id"], "v1:undo:1")

    back = card(fake_api, shown["message_id"])
    assert buttons(back) == ALL_BUTTONS and "Accepted" not in back["text"]
    assert alerts(fake_api)[-1] == "Undone: #1 waits for your decision again."
    [row] = requests(db)
    assert (row["status"], row["decided_at"], row["decided_by"], row["carry_out_at"]) == ("pending", None, None, None)

    clock.advance(minutes=5)
    await run_carry_out(undo_driver.app)
    await run_upkeep(deps_of(undo_driver.app), undo_driver.app.bot)
    assert len(fake_api.sent_to(stranger["id"])) == told, "nothing was sent to the requester"
    assert requests(db)[0]["status"] == "pending" and events(db, "accepted") == 0 and events(db, "undone") == 1
    assert buttons(card(fake_api, shown["message_id"])) == ALL_BUTTONS


async def test_undo_after_the_window_is_refused_with_an_alert(undo_driver, fake_api, db, stranger, owner, clock):
    shown = await join_and_answer(undo_driver, fake_api, stranger)
    await undo_driver.press(owner, OWNER, shown["message_id"], "v1:decline:1")
    clock.advance(seconds=31)
    # The deadline has passed but the job has not run yet: too late all the same.
    await undo_driver.press(owner, OWNER, shown["message_id"], "v1:undo:1")
    assert alerts(fake_api)[-1] == "Too late to undo: Declined was carried out."
    assert requests(db)[0]["status"] == "declined"
    await run_carry_out(undo_driver.app)
    assert len(fake_api.calls_to("declineChatJoinRequest")) == 1
    assert buttons(card(fake_api, shown["message_id"])) == [], "the card shows the final state"
    # A client that still shows the old Undo button.
    await undo_driver.feed(fake_api.press_button(owner, OWNER, shown["message_id"], "v1:undo:1", check_buttons=False))
    assert alerts(fake_api)[-1] == "Too late to undo: Declined was carried out."
    [row] = requests(db)
    assert row["status"] == "declined" and len(fake_api.calls_to("declineChatJoinRequest")) == 1
    assert events(db, "undone") == 0 and events(db, "declined") == 1


async def test_only_reviewers_may_undo(undo_driver, fake_api, db, stranger, owner, reviewer):
    await undo_driver.send(stranger, "/start")
    await answer_all(undo_driver, stranger)
    shown = undo_driver.card()
    await undo_driver.press(owner, OWNER, shown["message_id"], "v1:block:1")
    intruder = fake_api.user(4242, "Ivan")
    await undo_driver.press(intruder, OWNER, shown["message_id"], "v1:undo:1")
    assert alerts(fake_api)[-1] == "Only the reviewers of this bot can decide requests."
    assert requests(db)[0]["status"] == "blocked" and requests(db)[0]["carry_out_at"] is not None
    await undo_driver.press(reviewer, OWNER, shown["message_id"], "v1:undo:1")  # any reviewer, not only the decider
    assert requests(db)[0]["status"] == "pending"


async def test_undo_still_works_after_a_restart_inside_the_window(make_app, undo_settings, db, fake_api, stranger,
                                                                  owner, clock):
    fake_api.private_message(owner, "/start")
    first = Driver(await make_app(undo_settings, db), fake_api)
    shown = await join_and_answer(first, fake_api, stranger)
    told = len(fake_api.sent_to(stranger["id"]))
    await first.press(owner, OWNER, shown["message_id"], "v1:accept:1")
    await first.app.shutdown()

    clock.advance(seconds=10)
    second = Driver(await make_app(undo_settings, db), fake_api)
    await on_start(second.app)
    assert second.app.job_queue.get_jobs_by_name("carry-out-1"), "the deadline is armed again from the row"
    assert fake_api.calls_to("approveChatJoinRequest") == []
    await second.press(owner, OWNER, shown["message_id"], "v1:undo:1")
    assert requests(db)[0]["status"] == "pending"
    assert buttons(card(fake_api, shown["message_id"]))[:4] == ALL_BUTTONS[:4]
    clock.advance(minutes=1)
    await run_carry_out(second.app)
    assert fake_api.calls_to("approveChatJoinRequest") == [] and len(fake_api.sent_to(stranger["id"])) == told
    await second.app.shutdown()


async def test_a_window_that_closed_while_stopped_is_carried_out_once_at_start(make_app, undo_settings, db,
                                                                               fake_api, stranger, owner, clock):
    fake_api.private_message(owner, "/start")
    first = Driver(await make_app(undo_settings, db), fake_api)
    shown = await join_and_answer(first, fake_api, stranger)
    await first.press(owner, OWNER, shown["message_id"], "v1:accept:1")
    await first.app.shutdown()

    clock.advance(minutes=3)
    second = await make_app(undo_settings, db)
    await on_start(second)
    await on_start(second)  # a second start must not carry it out again
    assert fake_api.calls_to("approveChatJoinRequest") == [{"chat_id": GROUP, "user_id": stranger["id"]}]
    assert len([m for m in fake_api.sent_to(stranger["id"]) if "welcome to Rust Embedded" in m["text"]]) == 1
    [row] = requests(db)
    assert row["status"] == "accepted" and row["carry_out_at"] is None and events(db, "accepted") == 1
    assert buttons(card(fake_api, shown["message_id"])) == []
    await second.shutdown()


async def test_ignore_declines_a_join_request_without_a_word(undo_driver, fake_api, db, stranger, owner, clock):
    shown = await join_and_answer(undo_driver, fake_api, stranger)
    assert "🔕 Ignore" in [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    told = len(fake_api.sent_to(stranger["id"]))
    await undo_driver.press(owner, OWNER, shown["message_id"], "v1:ignore:1")
    held = card(fake_api, shown["message_id"])
    assert "🔕 Ignored by" in held["text"] and buttons(held) == ["v1:undo:1"]
    assert alerts(fake_api)[-1].startswith("Ignored")
    assert fake_api.calls_to("declineChatJoinRequest") == []

    clock.advance(seconds=31)
    await run_carry_out(undo_driver.app)
    assert fake_api.calls_to("declineChatJoinRequest") == [{"chat_id": GROUP, "user_id": stranger["id"]}]
    assert len(fake_api.sent_to(stranger["id"])) == told, "the requester is told nothing"
    final = card(fake_api, shown["message_id"])
    assert "🔕 Ignored by" in final["text"] and buttons(final) == []
    [row] = requests(db)
    assert (row["status"], row["ignored"], row["carry_out_at"]) == ("declined", 1, None)
    assert events(db, "declined") == 1


async def test_ignore_on_a_direct_request_sends_nothing_even_without_decline_silent(undo_driver, fake_api, db,
                                                                                   stranger, owner, clock):
    await undo_driver.send(stranger, "/start")
    await answer_all(undo_driver, stranger)
    told = len(fake_api.sent_to(stranger["id"]))
    await undo_driver.press(owner, OWNER, undo_driver.card()["message_id"], "v1:ignore:1")
    clock.advance(seconds=31)
    await run_carry_out(undo_driver.app)
    assert len(fake_api.sent_to(stranger["id"])) == told
    assert (requests(db)[0]["status"], requests(db)[0]["ignored"]) == ("declined", 1)


async def test_a_requester_writing_inside_the_window_hears_it_is_still_waiting(undo_driver, fake_api, db,
                                                                              stranger, owner):
    await undo_driver.send(stranger, "/start")
    await answer_all(undo_driver, stranger)
    await undo_driver.press(owner, OWNER, undo_driver.card()["message_id"], "v1:accept:1")
    await undo_driver.send(stranger, "Hello? Any news?")
    said = undo_driver.last(stranger["id"])["text"]
    assert "already with the owner" in said and "accepted" not in said.lower()
    assert len(requests(db)) == 1, "no new request while the decision can still be undone"
    await undo_driver.press(owner, OWNER, undo_driver.card()["message_id"], "v1:undo:1")
    assert requests(db)[0]["status"] == "pending"


async def test_weekly_counts_skip_an_undone_decision_and_count_a_carried_out_one_once(undo_driver, fake_api, db,
                                                                                    stranger, owner, clock):
    await undo_driver.send(stranger, "/start")
    await answer_all(undo_driver, stranger)
    message_id = undo_driver.card()["message_id"]
    week = [(clock.current - timedelta(days=1), clock.current + timedelta(days=6))]

    await undo_driver.press(owner, OWNER, message_id, "v1:accept:1")
    assert (week_series(db, week)[0]["decided"], week_series(db, week)[0]["still_open"]) == (0, 1)
    await undo_driver.press(owner, OWNER, message_id, "v1:undo:1")
    assert (week_series(db, week)[0]["decided"], week_series(db, week)[0]["still_open"]) == (0, 1)

    await undo_driver.press(owner, OWNER, message_id, "v1:decline:1")
    clock.advance(seconds=31)
    await run_carry_out(undo_driver.app)
    series = week_series(db, week)[0]
    assert (series["decided"], series["outcomes"]["declined"], series["outcomes"]["accepted"]) == (1, 1, 0)
    assert events(db, "declined") == 1 and events(db, "accepted") == 0


@pytest.mark.parametrize("window", [timedelta(0), WINDOW], ids=["at-once", "after-the-window"])
async def test_a_crash_while_carrying_out_a_decision_carries_it_out_at_the_next_start(
        make_app, settings, db, fake_api, stranger, owner, clock, window):
    fake_api.private_message(owner, "/start")
    first = Driver(await make_app(replace(settings, undo_window=window), db), fake_api)
    shown = await join_and_answer(first, fake_api, stranger)
    fake_api.fail_next("approveChatJoinRequest", kind="hang")
    if window:
        await first.press(owner, OWNER, shown["message_id"], "v1:accept:1")
        clock.advance(minutes=1)
        carrying = asyncio.create_task(run_upkeep(deps_of(first.app), first.app.bot))  # the window closed
    else:
        carrying = asyncio.create_task(first.press(owner, OWNER, shown["message_id"], "v1:accept:1"))
    while not fake_api.calls_to("approveChatJoinRequest"):
        await asyncio.sleep(0.01)
    carrying.cancel()  # the process dies while Telegram has the call: nothing after it runs …
    with contextlib.suppress(asyncio.CancelledError):
        await carrying
    db.conn.rollback()  # … and nothing it had not committed is kept
    fake_api.clear_faults()
    [row] = requests(db)
    assert row["status"] == "accepted" and row["carry_out_at"] is not None, "still due: the row says so"
    assert events(db, "accepted") == 0

    second = await make_app(replace(settings, undo_window=window), db)
    await on_start(second)
    await on_start(second)
    assert fake_api.calls_to("approveChatJoinRequest") == [{"chat_id": GROUP, "user_id": stranger["id"]}] * 2, \
        "the lost call, then the one at start; a second start does nothing"
    assert len([m for m in fake_api.sent_to(stranger["id"]) if "welcome to Rust Embedded" in m["text"]]) == 1
    [row] = requests(db)
    assert row["status"] == "accepted" and row["carry_out_at"] is None and events(db, "accepted") == 1
    assert buttons(card(fake_api, shown["message_id"])) == []
    await second.shutdown()
    await first.app.shutdown()


async def test_block_inside_the_window_overrides_the_accept_pressed_before_it(undo_driver, fake_api, db, stranger,
                                                                             owner, clock):
    stranger = {**stranger, "username": "ada"}
    shown = await join_and_answer(undo_driver, fake_api, stranger)
    await undo_driver.press(owner, OWNER, shown["message_id"], "v1:accept:1")
    await undo_driver.send(owner, "/block @ada")
    assert "blocked" in undo_driver.last(OWNER)["text"] and "1 open request decided" in undo_driver.last(OWNER)["text"]
    [row] = requests(db)
    assert (row["status"], row["carry_out_at"]) == ("blocked", None)
    assert fake_api.calls_to("declineChatJoinRequest") == [{"chat_id": GROUP, "user_id": stranger["id"]}]
    clock.advance(minutes=1)
    await run_upkeep(deps_of(undo_driver.app), undo_driver.app.bot)
    assert fake_api.calls_to("approveChatJoinRequest") == [], "the accept from before the block never goes out"
    assert db["people"].get(stranger["id"])["standing"] == "blocked"
    assert events(db, "accepted") == 0 and events(db, "blocked") == 1
