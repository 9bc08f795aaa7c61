"""Build the Application: settings, services, handlers in a fixed order."""

import logging
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlite_utils import Database
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import HTTPXRequest

from bot.concurrency import PerSenderProcessor
from bot.handlers import business, errors, join, people, requester, review, summary, updates
from bot.request import RetryingRequest
from bot.services import SERVICES_KEY, build_services, get_services, utc_now
from bot.settings import Settings
from bot.upkeep import run_upkeep
from db import open_db

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "chat_join_request",
    "my_chat_member",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
]


SWEEP_INTERVAL_SECONDS = 60


async def on_start(app: Application) -> None:
    """Re-arm what the database says is due: cards never sent, deadlines passed, the periodic sweep."""
    svc = get_services(app.bot_data)
    try:
        done = await run_upkeep(svc, app.bot)
        done["summaries"] = await summary.catch_up_summary(svc, app.bot)
    except Exception:  # a Telegram outage at start must not stop the bot; the rows stay due
        log.exception("could not catch up at start; what is due stays due")
    else:
        if any(done.values()):
            log.info("caught up at start: %s", done)
    if app.job_queue is not None:
        app.job_queue.run_repeating(sweep, interval=SWEEP_INTERVAL_SECONDS, first=SWEEP_INTERVAL_SECONDS,
                                    name="sweep-deadlines")
        summary.arm_summary(app)


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Periodic job: whatever the rows say is due (deadlines, snoozes, reminders, expiry)."""
    await run_upkeep(get_services(context.application.bot_data), context.bot)


def telegram_rate_limiter() -> AIORateLimiter:
    """AIORateLimiter shaped to Telegram's sliding windows: ~30 messages/s overall, 20/min per group.

    AIORateLimiter is a leaky bucket: with capacity C and period T it lets C + C/T * W calls through in any
    window W, so the obvious (30, 1 s) allows 60 in the first second and earns 429s. A bucket of one, refilled
    every 1/28.8 s, stays under 30 in any second with room for scheduling jitter (one stray 429 makes
    AIORateLimiter release a bunch of waiting calls together, so the margin matters: bench/raid.py).
    For a group, 5 per 20 s allows a burst of 5 and at most 5 + 15 = 20 in any minute. A 429 is waited out,
    up to 10 times in a row.
    """
    return AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 28.8, group_max_rate=5,
                          group_time_period=20, max_retries=10)


def build_application(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Callable[[], datetime] = utc_now,
    transport: httpx.AsyncBaseTransport | None = None,
    rate_limiter: bool | AIORateLimiter = True,
    retries: int = 3,
    backoff: float = 0.5,
) -> Application:
    """Build the bot. Tests pass a database, a clock and the fake Bot API's in-process transport."""
    services = build_services(settings, db if db is not None else open_db(settings.database_path), clock)
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(on_start)
    )
    http = {"httpx_kwargs": {"transport": transport}} if transport is not None else {}
    # Long polling has its own retry loop in PTB; every other call retries transient failures itself.
    builder = builder.request(RetryingRequest(retries=retries, backoff=backoff, connection_pool_size=64, **http))
    builder = builder.get_updates_request(HTTPXRequest(read_timeout=30.0, **http))
    builder = builder.concurrent_updates(PerSenderProcessor())
    if isinstance(rate_limiter, AIORateLimiter):
        builder = builder.rate_limiter(rate_limiter)
    elif rate_limiter:
        builder = builder.rate_limiter(telegram_rate_limiter())
    app = builder.build()
    app.bot_data[SERVICES_KEY] = services
    # Order matters: the update guard wraps everything; reviewer commands and buttons come before the
    # requester door, whose message handler accepts any private text.
    updates.register(app)
    review.register(app)
    summary.register(app)
    people.register(app)
    join.register(app)
    business.register(app)
    requester.register(app)
    errors.register(app)
    return app
