"""Export and erasure: /export and /forget (reviewers only, /forget after a confirmation), /forget_me (anyone in
the bot's private chat)."""

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.callbacks import decode, pattern
from bot.flow import privacy
from bot.handlers.context import DoormanContext, actor
from bot.handlers.guard import reviewer_command, reviewer_press
from bot.handlers.requester import PRIVATE
from bot.telegram.outbox import edit
from bot.telegram.read import callback_data, command_args


@reviewer_command
async def send_export(update: Update, context: DoormanContext) -> None:
    """Answers /export [csv|jsonl] with the export as files (both formats unless one is named)."""
    message = update.effective_message
    reply = await privacy.send_export(context.deps, context.bot, message.chat_id, command_args(context.args),
                                      update.effective_user.id)
    if reply is not None:
        await message.reply_text(reply)


@reviewer_command
async def ask_to_forget(update: Update, context: DoormanContext) -> None:
    """Answers /forget @user|id with what would be erased, and Erase / Cancel buttons."""
    text, markup = privacy.forget_prompt(context.deps, command_args(context.args))
    await update.effective_message.reply_text(text, reply_markup=markup)


@reviewer_press
async def confirm_forget(update: Update, context: DoormanContext) -> None:
    """Answers Erase / Cancel under a /forget confirmation: erases (or not), then says so in place."""
    query = update.callback_query
    data = decode(callback_data(query))
    await query.answer()
    if data is None or query.message is None:
        return
    text = await privacy.forget_pressed(context.deps, context.bot, data.request_id, data.arg == "yes", actor(update))
    await edit(context.bot, query.message.chat_id, query.message.message_id, text)


async def forget_me(update: Update, context: DoormanContext) -> None:
    """Answers /forget_me: erases everything stored about the sender and withdraws their open request."""
    message = update.effective_message
    await privacy.forget_me(context.deps, context.bot, message.from_user.id, message.chat_id)


def register(app: Application) -> None:
    """Register /export, /forget with its buttons, and /forget_me (before the requester door takes any message)."""
    app.add_handler(CommandHandler("export", send_export))
    app.add_handler(CommandHandler("forget", ask_to_forget))
    app.add_handler(CallbackQueryHandler(confirm_forget, pattern=pattern("forget")))
    app.add_handler(CommandHandler("forget_me", forget_me, filters=PRIVATE))
