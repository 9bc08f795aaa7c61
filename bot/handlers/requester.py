"""Direct requests: /start (with or without a deep-link source), answers typed or tapped, edits, media."""

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import pipeline
from bot.callbacks import decode, pattern
from bot.cards import full_name
from bot.followups import receive_followup_answer
from bot.handlers.common import person_from_user, services
from bot.outbox import drop_keyboard, notify_reviewers
from bot.screening import clean_payload, shorten
from bot.talk import message_requester, render_for, render_for_person
from db.events import insert_event
from db.people import upsert_person
from db.requests import get_asking_request_in_chat, get_latest_request, get_pending_request_in_chat, get_request

# Business messages also match plain message filters: keep them out of the private-chat door.
PRIVATE = filters.ChatType.PRIVATE & ~filters.UpdateType.BUSINESS_MESSAGES
MEDIA = filters.Sticker.ALL | filters.PHOTO | filters.VOICE | filters.Document.ALL | filters.VIDEO | \
    filters.VIDEO_NOTE | filters.AUDIO | filters.ANIMATION | filters.LOCATION | filters.CONTACT


def _is_reviewer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    return services(context).settings.is_reviewer(update.effective_user.id)


async def _admit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict | None:
    """Store the sender's profile; None (and a recorded event) if they are blocked."""
    svc = services(context)
    person = upsert_person(svc.db, person_from_user(update.effective_user), svc.now())
    if person["standing"] == "blocked":
        insert_event(svc.db, "ignored_blocked", svc.now(), user_id=person["user_id"],
                     detail=(update.effective_message.text or "")[:200] if update.effective_message else None)
        return None
    return person


async def _answer_known(update: Update, context: ContextTypes.DEFAULT_TYPE, person: dict) -> bool:
    """Tell someone with a pending or decided request where they stand; False if they have none."""
    svc = services(context)
    latest = get_latest_request(svc.db, person["user_id"], "direct")
    template = {"pending": "requester/already_pending.html.j2", "accepted": "requester/accepted.html.j2",
                "declined": "requester/declined.html.j2"}.get(latest["status"] if latest else "")
    if template is None:
        return False
    await message_requester(svc, context.bot, latest, render_for(svc, latest, template))
    return True


async def start_request(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /start [source]: resumes a running questionnaire, or greets and asks the first question."""
    svc = services(context)
    if _is_reviewer(update, context):
        await update.effective_message.reply_text(svc.renderer.render(
            "owner/help.html.j2", review_chat=svc.settings.review_chat_id is not None))
        # Cards that could not reach a reviewer who had never pressed Start can go out now.
        await pipeline.resend_due_cards(svc, context.bot)
        return
    person = await _admit(update, context)
    if person is None:
        return
    asking = get_asking_request_in_chat(svc.db, person["user_id"], update.effective_chat.id)
    if asking:
        await pipeline.ask(svc, context.bot, asking)
        return
    if person["standing"] == "allowed":
        await update.effective_message.reply_text(render_for_person(svc, person, "requester/accepted.html.j2"))
        return
    if await _answer_known(update, context, person):
        return
    payload = context.args[0] if context.args else None
    source = clean_payload(payload)
    if payload and source is None:
        insert_event(svc.db, "bad_payload", svc.now(), user_id=person["user_id"], detail=payload[:100])
    await pipeline.open_request(svc, context.bot, kind="direct", user_id=person["user_id"],
                                reply_chat_id=update.effective_chat.id, source=source)


async def receive_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers any private message: an answer to the current question, or the opening note of a new request."""
    svc = services(context)
    message = update.effective_message
    if _is_reviewer(update, context):
        await message.reply_text(svc.renderer.render(
            "owner/help.html.j2", review_chat=svc.settings.review_chat_id is not None))
        return
    person = await _admit(update, context)
    if person is None:
        return
    text = message.text or message.caption
    asking = get_asking_request_in_chat(svc.db, person["user_id"], update.effective_chat.id)
    if asking and asking["opening_message_id"] == message.message_id:
        await pipeline.ask(svc, context.bot, asking)  # the opening message re-delivered after a crash
        return
    if asking:
        if text:
            await pipeline.receive_text(svc, context.bot, asking, text, message.message_id)
        else:
            await message_requester(svc, context.bot, asking, render_for(svc, asking, "requester/text_only.html.j2"))
        return
    pending = get_pending_request_in_chat(svc.db, person["user_id"], update.effective_chat.id)
    if pending and text and await receive_followup_answer(svc, context.bot, pending, text):
        return
    if person["standing"] == "allowed":
        # Known people are let through: the owner sees what they wrote, no questionnaire.
        insert_event(svc.db, "known_message", svc.now(), user_id=person["user_id"], detail=(text or "")[:200])
        await notify_reviewers(context.bot, svc.settings.card_chat_id, svc.renderer.render(
            "owner/known_message.html.j2", name=full_name(person), username=person["username"],
            user_id=person["user_id"], text=shorten(text or "", 3000)))
        return
    if await _answer_known(update, context, person):
        insert_event(svc.db, "message_while_known", svc.now(), user_id=person["user_id"], detail=(text or "")[:200])
        return
    await pipeline.open_request(svc, context.bot, kind="direct", user_id=person["user_id"],
                                reply_chat_id=update.effective_chat.id, note=text,
                                note_message_id=message.message_id if text else None)


async def receive_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers an edited private message: replaces the stored answer while the card is not yet sent."""
    svc = services(context)
    message = update.edited_message
    text = message.text or message.caption
    request = get_asking_request_in_chat(svc.db, message.from_user.id, message.chat_id)
    if request is None or not text:
        insert_event(svc.db, "late_edit", svc.now(), user_id=message.from_user.id, detail=(text or "")[:200])
        return
    await pipeline.apply_edit(svc, request, message.message_id, text)


async def pick_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a tap on a quick-reply choice: stores it and asks the next question (or 'tell me more')."""
    svc = services(context)
    query = update.callback_query
    data = decode(query.data)
    request = get_request(svc.db, data.request_id) if data else None
    if request is None or request["user_id"] != query.from_user.id or not data.arg or "." not in data.arg:
        await query.answer()
        return
    question_key, choice_key = data.arg.split(".", 1)
    step = None
    if request["status"] == "asking":
        step = await pipeline.receive_pick(svc, context.bot, request, question_key, choice_key)
    await query.answer()
    if step is not None and query.message is not None:
        # The choice is echoed by the next question; the old buttons would only invite a second tap.
        await drop_keyboard(context.bot, query.message.chat_id, query.message.message_id)


def register(app: Application) -> None:
    """Register the requester-side handlers (after the reviewer commands, which claim /help and /pending)."""
    app.add_handler(CommandHandler("start", start_request, filters=PRIVATE))
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.MESSAGE & (filters.TEXT | filters.CAPTION | MEDIA),
                                   receive_message))
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, receive_edit))
    app.add_handler(CallbackQueryHandler(pick_choice, pattern=pattern("pick")))
