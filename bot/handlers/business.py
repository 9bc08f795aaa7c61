"""Telegram Business: strangers who write to the owner's own account, screened as the owner's assistant."""

from telegram import Update
from telegram.ext import Application, BusinessConnectionHandler, BusinessMessagesDeletedHandler, MessageHandler, filters

from bot.flow import business, inbox
from bot.handlers.context import DoormanContext, incoming
from bot.telegram.read import connection_values, message_text


async def track_connection(update: Update, context: DoormanContext) -> None:
    """Answers a business connection change: stores it and tells the owner what the bot will do."""
    await business.track_connection(context.deps, context.bot, connection_values(update.business_connection))


async def screen_business_message(update: Update, context: DoormanContext) -> None:
    """Answers a message in the owner's private chats: asks strangers for context, steps aside for the owner."""
    if update.business_message.from_user is None:
        return
    await business.screen_business_message(context.deps, context.bot, incoming(update))


async def receive_business_edit(update: Update, context: DoormanContext) -> None:
    """Answers an edited business message: replaces the stored answer while the questionnaire runs."""
    message = update.edited_business_message
    inbox.receive_business_edit(context.deps, message.business_connection_id, message.chat.id,
                                message.from_user.id if message.from_user else None, message.message_id,
                                message_text(message))


async def record_deletion(update: Update, context: DoormanContext) -> None:
    """Answers deleted business messages: recorded in the audit log, nothing else."""
    deleted = update.deleted_business_messages
    business.record_deletion(context.deps, deleted.business_connection_id, deleted.chat.id, list(deleted.message_ids))


def register(app: Application) -> None:
    """Register the business door; its message filters never match the bot's own private chats."""
    app.add_handler(BusinessConnectionHandler(track_connection))
    app.add_handler(MessageHandler(filters.UpdateType.BUSINESS_MESSAGE, screen_business_message))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_BUSINESS_MESSAGE, receive_business_edit))
    app.add_handler(BusinessMessagesDeletedHandler(record_deletion))
