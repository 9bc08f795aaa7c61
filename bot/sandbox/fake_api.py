"""A stateful stand-in for the Telegram Bot API: method handlers, update builders and faults.

What it does not emulate: files (uploads are accepted, never stored), Markdown parse modes (text is
kept as sent), message entities in bot messages, webhooks, inline mode, payments, forum topics.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import random
import re
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from bot.sandbox.html_check import HtmlError, parse_html
from bot.sandbox.transport import FakeTransport, Reply, decode_params

NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message")
# Telegram's default when allowed_updates was never set (or set to [])
NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}
RATE_LIMITED = {"sendmessage", "editmessagetext", "editmessagereplymarkup", "editmessagecaption",
                "sendphoto", "senddocument", "copymessage", "forwardmessage"}
EXTRA_KEYS = ("html", "parse_mode", "edited", "outgoing")
JOIN_WINDOW = 300
BUSINESS_WINDOW = 24 * 3600
GATEWAY_PAGE = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


@dataclass
class Call:
    """One Bot API call as the fake saw it (params decoded)."""

    method: str
    params: dict
    ok: bool
    result: Any
    error: dict | None


@dataclass
class _Pending:
    method: str
    key: str
    params: dict
    deadline: float = 0.0
    lose_reply: bool = False
    generation: int = 0


class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def body(self) -> dict:
        """The JSON error body Telegram sends."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad(description: str) -> ApiError:
    """A 400 Bad Request error."""
    return ApiError(400, "Bad Request: " + description)


def forbidden(description: str) -> ApiError:
    """A 403 Forbidden error."""
    return ApiError(403, "Forbidden: " + description)


def public(message: dict) -> dict:
    """A stored message as Telegram sends it (bookkeeping keys removed)."""
    out = copy.deepcopy(message)
    for key in EXTRA_KEYS:
        out.pop(key, None)
    return out


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _update_kind(update: dict) -> str:
    return next(key for key in update if key != "update_id")


