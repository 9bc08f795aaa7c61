"""A stateful stand-in for the Telegram Bot API: shared state, request dispatch and inspection.

Method handlers live in methods.py, update builders in builders.py, faults and rate limits in faults.py.
What it does not emulate: files beyond sendDocument (whose uploads are kept in `files`), Markdown parse modes (text is
kept as sent), message entities in bot messages, inline mode, payments, forum topics. A webhook is kept
(setWebhook, getWebhookInfo, deleteWebhook; getUpdates is refused while one is set) but never called: a test posts
updates to the bot's webhook server itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import math
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from fakegram.builders import UpdateBuilders
from fakegram.errors import EXTRA_KEYS, ApiError, Call, bad, forbidden, public
from fakegram.faults import GATEWAY_PAGE, RATE_LIMITED, FaultInjection
from fakegram.methods import BUSINESS_WINDOW, JOIN_WINDOW, NOT_BY_DEFAULT, NOT_MODIFIED, BotMethods
from fakegram.transport import FakeTransport, Reply, decode_params

__all__ = ["BUSINESS_WINDOW", "EXTRA_KEYS", "GATEWAY_PAGE", "JOIN_WINDOW", "NOT_BY_DEFAULT", "NOT_MODIFIED",
           "RATE_LIMITED", "ApiError", "Call", "FakeBotAPI", "bad", "forbidden", "public"]


@dataclass
class _Pending:
    method: str
    key: str
    params: dict
    deadline: float = 0.0
    lose_reply: bool = False
    generation: int = 0


class FakeBotAPI(UpdateBuilders, BotMethods, FaultInjection):
    """The fake Bot API: one state object shared by the in-process transport and the HTTP server."""

    METHODS = ("getMe", "getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "setMyCommands",
               "getMyCommands", "deleteMyCommands",
               "sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage", "answerCallbackQuery",
               "sendChatAction", "approveChatJoinRequest", "declineChatJoinRequest", "createChatInviteLink",
               "getChat", "getChatMember", "getChatAdministrators", "getBusinessConnection", "leaveChat",
               "getUserProfilePhotos")
    METHODS += ("sendDocument",)

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_id: int | None = None,
                 bot_username: str = "doorman_test_bot", bot_first_name: str = "Doorman") -> None:
        self.token = token
        self.bot_id = bot_id if bot_id is not None else int(token.split(":")[0])
        self.bot_user = {"id": self.bot_id, "is_bot": True, "first_name": bot_first_name, "username": bot_username}
        self.now = time.time()
        self.clock: Callable[[], float] = time.monotonic  # rate-limit windows run on real time
        self.strict_html = True
        self.lock = threading.RLock()
        self._cond = threading.Condition(self.lock)
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._handlers = {name.lower(): getattr(self, "_api_" + re.sub("([A-Z])", r"_\1", name).lower())
                          for name in self.METHODS}
        self._rng = random.Random(self.bot_id)
        self.transport = FakeTransport(self)
        self.calls: list[Call] = []
        self.unknown_methods: list[str] = []
        # How calls came over the wire: (method, media type of the request body) -> how many.
        self.bodies: Counter[tuple[str, str]] = Counter()
        self.allowed_updates_seen: list[list[str]] = []
        self.too_many_requests = 0
        self.users: dict[int, dict] = {}
        self.profiles: dict[int, dict] = {}  # user id → {"photos": count, "bio": text}: kept out of User JSON
        self.chats: dict[int, dict] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.messages: dict[Any, dict[int, dict]] = {}
        self.join_requests: dict[tuple[int, int], dict] = {}
        self.invite_links: dict[str, dict] = {}
        self.callback_queries: dict[str, dict] = {}
        self.business_connections: dict[str, dict] = {}
        self.commands: dict[str, list] = {}
        self.files: dict[str, dict] = {}  # file_id -> {"file_name", "content"} of documents the bot sent
        self.updates: list[dict] = []
        self.webhook: dict | None = None  # setWebhook's params while a webhook is set
        self._biz_incoming: dict[tuple[str, int], float] = {}
        self._next_id: dict[Any, int] = {}
        self._allowed: list[str] = []
        self._fail_rules: list[dict] = []
        self._inject: dict | None = None
        self._limits: dict | None = None
        self._windows: dict[tuple, deque] = {}
        self._poll_generation = 0
        self._in_flight = 0
        self._hang_generation = 0

    @property
    def polls_begun(self) -> int:
        """How many getUpdates calls have reached the fake (answered or still waiting)."""
        with self.lock:
            return self._poll_generation

    # -- wire ---------------------------------------------------------------------------------

    def begin(self, path: str, content_type: str, body: bytes, query: str = "") -> Reply | _Pending:
        """Check token, method, faults and limits; return a final Reply or a call to finish."""
        match = re.fullmatch(r".*/bot([^/]+)/([A-Za-z0-9_]+)/?", unquote(path))
        if not match:
            return Reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, method = match.groups()
        if token != self.token:
            return Reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        try:
            params = decode_params(content_type, body, query)
        except (ValueError, UnicodeDecodeError):
            return Reply(400, bad("can't parse request body").body())
        key = method.lower()
        with self.lock:
            self.bodies[method, content_type.split(";")[0].strip().lower()] += 1
            if key not in self._handlers:
                self.unknown_methods.append(method)
                return self._failed(method, params, ApiError(404, "Not Found: method not found"))
            early = self._fault_for(method, key, params) or self._rate_limit(method, key, params)
            if isinstance(early, Reply):
                return early
            pending = _Pending(method, key, params, lose_reply=early == "timeout_after")
            if key == "getupdates":
                # Telegram lets one getUpdates run at a time: a new one ends the previous with 409
                self._poll_generation += 1
                pending.generation = self._poll_generation
                self.wake()
                timeout = params.get("timeout")
                if isinstance(timeout, int | float) and timeout > 0:
                    pending.deadline = time.monotonic() + timeout
            return pending

    def finish(self, pending: _Pending) -> Reply:
        """Run the method and record the call."""
        with self.lock:
            try:
                if pending.generation not in (0, self._poll_generation):
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                        "make sure that only one bot instance is running")
                result = self._handlers[pending.key](pending.params)
            except ApiError as error:
                return self._failed(pending.method, pending.params, error)
            self.calls.append(Call(pending.method, pending.params, True, copy.deepcopy(result), None))
            if pending.lose_reply:
                return Reply(0, None, fault="timeout_after")
            return Reply(200, {"ok": True, "result": result})

    def _wait_time(self, pending: _Pending) -> float:
        """Seconds a long poll should still wait (0: answer now)."""
        if not pending.deadline or pending.generation != self._poll_generation or self._ready(pending.params):
            return 0.0
        return max(0.0, pending.deadline - time.monotonic())

    def handle(self, path: str, content_type: str, body: bytes, query: str = "",
               stop: threading.Event | None = None) -> Reply:
        """Answer one request, blocking the calling thread during a long poll (or a hung call)."""
        counted = not path.rstrip("/").lower().endswith("/getupdates")  # a long poll is never "in flight"
        with self.lock:
            self._in_flight += counted
        try:
            hang = self._hang_generation
            pending = self.begin(path, content_type, body, query)
            if isinstance(pending, Reply):
                with self._cond:
                    while pending.fault == "hang" and self._hang_generation == hang and not (stop and stop.is_set()):
                        self._cond.wait()
                return pending
            with self._cond:
                while (remaining := self._wait_time(pending)) and not (stop and stop.is_set()):
                    self._cond.wait(remaining)
            return self.finish(pending)
        finally:
            with self.lock:
                self._in_flight -= counted

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until no request but long polls is being answered: for a test that must know every call a
        stopped process had sent has been recorded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self._in_flight:
                    return
            time.sleep(0.01)
        raise TimeoutError("the fake Bot API stayed busy")

    async def handle_async(self, path: str, content_type: str, body: bytes, query: str = "") -> Reply:
        """Answer one request, awaiting (not blocking) during a long poll (or a hung call)."""
        hang = self._hang_generation
        pending = self.begin(path, content_type, body, query)
        if isinstance(pending, Reply):
            if pending.fault == "hang":
                await self._wait_async(lambda: math.inf if self._hang_generation == hang else 0.0)
            return pending
        await self._wait_async(lambda: self._wait_time(pending))
        return self.finish(pending)

    async def _wait_async(self, remaining: Callable[[], float]) -> None:
        """Await until remaining() (checked under the lock at every wake()) is 0."""
        while True:
            with self.lock:
                if not (seconds := remaining()):
                    return
                waiter = (asyncio.get_running_loop(), asyncio.Event())
                self._async_waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter[1].wait(), None if seconds == math.inf else seconds)
            except TimeoutError:
                pass
            finally:
                with self.lock:
                    self._async_waiters.remove(waiter)

    def wake(self) -> None:
        """Wake every long poll so it re-checks for updates (or for a stopped server)."""
        with self.lock:
            self._cond.notify_all()
            for loop, event in self._async_waiters:
                with contextlib.suppress(RuntimeError):  # that loop is already closed
                    loop.call_soon_threadsafe(event.set)

    def serve(self, host: str = "127.0.0.1", port: int = 0):
        """Serve this fake over HTTP in a daemon thread; returns the server (base_url, close())."""
        from fakegram.server import FakeServer

        return FakeServer(self, host, port)

    def _failed(self, method: str, params: dict, error: ApiError) -> Reply:
        self.calls.append(Call(method, params, False, None, error.body()))
        return Reply(error.code, error.body())

    # -- inspection ---------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[dict]:
        """Params of every call to `method` (successful and failed), in order."""
        with self.lock:
            return [call.params for call in self.calls if call.method.lower() == method.lower()]

    def sent_to(self, chat_id: int, business_connection_id: str | None = None) -> list[dict]:
        """The bot's messages currently in a chat (as stored: current text, html, parse_mode, edited)."""
        key = ("biz", business_connection_id, chat_id) if business_connection_id else chat_id
        with self.lock:
            return [copy.deepcopy(m) for m in self.messages.get(key, {}).values() if m.get("outgoing")]

    def reset_calls(self) -> None:
        """Forget recorded calls and unknown methods (state stays)."""
        with self.lock:
            self.calls.clear()
            self.unknown_methods.clear()
            self.bodies.clear()

    def advance(self, seconds: float) -> None:
        """Move the fake's clock (message dates, join-request and business windows) forward."""
        with self.lock:
            self.now += seconds

    # -- shared helpers -----------------------------------------------------------------------

    def _user(self, user: dict | int) -> dict:
        if isinstance(user, dict):
            self.users[user["id"]] = {**self.users.get(user["id"], {}), **user}
            return copy.deepcopy(self.users[user["id"]])
        if user not in self.users:
            raise ValueError(f"unknown user {user}: create it with api.user(...) first")
        return copy.deepcopy(self.users[user])

    def _private_chat(self, user: dict) -> dict:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def _group(self, params: dict) -> dict:
        chat = self.chats.get(self._resolve_chat_id(params.get("chat_id")))
        if chat is None:
            raise bad("chat not found")
        return chat

    def _chat_json(self, chat: dict) -> dict:
        return {key: chat[key] for key in ("id", "type", "title", "username") if chat.get(key) is not None}

    def _resolve_chat_id(self, chat_id: Any) -> Any:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username") and "@" + chat["username"].lower() == chat_id.lower():
                    return chat["id"]
            raise bad("chat not found")
        if not isinstance(chat_id, int):
            raise bad("chat not found")
        return chat_id

    def _store(self, key: Any, message: dict) -> dict:
        self._next_id[key] = self._next_id.get(key, 0) + 1
        message = {"message_id": self._next_id[key], "date": int(self.now), **message}
        self.messages.setdefault(key, {})[message["message_id"]] = message
        return message

    def _push(self, kind: str, payload: dict) -> dict:
        return self._queue({kind: public(payload) if "message_id" in payload else copy.deepcopy(payload)})

    def _queue(self, fields: dict) -> dict:
        self._next_id["updates"] = self._next_id.get("updates", 0) + 1
        update = {"update_id": self._next_id["updates"], **fields}
        self.updates.append(update)
        self.wake()
        return copy.deepcopy(update)

    def _bot_member(self, chat: dict) -> dict:
        status = chat["bot_status"]
        if status != "administrator":
            member = {"status": status, "user": self.bot_user}
            return {**member, "until_date": 0} if status == "kicked" else member
        rights = {right: False for right in (
            "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
            "can_restrict_members", "can_promote_members", "can_change_info", "can_post_stories",
            "can_edit_stories", "can_delete_stories", "can_pin_messages", "can_manage_topics")}
        rights.update(can_manage_chat=True, can_delete_messages=True, can_invite_users=chat["can_invite_users"])
        if chat["type"] == "channel":
            rights.update(can_post_messages=True, can_edit_messages=True)
            del rights["can_pin_messages"], rights["can_manage_topics"]
        return {"status": "administrator", "user": self.bot_user, "can_be_edited": False, **rights}

    def _set_bot_status(self, chat: dict, actor: dict, status: str, can_invite_users: bool) -> dict:
        old = self._bot_member(chat)
        chat.update(bot_status=status, can_invite_users=can_invite_users)
        return self._push("my_chat_member", {"chat": self._chat_json(chat), "from": actor, "date": int(self.now),
                                             "old_chat_member": old, "new_chat_member": self._bot_member(chat)})
