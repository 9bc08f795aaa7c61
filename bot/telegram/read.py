"""Plain values read from Telegram objects, so that the layers below never see them."""

from telegram import BusinessConnection, User

from bot.core.text import full_name


def person_from_user(user: User) -> dict:
    """A plain person dict (as stored in `people`) from a Telegram user."""
    return {"user_id": user.id, "first_name": user.first_name, "last_name": user.last_name,
            "username": user.username, "language_code": user.language_code}


def connection_values(connection: BusinessConnection) -> dict:
    """A business connection as plain values: id, the account's user id and name, rights, enabled."""
    rights = connection.rights
    return {"connection_id": connection.id, "user_id": connection.user.id, "user_chat_id": connection.user_chat_id,
            "owner_name": full_name(person_from_user(connection.user)),
            "can_reply": bool(rights.can_reply) if rights is not None else False,
            "is_enabled": bool(connection.is_enabled)}
