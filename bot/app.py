"""Build the Application: settings, services, handlers in a fixed order."""

import logging
from collections.abc import Callable
from datetime import datetime

import httpx
from sqlite_utils import Database
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import HTTPXRequest

from bot import pipeline
from bot.handlers import business, errors, join, requester, review, updates
from bot.services import SERVICES_KEY, build_services, get_services, utc_now
from bot.settings import Settings
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
    """Re-arm what the database says is due: cards never sent, answer deadlines passed, the periodic sweep."""
    svc = get_services(app.bot_data)
    try:
        sent = await pipeline.resend_due_cards(svc, app.bot)
        overdue = await pipeline.handle_overdue(svc, app.bot)
    except Exception:  # a Telegram outage at start must not stop the bot; the rows stay due
        log.exception("could not catch up at start; what is due stays due")
    else:
        if sent or overdue:
            log.info("at start: re-sent %d due card(s), closed %d overdue questionnaire(s)", sent, overdue)
    if app.job_queue is not None:
        app.job_queue.run_repeating(join.sweep_deadlines, interval=SWEEP_INTERVAL_SECONDS,
                                    first=SWEEP_INTERVAL_SECONDS, name="sweep-deadlines")


def build_application(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Callable[[], datetime] = utc_now,
    transport: httpx.AsyncBaseTransport | None = None,
    rate_limiter: bool = True,
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
    if transport is not None:
        builder = builder.request(HTTPXRequest(httpx_kwargs={"transport": transport})).get_updates_request(
            HTTPXRequest(httpx_kwargs={"transport": transport}))
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    app.bot_data[SERVICES_KEY] = services
    # Order matters: the update guard wraps everything; reviewer commands and buttons come before the
    # requester door, whose message handler accepts any private text.
    updates.register(app)
    review.register(app)
    join.register(app)
    business.register(app)
    requester.register(app)
    errors.register(app)
    return app