class FakeBotAPI:
    """The fake Bot API: one state object shared by the in-process transport and the HTTP server."""

    METHODS = ("getMe", "getUpdates", "deleteWebhook", "setMyCommands", "getMyCommands", "deleteMyCommands",
               "sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage", "answerCallbackQuery",
               "sendChatAction", "approveChatJoinRequest", "declineChatJoinRequest", "createChatInviteLink",
               "getChat", "getChatMember", "getChatAdministrators", "getBusinessConnection", "leaveChat")

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
        self.allowed_updates_seen: list[list[str]] = []
        self.too_many_requests = 0
        self.users: dict[int, dict] = {}
        self.chats: dict[int, dict] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.messages: dict[Any, dict[int, dict]] = {}
        self.join_requests: dict[tuple[int, int], dict] = {}
        self.invite_links: dict[str, dict] = {}
        self.callback_queries: dict[str, dict] = {}
        self.business_connections: dict[str, dict] = {}
        self.commands: dict[str, list] = {}
        self.updates: list[dict] = []
        self._biz_incoming: dict[tuple[str, int], float] = {}
        self._next_id: dict[Any, int] = {}
        self._allowed: list[str] = []
        self._fail_rules: list[dict] = []
        self._inject: dict | None = None
        self._limits: dict | None = None
        self._windows: dict[tuple, deque] = {}
        self._poll_generation = 0

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
        """Answer one request, blocking the calling thread during a long poll."""
        pending = self.begin(path, content_type, body, query)
        if isinstance(pending, Reply):
            return pending
        with self._cond:
            while (remaining := self._wait_time(pending)) and not (stop and stop.is_set()):
                self._cond.wait(remaining)
        return self.finish(pending)

    async def handle_async(self, path: str, content_type: str, body: bytes, query: str = "") -> Reply:
        """Answer one request, awaiting (not blocking) during a long poll."""
        pending = self.begin(path, content_type, body, query)
        if isinstance(pending, Reply):
            return pending
        while True:
            with self.lock:
                if not (remaining := self._wait_time(pending)):
                    break
                waiter = (asyncio.get_running_loop(), asyncio.Event())
                self._async_waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter[1].wait(), remaining)
            except TimeoutError:
                pass
            finally:
                with self.lock:
                    self._async_waiters.remove(waiter)
        return self.finish(pending)

    def wake(self) -> None:
        """Wake every long poll so it re-checks for updates (or for a stopped server)."""
        with self.lock:
            self._cond.notify_all()
            for loop, event in self._async_waiters:
                with contextlib.suppress(RuntimeError):  # that loop is already closed
                    loop.call_soon_threadsafe(event.set)

    def serve(self, host: str = "127.0.0.1", port: int = 0):
        """Serve this fake over HTTP in a daemon thread; returns the server (base_url, close())."""
        from bot.sandbox.server import FakeServer

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

    def advance(self, seconds: float) -> None:
        """Move the fake's clock (message dates, join-request and business windows) forward."""
        with self.lock:
            self.now += seconds

    # -- faults and limits --------------------------------------------------------------------

    def fail_next(self, method: str, *, error_code: int = 400, description: str | None = None,
                  retry_after: int | None = None, times: int = 1,
                  when: Callable[[dict], bool] | None = None, kind: str | None = None) -> None:
        """Make the next `times` calls to `method` (matching `when`) fail without running.

        kind="timeout"/"reset"/"timeout_after" drops the connection instead of answering
        ("timeout_after" runs the method first: the request took effect, the answer was lost).
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {403: "Forbidden: injected failure", 429: f"Too Many Requests: retry after {retry_after}",
                           500: "Internal Server Error"}.get(error_code, "Bad Request: injected failure")
        with self.lock:
            self._fail_rules.append({"key": method.lower(), "times": times, "when": when, "kind": kind,
                                     "error": ApiError(error_code, description, retry_after)})

    def inject_faults(self, rate: float, seed: int = 0,
                      kinds: tuple[str, ...] = ("429", "500", "502", "timeout", "reset"),
                      methods: list[str] | None = None) -> None:
        """Fail a random `rate` of calls (deterministic for a seed); rate 0 turns it off."""
        with self.lock:
            self._inject = None if not rate else {
                "rate": rate, "rng": random.Random(seed), "kinds": tuple(kinds),
                "methods": {m.lower() for m in methods} if methods else None}

    def enforce_limits(self, global_per_sec: int | None = 30, per_chat_per_sec: int = 1,
                       group_per_min: int = 20) -> None:
        """Answer 429 like Telegram when sends/edits exceed these sliding windows; None turns it off."""
        with self.lock:
            self._windows.clear()
            self._limits = None if global_per_sec is None else {
                "global": global_per_sec, "chat": per_chat_per_sec, "group": group_per_min}

    def _fault_for(self, method: str, key: str, params: dict) -> Reply | str | None:
        for rule in self._fail_rules:
            if rule["key"] == key and (rule["when"] is None or rule["when"](params)):
                rule["times"] -= 1
                if rule["times"] <= 0:
                    self._fail_rules.remove(rule)
                return self._fault_reply(method, params, rule["kind"], rule["error"])
        inject = self._inject
        if (inject and (inject["methods"] is None or key in inject["methods"])
                and inject["rng"].random() < inject["rate"]):
            return self._fault_reply(method, params, inject["rng"].choice(inject["kinds"]), None)
        return None

    def _fault_reply(self, method: str, params: dict, kind: str | None, error: ApiError | None) -> Reply | str:
        if kind == "timeout_after":
            return kind
        if kind in ("timeout", "reset"):
            self.calls.append(Call(method, params, False, None, {"fault": kind}))
            return Reply(0, None, fault=kind)
        if kind == "502":
            self.calls.append(Call(method, params, False, None, {"error_code": 502, "description": "Bad Gateway"}))
            return Reply(502, GATEWAY_PAGE)
        if kind == "429":
            error = ApiError(429, "Too Many Requests: retry after 1", 1)
        elif kind == "500":
            error = ApiError(500, "Internal Server Error")
        return self._failed(method, params, error or bad("injected failure"))

    def _rate_limit(self, method: str, key: str, params: dict) -> Reply | None:
        if not self._limits or key not in RATE_LIMITED:
            return None
        now = self.clock()
        chat = params.get("chat_id")
        windows = [(("global",), 1.0, self._limits["global"]), (("chat", str(chat)), 1.0, self._limits["chat"])]
        if isinstance(chat, str) or (isinstance(chat, int) and chat < 0):
            windows.append((("group", str(chat)), 60.0, self._limits["group"]))
        wait = 0.0
        for window_key, span, limit in windows:
            stamps = self._windows.setdefault(window_key, deque())
            while stamps and stamps[0] <= now - span:
                stamps.popleft()
            if len(stamps) >= limit:
                wait = max(wait, stamps[0] + span - now)
        if wait > 0:
            self.too_many_requests += 1
            seconds = max(1, math.ceil(wait))
            return self._failed(method, params, ApiError(429, f"Too Many Requests: retry after {seconds}", seconds))
        for window_key, _, _ in windows:
            self._windows[window_key].append(now)
        return None

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
        self._next_id["updates"] = self._next_id.get("updates", 0) + 1
        update = {"update_id": self._next_id["updates"], kind: public(payload) if "message_id" in payload
                  else copy.deepcopy(payload)}
        self.updates.append(update)
        self.wake()
        return copy.deepcopy(update)

    def _join_window_open(self, user_id: int) -> bool:
        return any(uid == user_id and req["pending"] and self.now - req["date"] <= JOIN_WINDOW
                   for (_, uid), req in self.join_requests.items())

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

    def _can_invite(self, chat: dict) -> bool:
        return chat["bot_status"] == "administrator" and chat["can_invite_users"]

    def _render(self, text: Any, parse_mode: Any) -> str:
        text = "" if text is None else str(text)
        mode = str(parse_mode or "").lower()
        if mode == "html":
            try:
                text = parse_html(text, strict_ampersand=self.strict_html)
            except HtmlError as error:
                raise bad(f"can't parse entities: {error}") from None
        elif mode and mode not in ("markdown", "markdownv2"):
            raise bad("unsupported parse_mode")
        text = text.strip()
        if not text:
            raise bad("message text is empty")
        if len(text) > 4096:
            raise bad("message is too long")
        return text

    def _markup(self, markup: Any) -> dict | None:
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                raise bad("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None  # reply keyboards are accepted but not echoed back in the Message
        for row in markup["inline_keyboard"]:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise bad("BUTTON_DATA_INVALID")
        return markup

    def _target(self, params: dict) -> tuple[Any, dict, dict, dict]:
        """(storage key, chat, sender, extra message fields) for a message the bot sends."""
        conn_id = params.get("business_connection_id")
        if conn_id is not None:
            conn = self.business_connections.get(str(conn_id))
            if conn is None or not conn["is_enabled"]:
                raise bad("BUSINESS_CONNECTION_INVALID")
            if not conn["rights"].get("can_reply"):
                raise bad("BOT_ACCESS_FORBIDDEN")
            chat_id = params.get("chat_id")
            last = self._biz_incoming.get((str(conn_id), chat_id))
            if last is None or self.now - last > BUSINESS_WINDOW or chat_id not in self.users:
                raise bad("BUSINESS_PEER_USAGE_MISSING")
            extra = {"business_connection_id": str(conn_id), "sender_business_bot": self.bot_user}
            return ("biz", str(conn_id), chat_id), self._private_chat(self.users[chat_id]), conn["user"], extra
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        if chat_id in self.chats:
            chat = self.chats[chat_id]
            if chat["bot_status"] == "left":
                raise forbidden(f"bot is not a member of the {chat['type']} chat")
            if chat["bot_status"] == "kicked":
                raise forbidden(f"bot was kicked from the {chat['type']} chat")
            if chat["type"] == "channel" and chat["bot_status"] != "administrator":
                raise bad("need administrator rights in the channel chat")
            return chat_id, self._chat_json(chat), self.bot_user, {}
        if chat_id > 0 and chat_id in self.users:
            if chat_id in self.blocked:
                raise forbidden("bot was blocked by the user")
            if chat_id in self.started or self._join_window_open(chat_id):
                return chat_id, self._private_chat(self.users[chat_id]), self.bot_user, {}
            raise forbidden("bot can't initiate conversation with a user")
        raise bad("chat not found")

    def _message_key(self, params: dict) -> Any:
        conn_id = params.get("business_connection_id")
        if conn_id is not None:
            if str(conn_id) not in self.business_connections:
                raise bad("BUSINESS_CONNECTION_INVALID")
            return ("biz", str(conn_id), params.get("chat_id"))
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        if chat_id in self.blocked:
            raise forbidden("bot was blocked by the user")
        return chat_id

    def _edit(self, params: dict, text: str | None) -> dict:
        key = self._message_key(params)
        markup = self._markup(params.get("reply_markup"))
        message = self.messages.get(key, {}).get(params.get("message_id"))
        if message is None:
            raise bad("message to edit not found")
        if not message.get("outgoing"):
            raise bad("message can't be edited")
        if text is None:
            text, html, mode = message["text"], message.get("html"), message.get("parse_mode")
        else:
            html, mode = params.get("text"), params.get("parse_mode")
        same_format = (message.get("html") if message.get("parse_mode") else None) == (html if mode else None)
        if message["text"] == text and same_format and message.get("reply_markup") == markup:
            raise bad(NOT_MODIFIED)
        message.update(text=text, html=html, parse_mode=mode, edited=True, edit_date=int(self.now))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return public(message)

    # -- methods ------------------------------------------------------------------------------

    def _api_get_me(self, params: dict) -> dict:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": True, "has_main_web_app": False}

    def _ready(self, params: dict) -> bool:
        return bool(self._deliverable(params))

    def _deliverable(self, params: dict) -> list[dict]:
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self.updates = self.updates[offset:]
        allowed = params.get("allowed_updates", self._allowed)
        if allowed:
            return [u for u in self.updates if _update_kind(u) in allowed]
        return [u for u in self.updates if _update_kind(u) not in NOT_BY_DEFAULT]

    def _api_get_updates(self, params: dict) -> list[dict]:
        if "allowed_updates" in params:
            self._allowed = list(params["allowed_updates"] or [])
            self.allowed_updates_seen.append(list(self._allowed))
        limit = params.get("limit") or 100
        return copy.deepcopy(self._deliverable(params)[:max(1, min(100, limit))])

    def _api_delete_webhook(self, params: dict) -> bool:
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    def _commands_key(self, params: dict) -> str:
        return json.dumps([params.get("scope") or {"type": "default"}, params.get("language_code") or ""])

    def _api_set_my_commands(self, params: dict) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description") or "") <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    def _api_get_my_commands(self, params: dict) -> list:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    def _api_delete_my_commands(self, params: dict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _api_send_message(self, params: dict) -> dict:
        text = self._render(params.get("text"), params.get("parse_mode"))
        markup = self._markup(params.get("reply_markup"))
        key, chat, sender, extra = self._target(params)
        message = {"from": sender, "chat": chat, **extra, "text": text, "outgoing": True,
                   "html": params.get("text"), "parse_mode": params.get("parse_mode")}
        reply_to = (params.get("reply_parameters") or {}).get("message_id")
        if reply_to is not None:
            original = self.messages.get(key, {}).get(reply_to)
            if original is None and not params["reply_parameters"].get("allow_sending_without_reply"):
                raise bad("message to be replied not found")
            if original is not None:
                message["reply_to_message"] = public(original)
        if markup:
            message["reply_markup"] = markup
        return public(self._store(key, message))

    def _api_edit_message_text(self, params: dict) -> dict:
        return self._edit(params, self._render(params.get("text"), params.get("parse_mode")))

    def _api_edit_message_reply_markup(self, params: dict) -> dict:
        return self._edit(params, None)

    def _api_delete_message(self, params: dict) -> bool:
        key = self._message_key(params)
        if self.messages.get(key, {}).pop(params.get("message_id"), None) is None:
            raise bad("message to delete not found")
        return True

    def _api_answer_callback_query(self, params: dict) -> bool:
        query = self.callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query["answered"]:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        query.update(answered=True, text=params.get("text"), show_alert=bool(params.get("show_alert")))
        return True

    def _api_send_chat_action(self, params: dict) -> bool:
        self._target(params)
        return True

    def _join_decision(self, params: dict, approve: bool) -> bool:
        chat = self._group(params)
        if not self._can_invite(chat):
            raise bad("CHAT_ADMIN_REQUIRED")
        user_id = params.get("user_id")
        if approve and user_id in chat["members"]:
            raise bad("USER_ALREADY_PARTICIPANT")
        request = self.join_requests.get((chat["id"], user_id))
        if request is None or not request["pending"]:
            raise bad("HIDE_REQUESTER_MISSING")
        request.update(pending=False, outcome="approved" if approve else "declined")
        if approve:
            chat["members"].add(user_id)
        return True

    def _api_approve_chat_join_request(self, params: dict) -> bool:
        return self._join_decision(params, approve=True)

    def _api_decline_chat_join_request(self, params: dict) -> bool:
        return self._join_decision(params, approve=False)

    def _api_create_chat_invite_link(self, params: dict) -> dict:
        chat = self._group(params)
        if not self._can_invite(chat):
            raise bad("not enough rights to manage chat invite links")
        name = params.get("name")
        if name is not None and len(str(name)) > 32:
            raise bad("invite link name is too long")
        if params.get("creates_join_request") and params.get("member_limit"):
            raise bad("member limit can't be specified for links requiring administrator approval")
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
        link = {"invite_link": "https://t.me/+" + "".join(self._rng.choice(alphabet) for _ in range(16)),
                "creator": self.bot_user, "creates_join_request": bool(params.get("creates_join_request")),
                "is_primary": False, "is_revoked": False}
        for key in ("name", "expire_date", "member_limit"):
            if params.get(key) is not None:
                link[key] = params[key]
        self.invite_links[link["invite_link"]] = {**link, "chat_id": chat["id"]}
        return copy.deepcopy(link)

    def _api_get_chat(self, params: dict) -> dict:
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
                               "gifts_from_channels"), chat_id > 0)
        full = {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}
        if chat_id in self.chats:
            return {**self._chat_json(self.chats[chat_id]), **full}
        if chat_id in self.users:
            return {**self._private_chat(self.users[chat_id]), **full}
        raise bad("chat not found")

    def _api_get_chat_member(self, params: dict) -> dict:
        chat = self._group(params)
        user_id = params.get("user_id")
        if user_id == self.bot_id:
            return self._bot_member(chat)
        if user_id not in self.users:
            raise bad("user not found")
        user = self.users[user_id]
        if chat.get("owner_id") == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        return {"status": "member" if user_id in chat["members"] else "left", "user": user}

    def _api_get_chat_administrators(self, params: dict) -> list[dict]:
        chat = self._group(params)
        admins = []
        if chat.get("owner_id") in self.users:
            admins.append({"status": "creator", "user": self.users[chat["owner_id"]], "is_anonymous": False})
        if chat["bot_status"] == "administrator":
            admins.append(self._bot_member(chat))
        return admins

    def _api_get_business_connection(self, params: dict) -> dict:
        conn = self.business_connections.get(str(params.get("business_connection_id")))
        if conn is None:
            raise bad("BUSINESS_CONNECTION_INVALID")
        return copy.deepcopy(conn)

    def _api_leave_chat(self, params: dict) -> bool:
        chat = self._group(params)
        self._set_bot_status(chat, self.bot_user, "left", chat["can_invite_users"])
        return True

    def _set_bot_status(self, chat: dict, actor: dict, status: str, can_invite_users: bool) -> dict:
        old = self._bot_member(chat)
        chat.update(bot_status=status, can_invite_users=can_invite_users)
        return self._push("my_chat_member", {"chat": self._chat_json(chat), "from": actor, "date": int(self.now),
                                             "old_chat_member": old, "new_chat_member": self._bot_member(chat)})

    # -- update builders (drive the bot) -------------------------------------------------------

    def user(self, user_id: int, first_name: str, last_name: str | None = None, username: str | None = None,
             language_code: str | None = "en", is_premium: bool | None = None) -> dict:
        """Create (or update) a Telegram user and return its User dict."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username), ("language_code", language_code),
                           ("is_premium", is_premium)):
            if value is not None:
                user[key] = value
        with self.lock:
            self.users[user_id] = user
        return copy.deepcopy(user)

    def block_bot(self, user: dict | int) -> dict:
        """The user blocks the bot; returns the private my_chat_member update Telegram sends."""
        with self.lock:
            user = self._user(user)
            self.blocked.add(user["id"])
            return self._push("my_chat_member", {
                "chat": self._private_chat(user), "from": user, "date": int(self.now),
                "old_chat_member": {"status": "member", "user": self.bot_user},
                "new_chat_member": {"status": "kicked", "user": self.bot_user, "until_date": 0}})

    def _content(self, text: str | None, caption: str | None, photo: bool, sticker: bool, voice: bool,
                 document: bool) -> dict:
        self._next_id["file"] = n = self._next_id.get("file", 0) + 1
        ids = {"file_id": f"fake-file-{n}", "file_unique_id": f"fake-unique-{n}"}
        content: dict[str, Any] = {}
        if text is not None:
            content["text"] = text
            if text.startswith("/"):
                content["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": _utf16_len(text.split(maxsplit=1)[0])}]
        if photo:
            content["photo"] = [{**ids, "width": 640, "height": 480, "file_size": 24000}]
        if sticker:
            content["sticker"] = {**ids, "width": 512, "height": 512, "is_animated": False, "is_video": False,
                                  "type": "regular", "emoji": "\N{THUMBS UP SIGN}"}
        if voice:
            content["voice"] = {**ids, "duration": 3, "mime_type": "audio/ogg"}
        if document:
            content["document"] = {**ids, "file_name": "file.pdf", "mime_type": "application/pdf"}
        if caption is not None:
            content["caption"] = caption
        if not content:
            raise ValueError("a message needs text, a caption or media")
        return content

    def private_message(self, user: dict | int, text: str | None = None, *, caption: str | None = None,
                        photo: bool = False, sticker: bool = False, voice: bool = False,
                        document: bool = False) -> dict:
        """The user writes to the bot in private; returns the "message" update."""
        with self.lock:
            user = self._user(user)
            self.started.add(user["id"])
            self.blocked.discard(user["id"])  # writing to a blocked bot means restarting it first
            message = self._store(user["id"], {"from": user, "chat": self._private_chat(user),
                                               **self._content(text, caption, photo, sticker, voice, document)})
            return self._push("message", message)

    def group_message(self, user: dict | int, chat_id: int, text: str, *, reply_to: int | None = None) -> dict:
        """The user writes in a registered group, optionally replying to a message there; returns the update."""
        with self.lock:
            user = self._user(user)
            group = self._group({"chat_id": chat_id})
            payload = {"from": user, "chat": self._chat_json(group), **self._content(text, None, *[False] * 4)}
            if reply_to is not None:
                replied = self.messages.get(chat_id, {}).get(reply_to)
                if replied is None:
                    raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
                payload["reply_to_message"] = public(replied)
            return self._push("message", self._store(chat_id, payload))

    def edit_private_message(self, user: dict | int, message_id: int, text: str) -> dict:
        """The user edits one of their private messages; returns the "edited_message" update."""
        with self.lock:
            return self._push("edited_message", self._edit_incoming(self._user(user)["id"], message_id, text))

    def _edit_incoming(self, key: Any, message_id: int, text: str) -> dict:
        message = self.messages.get(key, {}).get(message_id)
        if message is None or message.get("outgoing"):
            raise ValueError(f"no incoming message {message_id} in chat {key}")
        message.pop("entities", None)
        message.update({"caption": text} if "caption" in message else self._content(text, None, *[False] * 4))
        message["edit_date"] = int(self.now)
        return message

    def press_button(self, user: dict | int, chat_id: int, message_id: int, data: str, *,
                     business_connection_id: str | None = None, check_buttons: bool = True) -> dict:
        """The user presses an inline button of a bot message; returns the "callback_query" update.

        check_buttons=False sends `data` even if no button carries it (a tampered or stale client).
        """
        with self.lock:
            user = self._user(user)
            key = ("biz", business_connection_id, chat_id) if business_connection_id else chat_id
            message = self.messages.get(key, {}).get(message_id)
            buttons = [b for row in (message or {}).get("reply_markup", {}).get("inline_keyboard", []) for b in row]
            if message is None or (check_buttons and not any(b.get("callback_data") == data for b in buttons)):
                raise ValueError(f"message {message_id} in chat {chat_id} has no button with callback_data={data!r}")
            if chat_id == user["id"] and not business_connection_id:
                self.started.add(user["id"])
            query_id = str(self._rng.getrandbits(62))
            self.callback_queries[query_id] = {"answered": False, "user_id": user["id"], "data": data,
                                               "text": None, "show_alert": False}
            instance = str(zlib.crc32(repr(key).encode()) * 7919)
            return self._push("callback_query", {"id": query_id, "from": user, "message": public(message),
                                                 "chat_instance": instance, "data": data})

    def add_chat(self, chat_id: int, title: str, type: str = "supergroup", *,  # noqa: A002 - Bot API name
                 bot_status: str = "administrator", can_invite_users: bool = True, username: str | None = None,
                 owner: dict | int | None = None) -> dict:
        """Register a group/supergroup/channel the bot is in; returns its Chat dict."""
        with self.lock:
            owner_id = self._user(owner)["id"] if owner is not None else None
            self.chats[chat_id] = {"id": chat_id, "type": type, "title": title, "username": username,
                                   "bot_status": bot_status, "can_invite_users": can_invite_users,
                                   "members": set(), "owner_id": owner_id}
            return self._chat_json(self.chats[chat_id])

    def set_bot_rights(self, chat_id: int, status: str, can_invite_users: bool) -> None:
        """Change the bot's membership in a chat silently (no update)."""
        with self.lock:
            self._group({"chat_id": chat_id}).update(bot_status=status, can_invite_users=can_invite_users)

    def my_chat_member(self, chat_id: int, actor_user: dict | int, new_status: str, *,
                       can_invite_users: bool = True) -> dict:
        """Someone changes the bot's status in a chat; returns the "my_chat_member" update."""
        with self.lock:
            if chat_id not in self.chats:
                raise ValueError(f"unknown chat {chat_id}: register it with api.add_chat(...) first")
            return self._set_bot_status(self.chats[chat_id], self._user(actor_user), new_status, can_invite_users)

    def join_request(self, user: dict | int, chat_id: int, *, invite_link: dict | str | None = None,
                     bio: str | None = None) -> dict:
        """The user asks to join a chat; returns the "chat_join_request" update (opens the 5-minute DM window)."""
        with self.lock:
            user = self._user(user)
            if chat_id not in self.chats:
                raise ValueError(f"unknown chat {chat_id}: register it with api.add_chat(...) first")
            self.join_requests[(chat_id, user["id"])] = {"pending": True, "date": self.now, "outcome": None}
            payload = {"chat": self._chat_json(self.chats[chat_id]), "from": user, "user_chat_id": user["id"],
                       "date": int(self.now)}
            if bio is not None:
                payload["bio"] = bio
            if isinstance(invite_link, str):
                invite_link = self.invite_links[invite_link]
            if invite_link is not None:
                payload["invite_link"] = {k: v for k, v in invite_link.items() if k != "chat_id"}
            return self._push("chat_join_request", payload)

    def resolve_join_request(self, user: dict | int, chat_id: int, *, approve: bool) -> None:
        """Another admin (or the requester withdrawing, approve=False) settles a pending request."""
        with self.lock:
            user_id = self._user(user)["id"]
            self.join_requests[(chat_id, user_id)].update(pending=False, outcome="approved" if approve else "declined")
            if approve:
                self.chats[chat_id]["members"].add(user_id)

    def business_connection(self, connection_id: str, owner_user: dict | int, *, can_reply: bool = True,
                            is_enabled: bool = True) -> dict:
        """A Telegram Business user connects (or edits/disconnects) the bot; returns the update."""
        with self.lock:
            owner = self._user(owner_user)
            rights = {"can_read_messages": True, **({"can_reply": True} if can_reply else {})}
            conn = {"id": connection_id, "user": owner, "user_chat_id": owner["id"], "date": int(self.now),
                    "is_enabled": is_enabled, "rights": rights}
            self.business_connections[connection_id] = conn
            return self._push("business_connection", conn)

    def _business_chat(self, connection_id: str, chat_user: dict | int) -> tuple[dict, dict]:
        conn = self.business_connections.get(connection_id)
        if conn is None or not conn["is_enabled"]:
            raise ValueError(f"business connection {connection_id!r} is unknown or disabled")
        return conn, self._user(chat_user)

    def business_message(self, connection_id: str, sender: dict | int, chat_user: dict | int,
                         text: str | None = None, *, caption: str | None = None, photo: bool = False,
                         sticker: bool = False, voice: bool = False, document: bool = False) -> dict:
        """A message in the owner's private chat with chat_user; returns the "business_message" update."""
        with self.lock:
            conn, peer = self._business_chat(connection_id, chat_user)
            sender = self._user(sender)
            if sender["id"] != conn["user"]["id"]:
                self._biz_incoming[(connection_id, peer["id"])] = self.now
            message = self._store(("biz", connection_id, peer["id"]), {
                "from": sender, "chat": self._private_chat(peer), "business_connection_id": connection_id,
                **self._content(text, caption, photo, sticker, voice, document)})
            return self._push("business_message", message)

    def edited_business_message(self, connection_id: str, chat_user: dict | int, message_id: int, text: str) -> dict:
        """A message in a business chat is edited; returns the "edited_business_message" update."""
        with self.lock:
            _, peer = self._business_chat(connection_id, chat_user)
            message = self._edit_incoming(("biz", connection_id, peer["id"]), message_id, text)
            return self._push("edited_business_message", message)

    def deleted_business_messages(self, connection_id: str, chat_user: dict | int, message_ids: list[int]) -> dict:
        """Messages in a business chat are deleted; returns the "deleted_business_messages" update."""
        with self.lock:
            _, peer = self._business_chat(connection_id, chat_user)
            stored = self.messages.get(("biz", connection_id, peer["id"]), {})
            for message_id in message_ids:
                stored.pop(message_id, None)
            return self._push("deleted_business_messages", {
                "business_connection_id": connection_id, "chat": self._private_chat(peer),
                "message_ids": list(message_ids)})
