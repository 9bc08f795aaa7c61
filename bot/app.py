"""Build the Application: settings → dependencies → PTB builder (defaults, retries, rate limits, concurrency)
→ features registered in order."""

import functools
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import httpx
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes, Defaults
from telegram.request import HTTPXRequest

from bot.cas import CasClient
from bot.core.assess import Assessor
from bot.flow.backlog import JoinBacklog
from bot.flow.deps import Deps, utc_now
from bot.handlers import business, dedupe, errors, join, people, privacy, requester, review, stale, summary
from bot.handlers.context import DoormanContext
from bot.jobs import BACKLOG_KEY, DEPS_KEY, arm_carry_out, finish_catching_up, start_catching_up
from bot.llm_assessor import LlmAssessor
from bot.prompt_files import PromptFiles, read_assessor
from bot.settings import Settings
from bot.telegram.bot import DoormanBot
from bot.telegram.concurrency import PerSenderProcessor
from bot.telegram.ratelimit import PacedRateLimiter
from bot.telegram.retry import RetryingRequest
from bot.telegram.stopping import Stopping
from db import open_db
from db.connection import Database

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


@lru_cache(maxsize=8)
def _assessor(prompts_dir: Path | None) -> Assessor:
    # The model and cue phrases only change when the bot restarts; tests build many apps in one process.
    return read_assessor(prompts_dir)


def build_deps(settings: Settings, db: Database, clock: Callable[[], datetime] = utc_now) -> Deps:
    """Load prompts and the assessor (owner overrides first), and bundle them with the database and clock."""
    assessor = _assessor(settings.prompts_dir)
    llm = (LlmAssessor(settings.assess_model, settings.assess_timeout.total_seconds(), assessor)
           if settings.assess_model else None)
    return Deps(settings=settings, db=db, prompts=PromptFiles(settings.prompts_dir), assessor=assessor, clock=clock,
                llm=llm, cas=CasClient(settings.cas_url) if settings.cas_check else None)


def build_application(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Callable[[], datetime] = utc_now,
    transport: httpx.AsyncBaseTransport | None = None,
    rate_limiter: bool | BaseRateLimiter = True,
    retries: int = 3,
    backoff: float = 0.5,
    stopping: Stopping | None = None,
) -> Application:
    """Build the bot. Tests pass a database, a clock and the fake Bot API's in-process transport; `python -m bot`
    passes the Stopping its signal handlers begin."""
    deps = build_deps(settings, db if db is not None else open_db(settings.database_path), clock)
    http = {"httpx_kwargs": {"transport": transport}} if transport is not None else {}
    if isinstance(rate_limiter, BaseRateLimiter):
        limiter = rate_limiter
    else:
        limiter = PacedRateLimiter() if rate_limiter else None
    stopping = stopping or Stopping()
    # One commit per update (and before every Bot API call) instead of one per statement: see db.connection.
    deps.db.unit_of_work = True
    # A checkpoint's fsync takes milliseconds: in a thread, not inside some update's commit.
    deps.db.checkpoint_aside()
    backlog = JoinBacklog(deps.db, clock)
    bot = DoormanBot(
        settings.token,
        stopping=stopping,
        before_call=deps.db.commit,
        admit=backlog.admit,
        base_url=settings.base_url,
        defaults=Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone,
                          link_preview_options=LinkPreviewOptions(is_disabled=True)),
        # Long polling has its own retry loop in PTB; every other call retries transient failures itself.
        request=RetryingRequest(retries=retries, backoff=backoff, stopping=stopping, connection_pool_size=64, **http),
        get_updates_request=HTTPXRequest(read_timeout=30.0, **http),
        rate_limiter=limiter,
    )
    processor = PerSenderProcessor()
    app = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=DoormanContext))
        .post_init(start_catching_up)
        .post_stop(finish_catching_up)
        .concurrent_updates(processor)
        .build()
    )
    processor.rerun = app.process_update
    processor.done = backlog.handled
    app.bot_data[DEPS_KEY] = deps
    app.bot_data[BACKLOG_KEY] = backlog
    deps.arm_carry_out = functools.partial(arm_carry_out, app)
    # Order matters: the duplicate-update guard wraps everything; reviewer commands and buttons come before the
    # requester door, whose message handler accepts any private message; a press no button handler accepts is
    # answered as out of date; errors are logged last.
    dedupe.register(app)
    review.register(app)
    summary.register(app)
    people.register(app)
    privacy.register(app)
    join.register(app)
    business.register(app)
    requester.register(app)
    stale.register(app)
    errors.register(app)
    return app
