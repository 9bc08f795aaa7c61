"""Fault injection and Telegram-like rate limits for the fake Bot API."""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable

from fakegram.errors import ApiError, Call, bad
from fakegram.transport import Reply

RATE_LIMITED = {"sendmessage", "editmessagetext", "editmessagereplymarkup", "editmessagecaption",
                "sendphoto", "senddocument", "copymessage", "forwardmessage"}
GATEWAY_PAGE = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
TRUNCATED_JSON = b'{"ok":true,"result":{"message_id":'


class FaultInjection:
    """Scripted failures, random faults and rate limits; mixed into FakeBotAPI (uses its state)."""

    def fail_next(self, method: str, *, error_code: int = 400, description: str | None = None,
                  retry_after: int | None = None, times: int = 1,
                  when: Callable[[dict], bool] | None = None, kind: str | None = None) -> None:
        """Make the next `times` calls to `method` (matching `when`) fail without running.

        kind="timeout"/"reset"/"timeout_after" drops the connection instead of answering
        ("timeout_after" runs the method first: the request took effect, the answer was lost);
        kind="truncated" answers HTTP 200 with a JSON body cut short, without running the method;
        kind="hang" never answers (the method does not run) until clear_faults() or the server closes.
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {403: "Forbidden: injected failure", 429: f"Too Many Requests: retry after {retry_after}",
                           500: "Internal Server Error"}.get(error_code, "Bad Request: injected failure")
        with self.lock:
            self._fail_rules.append({"key": method.lower(), "times": times, "when": when, "kind": kind,
                                     "error": ApiError(error_code, description, retry_after)})

    def clear_faults(self) -> None:
        """Forget scripted failures and random faults; calls left hanging are let go (their connection drops)."""
        with self.lock:
            self._fail_rules.clear()
            self._inject = None
            self._hang_generation += 1
            self.wake()

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
        if kind in ("timeout", "reset", "hang"):
            self.calls.append(Call(method, params, False, None, {"fault": kind}))
            return Reply(0, None, fault=kind)
        if kind == "truncated":
            self.calls.append(Call(method, params, False, None, {"fault": kind}))
            return Reply(200, TRUNCATED_JSON, media_type="application/json")
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
