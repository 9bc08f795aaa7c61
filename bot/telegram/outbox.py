"""Sending and editing messages, with Telegram's errors turned into outcomes the pipeline can record."""

import logging

from telegram import InlineKeyboardMarkup, ReplyParameters
from telegram.error import BadRequest, Forbidden

from bot.telegram.bot import DoormanBot, Sent
from bot.telegram.ratelimit import WindowClosed

log = logging.getLogger(__name__)


class Unreachable(Exception):
    """The requester cannot be messaged (blocked the bot, never started it, window closed, chat gone)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


WINDOW_CLOSED = "not asked: window closed (Telegram lets a bot write to a join requester for 5 minutes)"
# A send granted this close to the deadline might still reach Telegram after it.
WINDOW_MARGIN = 2.0

_UNREACHABLE_BAD_REQUESTS = ("chat not found", "user not found", "peer_id_invalid", "business_peer_invalid",
                             "business_connection_invalid", "bot_access_forbidden", "user is deactivated")


def _reason(error: Exception) -> str:
    text = str(error).strip()
    for prefix in ("Forbidden: ", "Bad Request: "):
        text = text.removeprefix(prefix)
    return text[:200] or error.__class__.__name__


async def tell(bot: DoormanBot, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None,
               business_connection_id: str | None = None, within: float | None = None,
               reply: bool = False) -> Sent:
    """Send an HTML message to a requester; raise Unreachable when Telegram says they cannot be reached, or when
    `within` seconds (what is left of a join requester's window) pass before the message could go out. A `reply`
    (to someone in a conversation with the bot) is sent before other queued messages."""
    if within is not None and within <= WINDOW_MARGIN:
        raise Unreachable(WINDOW_CLOSED)
    pacing = {}
    if getattr(bot, "rate_limiter", None) is not None and (within is not None or reply):
        pacing = {"rate_limit_args": {"within": None if within is None else within - WINDOW_MARGIN, "reply": reply}}
    try:
        return await bot.send_text(chat_id, text, reply_markup=reply_markup,
                                   business_connection_id=business_connection_id, **pacing)
    except WindowClosed as exc:
        raise Unreachable(WINDOW_CLOSED) from exc
    except Forbidden as exc:
        raise Unreachable(_reason(exc)) from exc
    except BadRequest as exc:
        if any(marker in str(exc).lower() for marker in _UNREACHABLE_BAD_REQUESTS):
            raise Unreachable(_reason(exc)) from exc
        raise


async def notify_reviewers(bot: DoormanBot, chat_id: int, text: str, *, reply_to: int | None = None) -> bool:
    """Send a notice to the owner or review chat (as a reply to message `reply_to`, if given); a refusal (never
    pressed Start, bot not in the group) is logged instead of aborting the handler that sends it. True if sent."""
    # Telegram: without allow_sending_without_reply a reply to a deleted message fails ("message to be replied
    # not found"); the notice matters more than the thread.
    replying = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    try:
        await bot.send_text(chat_id, text, reply_parameters=replying)
    except (Forbidden, BadRequest) as exc:
        log.error("cannot send a notice to chat %s: %s — the owner must open the bot and press Start", chat_id, exc)
        return False
    return True


async def edit(bot: DoormanBot, chat_id: int, message_id: int, text: str, *,
               reply_markup: InlineKeyboardMarkup | None = None, reply: bool = False) -> bool:
    """Edit a message in place; True if it now shows `text` (an unchanged message counts), False if gone. A
    `reply` (to someone in a conversation) goes before other queued messages."""
    pacing = {"rate_limit_args": {"reply": True}} if reply and getattr(bot, "rate_limiter", None) else {}
    try:
        await bot.edit_text(chat_id, message_id, text, reply_markup=reply_markup, **pacing)
    except BadRequest as exc:
        message = str(exc).lower()
        if "not modified" in message:
            return True
        if "not found" in message or "can't be edited" in message:
            log.warning("message %s in chat %s can no longer be edited: %s", message_id, chat_id, exc)
            return False
        raise
    return True


async def drop_keyboard(bot: DoormanBot, chat_id: int, message_id: int,
                        replacement: InlineKeyboardMarkup | None = None) -> None:
    """Remove (or replace) a message's inline keyboard; an unchanged or vanished message is fine."""
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=replacement)
    except BadRequest as exc:
        log.info("could not remove keyboard of message %s in chat %s: %s", message_id, chat_id, exc)
