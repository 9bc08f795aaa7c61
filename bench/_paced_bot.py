"""What-if for bench/raid.py --paced: `python -m bot` with a paced rate limiter instead of AIORateLimiter."""

# AIORateLimiter, even as bot/app.py shapes it (a bucket of one, refilled every 1/29.5 s), keeps handing out
# slots while it waits out a 429; those calls then fire together, draw more 429s, and the cycle settles near
# 24 msg/s. This limiter spaces sends at least 1/PACED_RATE s apart, measured between the actual sends, and a 429
# pauses every sender before it takes a slot. A real replacement must also keep the per-group limit (20/min);
# this experiment paces the global rate only.

import asyncio
import os
import sys

import telegram.ext
from telegram.error import RetryAfter


class PacedRateLimiter(telegram.ext.BaseRateLimiter):
    """At most one send every 1/rate seconds, first come first served; a RetryAfter pauses everyone."""

    def __init__(self, *args, max_retries: int = 5, **kwargs) -> None:
        self.interval = 1 / float(os.environ.get("PACED_RATE", "29.5"))
        self.max_retries = max_retries
        self.last = self.paused_until = 0.0
        self.lock = asyncio.Lock()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def _slot(self) -> None:
        loop = asyncio.get_running_loop()
        async with self.lock:
            while (wait := max(self.last + self.interval, self.paused_until) - loop.time()) > 0:
                await asyncio.sleep(wait)
            self.last = loop.time()

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        """Wait for a slot (calls addressed to a chat), send, and wait out a 429 before retrying."""
        for attempt in range(self.max_retries + 1):
            if data.get("chat_id") is not None:
                await self._slot()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == self.max_retries:
                    raise
                pause = exc._retry_after.total_seconds() + 0.1  # the timedelta PTB keeps (no deprecation warning)
                self.paused_until = max(self.paused_until, asyncio.get_running_loop().time() + pause)
        raise AssertionError("unreachable")


if __name__ == "__main__":
    telegram.ext.AIORateLimiter = PacedRateLimiter  # bot.app builds its limiter from this name
    from bot.__main__ import main

    sys.exit(main([]))
