"""Small helpers shared by handler modules: reading the Update into plain values."""

from telegram import User
from telegram.ext import ContextTypes

from bot.services import Services, get_services


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The Services of the running application."""
    return get_services(context.application.bot_data)


def person_from_user(user: User) -> dict:
    """A plain person dict (as stored in `people`) from a Telegram user."""
    return {"user_id": user.id, "first_name": user.first_name, "last_name": user.last_name,
            "username": user.username, "language_code": user.language_code}
