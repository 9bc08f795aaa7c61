"""Requesters in the bot's chat: /start (with or without a deep-link source), messages, edits, quick replies."""

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.callbacks import decode, pattern
from bot.flow import inbox, people
from bot.flow.access import help_text, reviewer_fallback_text
from bot.flow.cards import resend_due_cards
from bot.handlers.context import DoormanContext, incoming
from bot.telegram.outbox import drop_keyboard
from bot.telegram.read import callback_data, command_args, message_text, person_from_user


class _HasSender(filters.MessageFilter):
    """Messages that name who sent them."""

    def filter(self, message: Message) -> bool:
        return message.from_user is not None


# Business messages also match plain message filters: keep them out of the private-chat door. A message without
# `from` (possible in a raw update) names no one to screen or answer: it matches no requester handler.
PRIVATE = filters.ChatType.PRIVATE & ~filters.UpdateType.BUSINESS_MESSAGES & _HasSender()
# Any message a person sends counts (text, caption, sticker, poll, dice…); service messages (a pin, a changed
# auto-delete timer, a granted write access) are Telegram's, not the requester's.
SENT_BY_PERSON = ~filters.StatusUpdate.ALL


def _is_reviewer(update: Update, context: DoormanContext) -> bool:
    return context.deps.settings.is_reviewer(update.effective_user.id)


async def start_request(update: Update, context: DoormanContext) -> None:
    """Answers /start [source]: resumes a running questionnaire, or greets and asks the first question."""
    if _is_reviewer(update, context):
        people.remember_reviewer(context.deps, person_from_user(update.effective_user))
        await update.effective_message.reply_text(help_text(context.deps))
        # Cards that could not reach a reviewer who had never pressed Start can go out now.
        await resend_due_cards(context.deps, context.bot)
        return
    args = command_args(context.args)
    await inbox.start(context.deps, context.bot, incoming(update), args[0] if args else None)


async def receive_message(update: Update, context: DoormanContext) -> None:
    """Answers any private message: an answer, a follow-up reply, or the opening note of a new request (anything
    but text or a caption is asked for text)."""
    if _is_reviewer(update, context):
        message = update.effective_message
        await message.reply_text(reviewer_fallback_text(context.deps, message_text(message)))
        return
    await inbox.receive_message(context.deps, context.bot, incoming(update))


async def receive_edit(update: Update, context: DoormanContext) -> None:
    """Answers an edited private message: replaces the stored answer while the card is not yet sent."""
    message = update.edited_message
    inbox.receive_private_edit(context.deps, message.from_user.id, message.chat_id, message.message_id,
                               message_text(message))


async def pick_choice(update: Update, context: DoormanContext) -> None:
    """Answers a tap on a quick-reply choice: stores it and asks the next question (or 'tell me more')."""
    query = update.callback_query
    data = decode(callback_data(query))
    message_id = query.message.message_id if query.message is not None else None
    picked = None if data is None else await inbox.pick_choice(context.deps, context.bot, query.from_user.id,
                                                               data.request_id, data.arg, message_id)
    await query.answer()
    if picked == "stored" and message_id is not None:
        # The choice is echoed by the next message; the old buttons would only invite a second tap.
        await drop_keyboard(context.bot, query.message.chat_id, message_id)


def register(app: Application) -> None:
    """Register the requester-side handlers (after the reviewer commands, which claim /help and /pending)."""
    app.add_handler(CommandHandler("start", start_request, filters=PRIVATE))
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.MESSAGE & SENT_BY_PERSON, receive_message))
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, receive_edit))
    app.add_handler(CallbackQueryHandler(pick_choice, pattern=pattern("pick")))
