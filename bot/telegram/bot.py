"""The bot the application talks through: PTB's ExtBot, with a message Telegram refuses as too long repaired."""

import logging
import re
from collections.abc import Awaitable, Callable

from telegram import Message
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.core.text import MESSAGE_LIMIT, shorten_html, visible_length

log = logging.getLogger(__name__)

# sendMessage answers "message is too long", editMessageText "MESSAGE_TOO_LONG" (PTB: "Message_too_long").
_TOO_LONG_RE = re.compile(r"message.(is.)?too.long", re.IGNORECASE)
_DEFAULT = object()  # parse_mode not given


class DoormanBot(ExtBot):
    """An ExtBot whose send_message and edit_message_text, when Telegram refuses the text as too long, cut the
    HTML to fit and send it once more (once: a second refusal is raised, never retried again).

    Every text the bot builds is bounded where it is shaped (bot/core/); this is the net under all of them, so
    that one unforeseen long value costs an ellipsis instead of a message lost or re-sent every minute.
    """

    __slots__ = ()

    async def send_message(self, chat_id, text: str, *args, **kwargs) -> Message:
        """Send a message; one that is too long is sent again, shortened."""
        send = super().send_message
        parse_mode = args[0] if args else kwargs.get("parse_mode", _DEFAULT)
        return await self._once_more_if_too_long(lambda fitted: send(chat_id, fitted, *args, **kwargs), text,
                                                 parse_mode)

    async def edit_message_text(self, text: str, *args, **kwargs) -> Message | bool:
        """Edit a message's text; one that is too long is tried again, shortened."""
        edit = super().edit_message_text
        parse_mode = args[3] if len(args) > 3 else kwargs.get("parse_mode", _DEFAULT)
        return await self._once_more_if_too_long(lambda fitted: edit(fitted, *args, **kwargs), text, parse_mode)

    async def _once_more_if_too_long(self, call: Callable[[str], Awaitable], text: str, parse_mode) -> Message | bool:
        try:
            return await call(text)
        except BadRequest as exc:
            if not (_TOO_LONG_RE.search(str(exc)) and self._is_html(parse_mode)):
                raise
            length = visible_length(text)
            log.warning("Telegram refused a message of %d characters as too long; sending it shortened", length)
        # Within the limit by our count, yet refused: Telegram counted differently, so aim well below.
        return await call(shorten_html(text, MESSAGE_LIMIT if length > MESSAGE_LIMIT else length // 2))

    def _is_html(self, parse_mode) -> bool:
        if parse_mode is not None and not isinstance(parse_mode, str):  # not given, or PTB's DEFAULT_NONE
            parse_mode = self.defaults.parse_mode if self.defaults else None
        return str(parse_mode).lower() == "html"
