"""Idempotency: an update delivered twice is handled once (update ids are remembered in SQLite)."""

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.handlers.common import services
from db.events import is_update_processed, mark_update_processed

FIRST_GROUP = -100
LAST_GROUP = 100


async def skip_seen_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop processing an update whose id was already handled."""
    if is_update_processed(services(context).db, update.update_id):
        raise ApplicationHandlerStop


async def remember_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record the update id once every handler group has seen it."""
    svc = services(context)
    mark_update_processed(svc.db, update.update_id, svc.now())


def register(app: Application) -> None:
    """Wrap every update: check first, record last."""
    app.add_handler(TypeHandler(Update, skip_seen_update), group=FIRST_GROUP)
    app.add_handler(TypeHandler(Update, remember_update), group=LAST_GROUP)
