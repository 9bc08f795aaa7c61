"""The Bot object doorman talks to Telegram through: PTB's ExtBot, reading each polled update on its own and
cutting calls short when the bot stops."""

from collections.abc import Sequence
from datetime import timedelta

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram.ext import ExtBot

from bot.telegram.stopping import Stopping
from bot.telegram.updates import parse_updates


class DoormanBot(ExtBot):
    """ExtBot whose get_updates survives an update it cannot parse (PTB's loses the whole batch, then fetches it
    again forever: the offset never moves past it), and whose calls end on time once `stopping` has begun."""

    def __init__(self, token: str, *, stopping: Stopping | None = None, **kwargs):
        super().__init__(token, **kwargs)
        with self._unfrozen():
            self.stopping = stopping or Stopping()

    async def _do_post(self, endpoint: str, data: dict, *, read_timeout=DEFAULT_NONE, write_timeout=DEFAULT_NONE,
                       connect_timeout=DEFAULT_NONE, pool_timeout=DEFAULT_NONE):
        # Every Bot API call passes here (ExtBot overrides it the same way to add rate limiting): bounding it bounds
        # the rate limiter's waits, the request's retries and the HTTP exchange together.
        return await self.stopping.bound(super()._do_post(
            endpoint, data, read_timeout=read_timeout, write_timeout=write_timeout, connect_timeout=connect_timeout,
            pool_timeout=pool_timeout))

    async def get_updates(self, offset: int | None = None, limit: int | None = None,
                          timeout: float | timedelta | None = None, allowed_updates: Sequence[str] | None = None,
                          *, read_timeout=DEFAULT_NONE, write_timeout=DEFAULT_NONE, connect_timeout=DEFAULT_NONE,
                          pool_timeout=DEFAULT_NONE, api_kwargs: dict | None = None) -> tuple[Update, ...]:
        """Fetch updates as Bot.get_updates does (PTB 22.8), then parse them one by one."""
        data = {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates}
        # As in PTB: a long poll may take `timeout` seconds longer than the read timeout of any other call.
        base = self._request[0].read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        poll = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        raw = await self._post("getUpdates", data, read_timeout=(base or 0) + (poll or 0),
                               write_timeout=write_timeout, connect_timeout=connect_timeout,
                               pool_timeout=pool_timeout, api_kwargs=api_kwargs)
        updates = parse_updates(raw, self)
        for update in updates:
            self.insert_callback_data(update)
        return updates
