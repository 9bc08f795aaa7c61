"""Reviewers: decision buttons on cards and lists, /pending and /help. Everything checks the presser first."""

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import pipeline
from bot.callbacks import DECISION_ACTIONS, decode, pattern
from bot.cards import render_pending
from bot.handlers.common import person_from_user, services
from bot.keyboards import pending_keyboard
from bot.outbox import edit
from db.events import insert_event
from db.requests import get_request


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Politely refuse an owner command from someone who is not a reviewer."""
    svc = services(context)
    insert_event(svc.db, "refused_command", svc.now(), user_id=update.effective_user.id,
                 detail=(update.effective_message.text or "")[:100])
    await update.effective_message.reply_text(svc.renderer.render("owner/not_reviewer.html.j2"))


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /help from a reviewer with what the bot does and its commands."""
    svc = services(context)
    if not svc.settings.is_reviewer(update.effective_user.id):
        await refuse(update, context)
        return
    await update.effective_message.reply_text(
        svc.renderer.render("owner/help.html.j2", review_chat=svc.settings.review_chat_id is not None))


async def list_pending(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /pending with a compact list of waiting requests and their decision buttons."""
    svc = services(context)
    if not svc.settings.is_reviewer(update.effective_user.id):
        await refuse(update, context)
        return
    text, shown = render_pending(svc.renderer, svc.db, svc.settings, svc.now())
    await update.effective_message.reply_text(text, reply_markup=pending_keyboard(shown, svc.labels))


async def decide_request(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers Accept / Decline / Block: claims the decision once, carries it out, edits the card in place."""
    svc = services(context)
    query = update.callback_query
    data = decode(query.data)
    if not svc.settings.is_reviewer(query.from_user.id):
        insert_event(svc.db, "refused_press", svc.now(), user_id=query.from_user.id, detail=query.data)
        await query.answer(svc.renderer.render("owner/not_reviewer_alert.txt.j2"), show_alert=True)
        return
    if data is None or get_request(svc.db, data.request_id) is None:
        await query.answer()
        return
    status = await pipeline.decide(svc, context.bot, data.request_id, data.action, person_from_user(query.from_user))
    if status is None:
        current = get_request(svc.db, data.request_id)["status"]
        await query.answer(svc.renderer.render("owner/already_decided_alert.txt.j2",
                                               status=svc.labels["outcome"].get(current, current)))
    else:
        await query.answer(svc.renderer.render("owner/decided_alert.txt.j2",
                                               status=svc.labels["outcome"].get(status, status)))
    request = get_request(svc.db, data.request_id)
    message = query.message
    if message is not None and message.message_id != request["card_message_id"]:
        # Pressed on a /pending list: redraw the list so the decided row disappears.
        text, shown = render_pending(svc.renderer, svc.db, svc.settings, svc.now())
        await edit(context.bot, message.chat_id, message.message_id, text,
                   reply_markup=pending_keyboard(shown, svc.labels))


def register(app: Application) -> None:
    """Register reviewer commands and decision buttons (before the requester door, which takes all text)."""
    app.add_handler(CommandHandler("help", show_help))
    app.add_handler(CommandHandler("pending", list_pending))
    app.add_handler(CallbackQueryHandler(decide_request, pattern=pattern(*DECISION_ACTIONS)))
