"""Outgoing calls kept inside Telegram's limits."""

from telegram.ext import AIORateLimiter


def telegram_rate_limiter() -> AIORateLimiter:
    """AIORateLimiter shaped to Telegram's sliding windows: ~30 messages/s overall, 20/min per group.

    AIORateLimiter is a leaky bucket: with capacity C and period T it lets C + C/T * W calls through in any
    window W, so the obvious (30, 1 s) allows 60 in the first second and earns 429s. A bucket of one, refilled
    every 1/28.8 s, stays under 30 in any second with room for scheduling jitter (one stray 429 makes
    AIORateLimiter release a bunch of waiting calls together, so the margin matters: bench/raid.py).
    For a group, 5 per 20 s allows a burst of 5 and at most 5 + 15 = 20 in any minute. A 429 is waited out,
    up to 10 times in a row.
    """
    return AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 28.8, group_max_rate=5,
                          group_time_period=20, max_retries=10)
