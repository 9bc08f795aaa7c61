"""The last line of defence: log a handler's exception with context; never crash the bot."""

import logging

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop

from bot.flow.dedupe import database_busy
from bot.handlers.context import DoormanContext
from bot.telegram.concurrency import PerSenderProcessor

log = logging.getLogger("doorman.errors")


async def report_error(update: object, context: DoormanContext) -> None:
    """Log an exception raised while handling an update, naming the update and the user. An update the database
    refused is handed back to be run again later, and is not recorded as handled."""
    processor = context.application.update_processor
    if isinstance(update, Update) and database_busy(context.error) and isinstance(processor, PerSenderProcessor):
        processor.retry_later(update)
        raise ApplicationHandlerStop  # stops the later handler groups: the update is not marked handled
    where = "outside an update"
    if isinstance(update, Update):
        user = update.effective_user
        where = f"update {update.update_id}" + (f" from user {user.id}" if user else "")
    log.error("error while handling %s: %s", where, context.error, exc_info=context.error)


def register(app: Application) -> None:
    """Install the error handler."""
    app.add_error_handler(report_error)
