"""Reviewers: decision buttons on cards and lists, /pending and /help. Everything checks the presser first."""

from datetime import timedelta

from telegram import ForceReply, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import pipeline
from bot.callbacks import DECISION_ACTIONS, decode, pattern
from bot.cards import full_name, render_pending
from bot.followups import relay_owner_question
from bot.handlers.common import person_from_user, services
from bot.handlers.guard import reviewer_command, reviewer_press
from bot.keyboards import pending_keyboard, without_requests
from bot.outbox import drop_keyboard, edit
from bot.raids import batch_keyboard, batch_values, suggested_actions
from bot.services import get_services
from db.events import insert_event
from db.followups import pop_owner_prompt, set_owner_prompt
from db.people import get_person
from db.raids import claim_decline_all, get_batch, list_batch_requests
from db.requests import get_request, set_snooze


@reviewer_command
async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /help from a reviewer with what the bot does and its commands."""
    svc = services(context)
    await update.effective_message.reply_text(
        svc.renderer.render("owner/help.html.j2", review_chat=svc.settings.review_chat_id is not None))


@reviewer_command
async def list_pending(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /pending with a compact list of waiting requests and their decision buttons."""
    svc = services(context)
    text, shown = render_pending(svc.renderer, svc.db, svc.settings, svc.now())
    await update.effective_message.reply_text(text, reply_markup=pending_keyboard(shown, svc.labels))


@reviewer_press
async def decide_request(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers Accept / Decline / Block: claims the decision once, carries it out, edits the card in place."""
    svc = services(context)
    query = update.callback_query
    data = decode(query.data)
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
        # Pressed on a list (/pending, a reminder, the weekly summary): drop that request's row, keep the text.
        markup = without_requests(message.reply_markup, {request["id"]})
        await drop_keyboard(context.bot, message.chat_id, message.message_id, markup)


async def _open_request_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict | None:
    """The open request a press refers to; None (and the press answered) when it is closed or unknown."""
    svc = services(context)
    query = update.callback_query
    data = decode(query.data)
    request = get_request(svc.db, data.request_id) if data else None
    if request is None or request["status"] not in ("asking", "pending"):
        status = request["status"] if request else ""
        await query.answer(svc.renderer.render("owner/already_decided_alert.txt.j2",
                                               status=svc.labels["outcome"].get(status, status)))
        return None
    return request


@reviewer_press
async def start_asking_more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers Ask more: asks the reviewer to type one question (as a reply, so group privacy mode lets it in)."""
    svc = services(context)
    query = update.callback_query
    request = await _open_request_pressed(update, context)
    if request is None:
        return
    await query.answer()
    person = get_person(svc.db, request["user_id"])
    prompt = await context.bot.send_message(
        query.message.chat_id, svc.renderer.render("owner/ask_prompt.html.j2", id=request["id"],
                                                   name=full_name(person)),
        reply_markup=ForceReply(selective=True, input_field_placeholder="Your question"))
    set_owner_prompt(svc.db, query.message.chat_id, query.from_user.id, request["id"], prompt.message_id, svc.now())


async def capture_owner_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a reviewer's text: the question after Ask more is relayed; otherwise help (in the bot chat)."""
    svc = services(context)
    message = update.effective_message
    prompt = pop_owner_prompt(svc.db, message.chat_id, message.from_user.id)
    if prompt is not None:
        sent = await relay_owner_question(svc, context.bot, prompt["request_id"], message.text,
                                          message.from_user.id)
        await message.reply_text(svc.renderer.render("owner/question_sent.html.j2", sent=sent,
                                                     id=prompt["request_id"]))
    elif message.chat.type == message.chat.PRIVATE:
        await message.reply_text(svc.renderer.render(
            "owner/help.html.j2", review_chat=svc.settings.review_chat_id is not None))


@reviewer_press
async def snooze_request(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers Later: snoozes the card for SNOOZE_DAYS; it comes back as a new message then."""
    svc = services(context)
    request = await _open_request_pressed(update, context)
    if request is None:
        return
    days = svc.settings.snooze_days
    set_snooze(svc.db, request["id"], svc.now() + timedelta(days=days))
    insert_event(svc.db, "snoozed", svc.now(), request_id=request["id"], actor_id=update.callback_query.from_user.id)
    await update.callback_query.answer(svc.renderer.render("owner/snoozed_alert.txt.j2", days=days))
    await pipeline.refresh_card(svc, context.bot, request["id"])


@reviewer_press
async def open_card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a request number on a batched card: sends (or brings back) that request's own card."""
    svc = services(context)
    query = update.callback_query
    data = decode(query.data)
    request = get_request(svc.db, data.request_id) if data else None
    await query.answer()
    if request is not None:
        if request["card_message_id"]:
            await pipeline.resurface_card(svc, context.bot, request["id"])
        else:
            await pipeline.deliver_card(svc, context.bot, request["id"], force=True)


@reviewer_press
async def decline_all_suggested(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers 'Decline all suggested' on a batched card: declines, once, every open request it suggests to."""
    svc = services(context)
    query = update.callback_query
    data = decode(query.data)
    batch = get_batch(svc.db, data.request_id) if data else None
    if batch is None or not claim_decline_all(svc.db, batch["id"], query.from_user.id, svc.now()):
        await query.answer(svc.renderer.render("owner/already_decided_alert.txt.j2", status=""))
        return
    await query.answer()
    actor = person_from_user(query.from_user)
    requests = list_batch_requests(svc.db, batch["id"])
    actions = suggested_actions(svc, requests)
    declined = 0
    for request in requests:
        if request["status"] in ("asking", "pending") and actions[request["id"]] == "decline" \
                and await pipeline.decide(svc, context.bot, request["id"], "decline", actor):
            declined += 1
    requests = list_batch_requests(svc.db, batch["id"])
    text = svc.renderer.render("owner/raid_batch.html.j2", **batch_values(
        svc, requests, actions, declined_by=full_name(actor), declined=declined))
    await edit(context.bot, batch["chat_id"], batch["message_id"], text,
               reply_markup=batch_keyboard(batch["id"], requests, 0, svc.labels))


def register(app: Application) -> None:
    """Register reviewer commands, card buttons and reviewers' typed questions (before the requester door)."""
    svc = get_services(app.bot_data)
    app.add_handler(CommandHandler("help", show_help))
    app.add_handler(CommandHandler("pending", list_pending))
    app.add_handler(CallbackQueryHandler(decide_request, pattern=pattern(*DECISION_ACTIONS)))
    app.add_handler(CallbackQueryHandler(start_asking_more, pattern=pattern("ask")))
    app.add_handler(CallbackQueryHandler(snooze_request, pattern=pattern("later")))
    app.add_handler(CallbackQueryHandler(open_card, pattern=pattern("open")))
    app.add_handler(CallbackQueryHandler(decline_all_suggested, pattern=pattern("declineall")))
    reviewers = filters.User(user_id=list(svc.settings.reviewers))
    app.add_handler(MessageHandler(
        reviewers & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, capture_owner_text))
