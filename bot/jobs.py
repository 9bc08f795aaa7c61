"""What runs on its own: at start and every minute, whatever the rows say is due (no state kept in jobs)."""

import asyncio
import contextlib
import logging
from datetime import datetime

from telegram.ext import Application, ContextTypes

from bot.flow.access import publish_commands
from bot.flow.decisions import carry_out_due
from bot.flow.deps import Deps
from bot.flow.intake import resume_first_questions
from bot.flow.summaries import catch_up_summary
from bot.flow.upkeep import run_upkeep
from db.requests import list_held_decisions
from db.time import parse_stamp

log = logging.getLogger(__name__)

DEPS_KEY = "doorman.deps"
CATCH_UP_KEY = "doorman.catch_up"
BACKLOG_KEY = "doorman.join_backlog"
FEEDER_KEY = "doorman.join_feeder"
CATCH_UP_GRACE = 5.0  # seconds a stop waits for the catch-up (its calls are cut short after 3)
SWEEP_INTERVAL_SECONDS = 60


def deps_of(app: Application) -> Deps:
    """The flow's dependencies stored in an Application."""
    return app.bot_data[DEPS_KEY]


async def on_start(app: Application) -> None:
    """Catch up on what the database says is due (cards never sent, deadlines passed, the weekly summary),
    then check every minute."""
    deps = deps_of(app)
    try:
        # First: these requesters' 5-minute windows are running.
        owed = resume_first_questions(deps, app.bot)
        if owed:
            log.info("asking %d join requesters still owed their first question", owed)
        await publish_commands(deps, app.bot)
        done = await run_upkeep(deps, app.bot)
        done["summaries"] = await catch_up_summary(deps, app.bot)
    except Exception:  # a Telegram outage at start must not stop the bot; the rows stay due
        if app.bot.stopping.started:  # its calls were cut short, or its HTTP client closed under it
            log.warning("catching up at start was cut short because the bot is stopping; what is due stays due")
        else:
            log.exception("could not catch up at start; what is due stays due")
    else:
        if any(done.values()):
            log.info("caught up at start: %s", done)
    finally:
        deps.db.commit()
    arm_jobs(app)


async def start_catching_up(app: Application) -> None:
    """post_init: catch up in the background, so that polling starts at once. At Telegram's pace for one chat,
    re-sending the cards of a busy hour takes minutes, and updates must not wait for it."""
    # A plain task: PTB's create_task only tracks tasks made while the application runs, and post_init is earlier.
    app.bot_data[CATCH_UP_KEY] = asyncio.get_running_loop().create_task(on_start(app), name="catch-up at start")
    if BACKLOG_KEY in app.bot_data:
        app.bot_data[FEEDER_KEY] = asyncio.get_running_loop().create_task(
            app.bot_data[BACKLOG_KEY].feed(app.update_queue, app.bot), name="waiting join requests")


async def finish_catching_up(app: Application) -> None:
    """post_stop: let a catch-up still under way end (once the bot is stopping its calls are cut short); stop asking
    first questions: whoever is still owed one is in the database."""
    feeder = app.bot_data.pop(FEEDER_KEY, None)
    if feeder is not None:
        feeder.cancel()  # the join requests it has not handed over are rows: the next start hands them over
        with contextlib.suppress(asyncio.CancelledError):
            await feeder
    task = app.bot_data.pop(CATCH_UP_KEY, None)
    if task is not None and not task.done():
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, CATCH_UP_GRACE)
    await deps_of(app).first_questions.close()


def arm_jobs(app: Application) -> None:
    """Check every minute what is due, and arm each decision still inside its undo window for its deadline; the
    jobs hold no state, the rows do."""
    for request in list_held_decisions(deps_of(app).db):
        arm_carry_out(app, request["id"], parse_stamp(request["carry_out_at"]))
    if app.job_queue is not None:
        app.job_queue.run_repeating(sweep, interval=SWEEP_INTERVAL_SECONDS, first=SWEEP_INTERVAL_SECONDS,
                                    name="sweep-deadlines")
        app.job_queue.run_repeating(send_due_summary, interval=SWEEP_INTERVAL_SECONDS,
                                    first=SWEEP_INTERVAL_SECONDS, name="weekly-summary")


def arm_carry_out(app: Application, request_id: int, when: datetime) -> None:
    """Carry out a held decision at its deadline (the minute sweep catches it if this job is lost)."""
    if app.job_queue is None:
        return
    delay = max((when - deps_of(app).now()).total_seconds(), 0.0)
    app.job_queue.run_once(carry_out_held, delay, data=request_id, name=f"carry-out-{request_id}")


async def carry_out_held(context: ContextTypes.DEFAULT_TYPE) -> None:
    """At a held decision's deadline: carry it out unless it was undone (the row says, compare-and-set)."""
    deps = deps_of(context.application)
    try:
        await carry_out_due(deps, context.bot, context.job.data)
    finally:
        deps.db.commit()


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every minute: deadlines, decisions past their undo window, snoozes, reminders, expiry, raid batches, unsent
    cards."""
    deps = deps_of(context.application)
    try:
        await run_upkeep(deps, context.bot)
    finally:
        deps.db.commit()


async def send_due_summary(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every minute: the weekly summary, when its time has come (the row says whether it went out)."""
    deps = deps_of(context.application)
    try:
        await catch_up_summary(deps, context.bot)
    finally:
        deps.db.commit()
