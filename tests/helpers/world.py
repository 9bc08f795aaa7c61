"""The test world: ids and token, a settable clock, and a driver feeding real updates through the real Application."""

import asyncio
from datetime import datetime, timedelta

from telegram import Update

from fakegram import FakeBotAPI

TOKEN = "123456:TEST-TOKEN"
BOT_ID = 123456
OWNER = 1001
REVIEWER = 1002
BASE_URL = "http://fake-bot-api.invalid/bot"


class Clock:
    """A settable clock in UTC, handed to the bot instead of the real one."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


class VirtualTime:
    """A clock that only moves when someone sleeps: the limiter's waits take no real time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # let whatever was granted run at the moment it was granted
        self.now += max(seconds, 0.0)


class Driver:
    """Feeds real Update JSON from the fake Bot API through the real Application."""

    def __init__(self, app, api: FakeBotAPI):
        self.app, self.api = app, api

    async def feed(self, update: dict) -> dict:
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return update

    async def send(self, user: dict, text: str | None = None, **kwargs) -> dict:
        return await self.feed(self.api.private_message(user, text, **kwargs))

    async def press(self, user: dict, chat_id: int, message_id: int, data: str) -> dict:
        return await self.feed(self.api.press_button(user, chat_id, message_id, data))

    async def answer_followup(self, user: dict, text: str = "We met at RustConf 2025 in Seattle, after your talk",
                              *, business_connection_id: str | None = None) -> bool:
        """Answer the one automatic follow-up if the bot asked it; True if it did."""
        sent = self.api.sent_to(user["id"], business_connection_id=business_connection_id)
        if not sent or "One more thing" not in sent[-1]["text"]:
            return False
        if business_connection_id:
            await self.feed(self.api.business_message(business_connection_id, user, user, text))
        else:
            await self.send(user, text)
        return True

    def last(self, chat_id: int) -> dict:
        return self.api.sent_to(chat_id)[-1]

    def card(self, chat_id: int = OWNER) -> dict:
        cards = [m for m in self.api.sent_to(chat_id) if "v1:accept:" in str(m.get("reply_markup"))
                 or m.get("edited")]
        return cards[-1]

    def button(self, message: dict, starts_with: str) -> str:
        """The callback_data of the first button on `message` whose data starts with the prefix."""
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if button.get("callback_data", "").startswith(starts_with):
                    return button["callback_data"]
        raise AssertionError(f"no button {starts_with!r} on message: {message.get('text')!r}")
