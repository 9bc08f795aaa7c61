"""Only reviewers decide: wrappers that check the sender of every owner command and button press."""

import functools
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import services
from db.events import insert_event

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def reviewer_command(handler: Handler) -> Handler:
    """Run an owner command only for reviewers; anyone else gets a polite refusal (and it is logged)."""
    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        svc = services(context)
        if svc.settings.is_reviewer(update.effective_user.id):
            await handler(update, context)
            return
        insert_event(svc.db, "refused_command", svc.now(), user_id=update.effective_user.id,
                     detail=(update.effective_message.text or "")[:100])
        await update.effective_message.reply_text(svc.renderer.render("owner/not_reviewer.html.j2"))
    return guarded


def reviewer_press(handler: Handler) -> Handler:
    """Run a button press only for reviewers; anyone else gets an alert and nothing changes."""
    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        svc = services(context)
        query = update.callback_query
        if svc.settings.is_reviewer(query.from_user.id):
            await handler(update, context)
            return
        insert_event(svc.db, "refused_press", svc.now(), user_id=query.from_user.id, detail=query.data)
        await query.answer(svc.renderer.render("owner/not_reviewer_alert.txt.j2"), show_alert=True)
    return guarded
