"""fakegram: a stateful stand-in for the Telegram Bot API, for tests, benchmarks and the sandbox.

It imports nothing from doorman (bot/, db/): it speaks the Bot API over HTTP (served on 127.0.0.1) or through an
in-process httpx transport, keeps chats, messages, keyboards, join requests and business connections, records
every call, and fails on methods it does not know.
"""

from fakegram.api import ApiError, Call, FakeBotAPI

__all__ = ["ApiError", "Call", "FakeBotAPI"]
