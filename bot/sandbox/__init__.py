"""A local stand-in for the Telegram Bot API (tests, benchmarks, `python -m bot sandbox`)."""

from bot.sandbox.fake_api import ApiError, Call, FakeBotAPI

__all__ = ["ApiError", "Call", "FakeBotAPI"]
