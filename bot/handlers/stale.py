"""Button presses no other handler accepts: an alert that the button is out of date, and nothing changes."""

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.flow.access import stale_press_alert
from bot.handlers.context import DoormanContext


async def answer_stale_press(update: Update, context: DoormanContext) -> None:
    """Answers a press whose callback data does not decode (an old button, a tampered or foreign client)."""
    query = update.callback_query
    await query.answer(stale_press_alert(context.deps, query.from_user.id), show_alert=True)


def register(app: Application) -> None:
    """Register the catch-all for presses: after every other button handler, since the first match wins."""
    app.add_handler(CallbackQueryHandler(answer_stale_press))
