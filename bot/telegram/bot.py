"""The Bot object doorman talks to Telegram through: PTB's ExtBot, reading each polled update on its own,
repairing a message Telegram refuses as too long, and cutting calls short when the bot stops."""

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.core.text import MESSAGE_LIMIT, shorten_html, visible_length
from bot.telegram.stopping import Stopping
from bot.telegram.updates import parse_updates

log = logging.getLogger(__name__)

# sendMessage answers "message is too long", editMessageText "MESSAGE_TOO_LONG" (PTB: "Message_too_long").
_TOO_LONG_RE = re.compile(r"message.(is.)?too.long", re.IGNORECASE)
_DEFAULT = object()  # parse_mode not given


@dataclass(frozen=True)
class Sent:
    """What doorman reads of a message it sent: where it is."""

    chat_id: int
    message_id: int


@dataclass(frozen=True)
class Profile:
    """What doorman reads of a user's chat: whether a profile photo shows, and the bio."""

    has_photo: bool  # Telegram: a private chat's ChatFullInfo carries the user's current photo, absent when none
    bio: str | None


class DoormanBot(ExtBot):
    """ExtBot whose get_updates survives an update it cannot parse (PTB's loses the whole batch, then fetches it
    again forever: the offset never moves past it), whose calls end on time once `stopping` has begun, and whose
    send_message and edit_message_text, when Telegram refuses the text as too long, cut the HTML to fit and try
    once more (a second refusal is raised). Every text is bounded where it is shaped (bot/core/); this is the net
    under all of them, so one unforeseen long value costs an ellipsis, not a message lost or re-sent every minute.
    """

    def __init__(self, token: str, *, stopping: Stopping | None = None,
                 before_call: Callable[[], None] | None = None, admit: Callable[[list], list] | None = None,
                 **kwargs):
        super().__init__(token, **kwargs)
        with self._unfrozen():
            self.stopping = stopping or Stopping()
            # Called before every Bot API call: the application commits its database writes here, so nothing
            # reaches Telegram before the rows that led to it are safe.
            self.before_call = before_call
            # Given each polled batch as Telegram sent it, returns what the application gets now: a raid's join
            # requests beyond what the bot has in hand wait as rows (bot/flow/backlog.py).
            self.admit = admit
            # The offset past the last update fetched: PTB computes the next poll's offset from the updates it got,
            # and would fetch those kept back by `admit` again, for ever when a whole batch was kept back.
            self.fetched_past = 0

    async def _do_post(self, endpoint: str, data: dict, *, read_timeout=DEFAULT_NONE, write_timeout=DEFAULT_NONE,
                       connect_timeout=DEFAULT_NONE, pool_timeout=DEFAULT_NONE):
        # Every Bot API call passes here (ExtBot overrides it the same way to add rate limiting): bounding it bounds
        # the rate limiter's waits, the request's retries and the HTTP exchange together.
        if self.before_call is not None:
            self.before_call()
        return await self.stopping.bound(super()._do_post(
            endpoint, data, read_timeout=read_timeout, write_timeout=write_timeout, connect_timeout=connect_timeout,
            pool_timeout=pool_timeout))

    async def get_updates(self, offset: int | None = None, limit: int | None = None,
                          timeout: float | timedelta | None = None, allowed_updates: Sequence[str] | None = None,
                          *, read_timeout=DEFAULT_NONE, write_timeout=DEFAULT_NONE, connect_timeout=DEFAULT_NONE,
                          pool_timeout=DEFAULT_NONE, api_kwargs: dict | None = None) -> tuple[Update, ...]:
        """Fetch updates as Bot.get_updates does (PTB 22.8), then parse them one by one."""
        if self.admit is not None and self.fetched_past and (offset is None or 0 <= offset < self.fetched_past):
            offset = self.fetched_past
        data = {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates}
        # As in PTB: a long poll may take `timeout` seconds longer than the read timeout of any other call.
        base = self._request[0].read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        poll = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        raw = await self._post("getUpdates", data, read_timeout=(base or 0) + (poll or 0),
                               write_timeout=write_timeout, connect_timeout=connect_timeout,
                               pool_timeout=pool_timeout, api_kwargs=api_kwargs)
        if self.admit is not None:
            ids = [item.get("update_id") for item in raw if isinstance(item, dict)]
            kept = self.admit(raw)
            # Only once admit has kept them (as rows, or for the application): if it failed (a locked database),
            # the next poll fetches the same batch again.
            if ids := [i for i in ids if isinstance(i, int)]:
                with self._unfrozen():
                    self.fetched_past = max(self.fetched_past, max(ids) + 1)
            raw = kept
        updates = parse_updates(raw, self)
        for update in updates:
            self.insert_callback_data(update)
        return updates

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

    async def send_text(self, chat_id: int, text: str, *, reply_markup: InlineKeyboardMarkup | None = None,
                        business_connection_id: str | None = None, reply_parameters: ReplyParameters | None = None,
                        rate_limit_args: dict | None = None) -> Sent:
        """sendMessage with the same parameters, defaults, limits and too-long net as send_message, returning only
        where the message is: PTB's Message of the answer (about a hundred attributes, its keyboard rebuilt) is
        never read on the hot path, and building it costs more than the rest of the call."""
        data = {"chat_id": chat_id, "business_connection_id": business_connection_id,
                "disable_notification": DEFAULT_NONE, "link_preview_options": DEFAULT_NONE,
                "parse_mode": DEFAULT_NONE, "protect_content": DEFAULT_NONE, "reply_markup": reply_markup,
                "reply_parameters": reply_parameters}
        result = await self._once_more_if_too_long(
            lambda fitted: self._post_message("sendMessage", {**data, "text": fitted}, rate_limit_args), text,
            DEFAULT_NONE)
        return Sent(result["chat"]["id"], result["message_id"])

    async def edit_text(self, chat_id: int, message_id: int, text: str, *,
                        reply_markup: InlineKeyboardMarkup | None = None, rate_limit_args: dict | None = None) -> None:
        """editMessageText as edit_message_text does it, without building PTB's Message of the answer."""
        data = {"chat_id": chat_id, "message_id": message_id, "link_preview_options": DEFAULT_NONE,
                "parse_mode": DEFAULT_NONE, "reply_markup": reply_markup}
        await self._once_more_if_too_long(
            lambda fitted: self._post_message("editMessageText", {"text": fitted, **data}, rate_limit_args), text,
            DEFAULT_NONE)

    async def get_profile(self, user_id: int, *, read_timeout: float | None = None) -> Profile:
        """getChat on a user, reading only whether they show a profile photo and their bio: PTB's ChatFullInfo of
        the answer (some fifty attributes) is never read."""
        chat = await self._post("getChat", {"chat_id": user_id},
                                read_timeout=DEFAULT_NONE if read_timeout is None else read_timeout)
        return Profile(has_photo=chat.get("photo") is not None, bio=chat.get("bio"))

    async def _post_message(self, endpoint: str, data: dict, rate_limit_args: dict | None):
        return await self._post(endpoint, data, api_kwargs=self._merge_api_rl_kwargs(None, rate_limit_args))

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
