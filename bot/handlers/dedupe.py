"""Idempotency: an update delivered twice is handled once (handled update ids are rows)."""

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from bot.flow.dedupe import already_handled, mark_handled
from bot.handlers.context import DoormanContext

FIRST_GROUP = -100
LAST_GROUP = 100


async def skip_seen_update(update: Update, context: DoormanContext) -> None:
    """Stop processing an update whose id was already handled."""
    if already_handled(context.deps, update.update_id):
        raise ApplicationHandlerStop


async def remember_update(update: Update, context: DoormanContext) -> None:
    """Record the update id once every handler group has seen it."""
    await mark_handled(context.deps, update.update_id)


def register(app: Application) -> None:
    """Wrap every update: check first, record last."""
    app.add_handler(TypeHandler(Update, skip_seen_update), group=FIRST_GROUP)
    app.add_handler(TypeHandler(Update, remember_update), group=LAST_GROUP)
