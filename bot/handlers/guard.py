"""Only reviewers decide: wrappers that check the sender of every owner command and button press."""

import functools
from collections.abc import Awaitable, Callable

from telegram import Update

from bot.flow.access import refuse_command, refuse_press
from bot.handlers.context import DoormanContext
from bot.telegram.read import callback_data, message_text

Handler = Callable[[Update, DoormanContext], Awaitable[None]]


def reviewer_command(handler: Handler) -> Handler:
    """Run an owner command only for reviewers; anyone else gets a polite refusal (and it is logged)."""
    @functools.wraps(handler)
    async def guarded(update: Update, context: DoormanContext) -> None:
        user = update.effective_user
        if user is None:
            return  # a message without a sender (a raw update may omit `from`): no one to answer
        if context.deps.settings.is_reviewer(user.id):
            await handler(update, context)
            return
        await update.effective_message.reply_text(
            refuse_command(context.deps, user.id, message_text(update.effective_message), user.language_code))
    return guarded


def reviewer_press(handler: Handler) -> Handler:
    """Run a button press only for reviewers; anyone else gets an alert and nothing changes."""
    @functools.wraps(handler)
    async def guarded(update: Update, context: DoormanContext) -> None:
        query = update.callback_query
        if context.deps.settings.is_reviewer(query.from_user.id):
            await handler(update, context)
            return
        user = query.from_user
        await query.answer(refuse_press(context.deps, user.id, callback_data(query), user.language_code),
                           show_alert=True)
    return guarded
