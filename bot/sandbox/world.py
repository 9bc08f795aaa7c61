"""The sandbox's demo world on a FakeBotAPI: an owner, a channel, a business connection, strangers.

It offers the actions the page's buttons perform (each becomes a real update the bot polls) and
snapshots of the two chats for the page. Nothing here answers for the bot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.sandbox.clock import SandboxClock
from fakegram.api import FakeBotAPI

TOKEN = "1234567890:SANDBOX-not-a-real-token"
BOT_USERNAME = "doorman_sandbox_bot"
OWNER_ID = 1000
CHANNEL_ID = -1001000000001
CHANNEL_TITLE = "Demo Channel"
BUSINESS_ID = "sandbox-business"
FIRST_STRANGER_ID = 5001
SOURCE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
USERNAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,8})?")


class ActionError(ValueError):
    """A page action that cannot be done; the message is shown to the person using the page."""


def _text(value: Any, what: str, limit: int, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ActionError(f"{what} is empty")
    if len(text) > limit:
        raise ActionError(f"{what} is longer than {limit} characters")
    return text


class World:
    """Demo people and chats in the fake, the page's actions, and what the page shows."""

    ACTIONS = ("new-stranger", "send", "business", "takeover", "deeplink", "join", "press", "language")

    def __init__(self, api: FakeBotAPI, clock: SandboxClock | None = None) -> None:
        self.api = api
        self.lock = api.lock
        self.clock = clock or SandboxClock()
        # Set once the bot is built: runs its due checks at the new time and waits for them (True: finished).
        self.run_due: Callable[[], bool] = lambda: False
        self.owner = api.user(OWNER_ID, "Olga", "Owner", username="olga_owner")
        self.strangers: list[int] = []
        self.actions = 0
        self._order: dict[tuple[Any, int], int] = {}
        self._update_of: dict[tuple[Any, int], int] = {}
        self._calls_seen = 0
        self._queries: list[tuple[str, str]] = []
        self._failures: list[dict] = []
        api.strict_html = False  # preview what Telegram would show: it keeps a bare "&" as text

    def setup(self) -> None:
        """Start the owner's chat, add the bot to the demo channel, connect the owner's business account."""
        with self.lock:
            self._sync_clock()
            self._incoming(self.api.private_message(self.owner, "/start"))
            self.api.add_chat(CHANNEL_ID, CHANNEL_TITLE, type="channel", bot_status="left",
                              can_invite_users=False, owner=self.owner)
            self.api.my_chat_member(CHANNEL_ID, self.owner, "administrator", can_invite_users=True)
            self.api.business_connection(BUSINESS_ID, self.owner)
            self.new_stranger({"first_name": "Ada", "last_name": "Lovelace", "username": "ada_l"})

    # -- actions ------------------------------------------------------------------------------

    def act(self, name: str, body: dict) -> dict:
        """Run one page action by name; raise ActionError for anything the page should show as a problem."""
        if name == "skip":
            return self.skip(body)
        handler = getattr(self, name.replace("-", "_"), None) if name in self.ACTIONS else None
        if handler is None:
            raise ActionError(f"unknown action {name!r}")
        with self.lock:
            self._sync_clock()
            try:
                result = handler(body)
            except ValueError as error:  # the fake refuses, e.g. a button that is gone
                raise ActionError(str(error)) from None
            self.actions += 1
            return {"ok": True, **result}

    def new_stranger(self, body: dict) -> dict:
        """A new person who has never talked to the bot (with a profile photo unless photo is false)."""
        first = _text(body.get("first_name"), "first name", 64)
        last = _text(body.get("last_name"), "last name", 64, required=False)
        username = _text(body.get("username"), "username", 32, required=False).lstrip("@")
        if username and not USERNAME_RE.fullmatch(username):
            raise ActionError("a username is 5-32 letters, digits or _, starting with a letter")
        bio = _text(body.get("bio"), "bio", 140, required=False)
        user_id = FIRST_STRANGER_ID + len(self.strangers)
        # Profile photo, Premium and bio: what the card's line of signals is read from.
        self.api.user(user_id, first, last or None, username=username or None, photos=int(body.get("photo", True) is
                      not False), is_premium=bool(body.get("premium")) or None, bio=bio or None)
        self.strangers.append(user_id)
        return {"stranger": user_id}

    def language(self, body: dict) -> dict:
        """Set the language_code Telegram reports for a stranger in their next updates ('' for none)."""
        stranger = self._stranger(body)
        code = _text(body.get("language_code"), "language code", 16, required=False)
        if code and not LANGUAGE_RE.fullmatch(code):
            raise ActionError("a language code looks like de or pt-br")
        user = self.api.users[stranger]
        if code:
            user["language_code"] = code
        else:
            user.pop("language_code", None)
        return {"stranger": stranger}

    def send(self, body: dict) -> dict:
        """The owner or a stranger writes to the bot in private (text starting with / is a command)."""
        user = self._who(body)
        self._incoming(self.api.private_message(user, _text(body.get("text"), "message", 4096)))
        return {}

    def business(self, body: dict) -> dict:
        """A stranger writes to the owner's own account, which the bot manages through Telegram Business."""
        stranger = self._stranger(body)
        update = self.api.business_message(BUSINESS_ID, stranger, stranger, _text(body.get("text"), "message", 4096))
        self._incoming(update)
        return {}

    def takeover(self, body: dict) -> dict:
        """The owner writes in their own account's chat with a stranger: the bot stops screening that chat."""
        stranger = self._stranger(body)
        update = self.api.business_message(BUSINESS_ID, self.owner, stranger, _text(body.get("text"), "message", 4096))
        self._incoming(update)
        return {}

    def skip(self, body: dict) -> dict:
        """Move the sandbox's time ahead (an hour, a day, to the weekly summary); the bot's due checks run then."""
        with self.lock:
            self._sync_clock()
            try:
                seconds = self.clock.seconds_to(str(body.get("to") or ""))
            except ValueError as error:
                raise ActionError(str(error)) from None
            self.clock.skip(seconds)
            self._sync_clock()
            self.actions += 1
        # Outside the lock: the checks call the stand-in while this thread waits for them.
        finished = self.run_due()
        with self.lock:
            self.actions += 1
        return {"ok": True, "clock": self.clock.view(), "finished": finished}

    def deeplink(self, body: dict) -> dict:
        """A stranger opens t.me/<bot>?start=<source>: Telegram sends /start <source>."""
        source = str(body.get("source") or "").strip()
        if not SOURCE_RE.fullmatch(source):
            raise ActionError("a deep-link source is 1-64 of A-Z a-z 0-9 _ -")
        self._incoming(self.api.private_message(self._stranger(body), f"/start {source}"))
        return {}

    def join(self, body: dict) -> dict:
        """A stranger asks to join the demo channel, optionally through an invite link the bot made."""
        link = str(body.get("invite_link") or "") or None
        if link is not None and self.api.invite_links.get(link, {}).get("chat_id") != CHANNEL_ID:
            raise ActionError("unknown invite link")
        bio = _text(body.get("bio"), "bio", 140, required=False) or None
        self.api.join_request(self._stranger(body), CHANNEL_ID, invite_link=link, bio=bio)
        return {}

    def press(self, body: dict) -> dict:
        """The owner or a stranger presses an inline button under one of the bot's messages."""
        user = self._who(body)
        business = BUSINESS_ID if body.get("business") and user != OWNER_ID else None
        update = self.api.press_button(user, user, _int(body.get("message_id")), str(body.get("data") or ""),
                                       business_connection_id=business)
        self._queries.append((update["callback_query"]["id"], "owner" if user == OWNER_ID else "stranger"))
        return {}

    def _who(self, body: dict) -> int:
        return OWNER_ID if body.get("who") == "owner" else self._stranger(body)

    def _stranger(self, body: dict) -> int:
        stranger = _int(body.get("stranger"))
        if stranger not in self.strangers:
            raise ActionError("unknown stranger: create one first")
        return stranger

    # -- what the page shows ------------------------------------------------------------------

    @property
    def version(self) -> int:
        """Grows whenever the bot called the API or the page acted: the page re-reads the state then."""
        return len(self.api.calls) + self.actions

    def state(self, stranger: int | None) -> dict:
        """Both chats, the channel and the strangers, as plain JSON for the page."""
        with self.lock:
            self._sync_clock()
            self._note_calls()
            if stranger not in self.strangers:
                stranger = self.strangers[-1] if self.strangers else None
            people = [self._person(uid) for uid in self.strangers]
            stranger_chat = []
            if stranger is not None:
                stranger_chat = sorted(self._messages(stranger) + self._messages(("biz", BUSINESS_ID, stranger)),
                                       key=lambda m: m["seq"])
            return {"version": self.version, "bot": {**self._person(self.api.bot_id), "username": BOT_USERNAME},
                    "owner": self._person(OWNER_ID), "strangers": people, "stranger": stranger,
                    "channel": self._channel(stranger), "clock": self.clock.view(),
                    "commands": [f"/{c['command']}" for c in self.api.commands_for(OWNER_ID)],
                    "chats": {"owner": self._messages(OWNER_ID), "stranger": stranger_chat},
                    "notices": self._notices()}

    def _person(self, user_id: int) -> dict:
        user = self.api.users.get(user_id) or self.api.bot_user
        name = " ".join(filter(None, (user.get("first_name"), user.get("last_name"))))
        return {"id": user_id, "name": name, "username": user.get("username"),
                "language_code": user.get("language_code") or ""}

    def _channel(self, stranger: int | None) -> dict:
        chat = self.api.chats[CHANNEL_ID]
        request = self.api.join_requests.get((CHANNEL_ID, stranger)) if stranger is not None else None
        links = [{"url": url, "name": link.get("name") or url} for url, link in self.api.invite_links.items()
                 if link["chat_id"] == CHANNEL_ID and link.get("creates_join_request")]
        return {"id": CHANNEL_ID, "title": chat["title"], "member": stranger in chat["members"],
                "request": None if request is None else ("pending" if request["pending"] else request["outcome"]),
                "links": links}

    def _notices(self) -> list[dict]:
        notices = list(self._failures)
        for query_id, who in self._queries:
            query = self.api.callback_queries.get(query_id, {})
            if query.get("answered") and query.get("text"):
                notices.append({"id": query_id, "who": who, "text": query["text"], "alert": query["show_alert"]})
        return notices

    def _messages(self, key: Any) -> list[dict]:
        stored = self.api.messages.get(key, {})
        waiting = {update["update_id"] for update in self.api.updates}
        return sorted((self._message(key, m, waiting) for m in stored.values()), key=lambda m: m["seq"])

    def _message(self, key: Any, message: dict, waiting: set[int]) -> dict:
        outgoing = bool(message.get("outgoing"))
        sender = message.get("from", {}).get("id")
        parse_mode = str(message.get("parse_mode") or "").lower()
        buttons = [[{k: b[k] for k in ("text", "callback_data", "url") if k in b} for b in row]
                   for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])]
        return {
            "key": f"{key[1] if isinstance(key, tuple) else 'dm'}:{message['message_id']}",
            "message_id": message["message_id"], "seq": self._seq(key, message["message_id"]),
            "from": "bot" if outgoing else "owner" if sender == OWNER_ID else "stranger",
            "business": isinstance(key, tuple), "date": message.get("date"),
            "text": message.get("text") or message.get("caption") or _media_label(message),
            "html": message.get("html") if outgoing and parse_mode == "html" else None,
            "edited": bool(message.get("edit_date")), "buttons": buttons,
            # the bot confirmed the update (getUpdates moved past it): Telegram's "delivered" tick
            "seen": not outgoing and self._update_of.get((key, message["message_id"]), 0) not in waiting,
        }

    # -- bookkeeping --------------------------------------------------------------------------

    def _sync_clock(self) -> None:
        # The fake's clock stands still unless moved; following the sandbox's clock (the wall clock plus any skip)
        # makes dates real and lets Telegram's 5-minute join-request window close as it would.
        gap = self.clock.timestamp() - self.api.now
        if gap > 0:
            self.api.advance(gap)

    def _seq(self, key: Any, message_id: int) -> int:
        return self._order.setdefault((key, message_id), len(self._order))

    def _incoming(self, update: dict) -> None:
        message = next(value for name, value in update.items() if name != "update_id")
        key = (("biz", message["business_connection_id"], message["chat"]["id"])
               if message.get("business_connection_id") else message["chat"]["id"])
        self._seq(key, message["message_id"])
        self._update_of[(key, message["message_id"])] = update["update_id"]

    def _note_calls(self) -> None:
        # Bot messages get their place in the merged chat in the order the bot sent them; refused calls
        # (e.g. a template with markup Telegram rejects) are shown, as the owner would otherwise never know.
        for index, call in enumerate(self.api.calls[self._calls_seen:], start=self._calls_seen):
            if call.ok and call.method.lower() == "sendmessage" and isinstance(call.result, dict):
                conn = call.result.get("business_connection_id")
                chat_id = call.result["chat"]["id"]
                self._seq(("biz", conn, chat_id) if conn else chat_id, call.result["message_id"])
            elif not call.ok and call.method.lower() != "getupdates" and "description" in (call.error or {}):
                who = "owner" if call.params.get("chat_id") == OWNER_ID else "stranger"
                text = f"Telegram refused the bot's {call.method}: {call.error['description']}"
                self._failures.append({"id": f"call-{index}", "who": who, "alert": True, "failure": True, "text": text})
        self._calls_seen = len(self.api.calls)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ActionError(f"expected a number, got {value!r}") from None


def _media_label(message: dict) -> str:
    kinds = [kind for kind in ("photo", "sticker", "voice", "document") if kind in message]
    return f"[{kinds[0]}]" if kinds else "[message]"
