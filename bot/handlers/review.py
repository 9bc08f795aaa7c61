"""Reviewers: decision buttons on cards and lists, Ask more, Later and Undo, batched cards, /pending and /help."""

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.callbacks import decode, pattern
from bot.core.vocabulary import REVIEWER_DECISIONS
from bot.flow import review
from bot.flow.access import help_text, reviewer_fallback_text
from bot.flow.cards import pending_list
from bot.handlers.context import DoormanContext, actor
from bot.handlers.guard import reviewer_command, reviewer_press
from bot.jobs import deps_of
from bot.telegram.read import callback_data, message_text


def _press(update: Update) -> review.Press | None:
    """The press as plain values; None for callback data that does not decode."""
    query = update.callback_query
    data = decode(callback_data(query))
    if data is None:
        return None
    message = query.message
    return review.Press(actor=actor(update), action=data.action, request_id=data.request_id,
                        chat_id=message.chat_id if message else None,
                        message_id=message.message_id if message else None,
                        markup=message.reply_markup if message else None)


@reviewer_command
async def show_help(update: Update, context: DoormanContext) -> None:
    """Answers /help from a reviewer with what the bot does and its commands."""
    await update.effective_message.reply_text(help_text(context.deps))


@reviewer_command
async def list_pending(update: Update, context: DoormanContext) -> None:
    """Answers /pending with a compact list of waiting requests and their decision buttons."""
    text, markup = pending_list(context.deps)
    await update.effective_message.reply_text(text, reply_markup=markup)


@reviewer_press
async def decide_request(update: Update, context: DoormanContext) -> None:
    """Answers Accept / Decline / Block / Ignore: claims the decision once, edits the card in place (with Undo
    while the undo window is open); it is carried out when that closes."""
    press = _press(update)
    await update.callback_query.answer(press and await review.decide_pressed(context.deps, context.bot, press))


@reviewer_press
async def undo_decision(update: Update, context: DoormanContext) -> None:
    """Answers Undo on a card whose decision waits out its window: back to pending with all buttons, or too late."""
    press = _press(update)
    await update.callback_query.answer(press and await review.undo_pressed(context.deps, context.bot, press))


@reviewer_press
async def start_asking_more(update: Update, context: DoormanContext) -> None:
    """Answers Ask more: asks the reviewer to type one question (as a reply, so group privacy mode lets it in)."""
    press = _press(update)
    await update.callback_query.answer(press and await review.start_asking_more(context.deps, context.bot, press))


async def capture_owner_text(update: Update, context: DoormanContext) -> None:
    """Answers a reviewer's text: the question after Ask more is relayed; otherwise help (in the bot chat)."""
    message = update.effective_message
    reply = await review.receive_reviewer_text(context.deps, context.bot, message.chat_id, message.from_user.id,
                                               message_text(message))
    if reply is None and message.chat.type == message.chat.PRIVATE:
        reply = reviewer_fallback_text(context.deps, message_text(message))
    if reply is not None:
        await message.reply_text(reply)


@reviewer_press
async def snooze_request(update: Update, context: DoormanContext) -> None:
    """Answers Later: folds the card to one line with Undo for SNOOZE_DAYS; it comes back as a new message then."""
    press = _press(update)
    await update.callback_query.answer(press and await review.snooze(context.deps, context.bot, press))


@reviewer_press
async def unsnooze_request(update: Update, context: DoormanContext) -> None:
    """Answers Undo on a snoozed card: ends the snooze and unfolds the card with all its buttons."""
    press = _press(update)
    await update.callback_query.answer(press and await review.unsnooze(context.deps, context.bot, press))


@reviewer_press
async def open_card(update: Update, context: DoormanContext) -> None:
    """Answers a request number on a batched card: sends (or brings back) that request's own card."""
    press = _press(update)
    await update.callback_query.answer()
    if press is not None:
        await review.open_card(context.deps, context.bot, press)


@reviewer_press
async def decline_all_suggested(update: Update, context: DoormanContext) -> None:
    """Answers 'Decline all suggested' on a batched card: declines, once, every open request it suggests to."""
    press = _press(update)
    if press is None:
        await update.callback_query.answer()
        return
    await review.decline_all_suggested(context.deps, context.bot, press, update.callback_query.answer)


def register(app: Application) -> None:
    """Register reviewer commands, card buttons and reviewers' typed questions (before the requester door)."""
    app.add_handler(CommandHandler("help", show_help))
    app.add_handler(CommandHandler("pending", list_pending))
    app.add_handler(CallbackQueryHandler(decide_request, pattern=pattern(*REVIEWER_DECISIONS)))
    app.add_handler(CallbackQueryHandler(undo_decision, pattern=pattern("undo")))
    app.add_handler(CallbackQueryHandler(start_asking_more, pattern=pattern("ask")))
    app.add_handler(CallbackQueryHandler(snooze_request, pattern=pattern("later")))
    app.add_handler(CallbackQueryHandler(unsnooze_request, pattern=pattern("unsnooze")))
    app.add_handler(CallbackQueryHandler(open_card, pattern=pattern("open")))
    app.add_handler(CallbackQueryHandler(decline_all_suggested, pattern=pattern("declineall")))
    reviewers = filters.User(user_id=list(deps_of(app).settings.reviewers))
    app.add_handler(MessageHandler(
        reviewers & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE, capture_owner_text))
