"""Plain values read from Telegram objects, so that the layers below never see them. Every string a user controls
is made valid here (bot/core/untrusted.py): a lone surrogate in an update could be neither stored nor sent."""

from telegram import BusinessConnection, CallbackQuery, Chat, ChatJoinRequest, Message, User

from bot.core.text import full_name
from bot.core.untrusted import valid_text


def person_from_user(user: User) -> dict:
    """A plain person dict (as stored in `people`) from a Telegram user."""
    return {"user_id": user.id, "first_name": valid_text(user.first_name), "last_name": valid_text(user.last_name),
            "username": valid_text(user.username), "language_code": valid_text(user.language_code),
            "is_premium": bool(user.is_premium)}  # Telegram leaves it out for everyone but Premium users


def connection_values(connection: BusinessConnection) -> dict:
    """A business connection as plain values: id, the account's user id and name, rights, enabled."""
    rights = connection.rights
    return {"connection_id": connection.id, "user_id": connection.user.id, "user_chat_id": connection.user_chat_id,
            "owner_name": full_name(person_from_user(connection.user)),
            "can_reply": bool(rights.can_reply) if rights is not None else False,
            "is_enabled": bool(connection.is_enabled)}


def message_text(message: Message) -> str | None:
    """A message's text or caption; None for a sticker, poll, dice…"""
    return valid_text(message.text or message.caption)


def chat_title(chat: Chat) -> str:
    """A group's or channel's title (its id when it has none)."""
    return valid_text(chat.title) or str(chat.id)


def join_values(join: ChatJoinRequest, bot_id: int) -> dict:
    """A join request as plain values: who, which chat (and its @username), where to write to them, their bio, the
    link's name, the link itself when the bot made it, when."""
    link = join.invite_link
    # Telegram hides part of a link another admin made ("https://t.me/+AbC…"); only the bot's own is whole.
    own = (link is not None and link.creator.id == bot_id and not link.is_revoked and not link.expire_date
           and not link.member_limit)
    return {"person": person_from_user(join.from_user), "chat_id": join.chat.id, "chat_title": chat_title(join.chat),
            "chat_type": join.chat.type, "user_chat_id": join.user_chat_id, "bio": valid_text(join.bio),
            "link_name": valid_text(link.name) if link else None, "date": join.date,
            "chat_username": valid_text(join.chat.username), "invite_link": link.invite_link if own else None}


def command_args(args: list[str] | None) -> list[str]:
    """The words after a command."""
    return [valid_text(arg) for arg in args or []]


def callback_data(query: CallbackQuery) -> str | None:
    """The data of a pressed button (untrusted: a client may send any)."""
    return valid_text(query.data)
