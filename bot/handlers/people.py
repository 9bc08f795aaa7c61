"""Reviewers' memory commands: /allow, /block, /unblock, /people (paged) and /history."""

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.callbacks import decode, pattern
from bot.flow import people
from bot.handlers.context import DoormanContext, actor
from bot.handlers.guard import reviewer_command, reviewer_press
from bot.telegram.outbox import edit
from bot.telegram.read import callback_data, command_args


@reviewer_command
async def change_standing(update: Update, context: DoormanContext) -> None:
    """Answers /allow, /block and /unblock: records the standing and decides that person's open requests."""
    command = update.effective_message.text.split()[0].lstrip("/").split("@")[0].lower()
    await update.effective_message.reply_text(
        await people.change_standing(context.deps, context.bot, command, command_args(context.args), actor(update)))


@reviewer_command
async def list_known_people(update: Update, context: DoormanContext) -> None:
    """Answers /people [allowed|blocked]: a paged list of people the owner has decided about."""
    text, markup = people.people_page(context.deps, (command_args(context.args) or [None])[0], 0)
    await update.effective_message.reply_text(text, reply_markup=markup)


@reviewer_press
async def turn_people_page(update: Update, context: DoormanContext) -> None:
    """Answers Back / Next on the /people list by redrawing it in place."""
    query = update.callback_query
    data = decode(callback_data(query))
    await query.answer()
    if data is not None:
        text, markup = people.people_page(context.deps, data.arg, data.request_id)
        await edit(context.bot, query.message.chat_id, query.message.message_id, text, reply_markup=markup)


@reviewer_command
async def show_history(update: Update, context: DoormanContext) -> None:
    """Answers /history @user|id: every request of that person and how it was decided."""
    await update.effective_message.reply_text(people.history_text(context.deps, command_args(context.args)))


def register(app: Application) -> None:
    """Register the memory commands."""
    app.add_handler(CommandHandler(["allow", "block", "unblock"], change_standing))
    app.add_handler(CommandHandler("people", list_known_people))
    app.add_handler(CommandHandler("history", show_history))
    app.add_handler(CallbackQueryHandler(turn_people_page, pattern=pattern("people")))
