"""The sandbox page over HTTP: static files, GET /sandbox/state and POST /sandbox/<action>."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs

from bot.sandbox.world import ActionError, World

STATIC = files("bot.sandbox") / "static"
STATIC_NAME = re.compile(r"[a-z0-9_-]+\.(html|js|css|svg)")
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8",
                 "css": "text/css; charset=utf-8", "svg": "image/svg+xml", "json": "application/json"}
# Even if some bot text slipped past the page's own sanitising, the browser would run no inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


@dataclass
class WebReply:
    """One HTTP answer of the page server."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: dict(SECURITY_HEADERS))


def _json(status: int, value: dict) -> WebReply:
    return WebReply(status, CONTENT_TYPES["json"], json.dumps(value, ensure_ascii=False).encode())


class SandboxWeb:
    """Routes for the page; the fake's HTTP server hands it every request that is not a Bot API call."""

    def __init__(self, world: World) -> None:
        self.world = world

    def respond(self, method: str, path: str, query: str, headers: Any, body: bytes) -> WebReply:
        """Answer one request to the page server (headers: anything with a case-insensitive .get)."""
        host = (headers.get("Host") or "").rsplit(":", 1)[0].lower()
        if host not in LOCAL_HOSTS:
            # A page on another site that resolves its name to 127.0.0.1 (DNS rebinding) gets nothing.
            return _json(403, {"ok": False, "error": "the sandbox only answers on 127.0.0.1 / localhost"})
        if method == "GET" and path in ("/", "/index.html"):
            return self._static("index.html")
        if method == "GET" and path == "/favicon.ico":  # what a browser asks for when a page names no icon
            return self._static("favicon.svg")
        if method == "GET" and path.startswith("/static/"):
            return self._static(path.removeprefix("/static/"))
        if method == "GET" and path == "/sandbox/state":
            return self._state(query)
        if method == "POST" and path.startswith("/sandbox/"):
            return self._action(path.removeprefix("/sandbox/"), headers, body)
        return _json(404, {"ok": False, "error": "not found"})

    def _static(self, name: str) -> WebReply:
        match = STATIC_NAME.fullmatch(name)
        resource = STATIC / name
        if not match or not resource.is_file():
            return _json(404, {"ok": False, "error": "not found"})
        return WebReply(200, CONTENT_TYPES[match.group(1)], resource.read_bytes())

    def _state(self, query: str) -> WebReply:
        params = parse_qs(query)
        since = _number(params.get("since", [""])[0], -1)
        if since == self.world.version:
            return _json(200, {"version": since, "unchanged": True})
        return _json(200, self.world.state(_number(params.get("stranger", [""])[0], None)))

    def _action(self, name: str, headers: Any, body: bytes) -> WebReply:
        # Only JSON bodies: a cross-site form cannot send them without a CORS preflight, which is never allowed.
        if (headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            return _json(415, {"ok": False, "error": "send JSON"})
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return _json(400, {"ok": False, "error": "malformed JSON"})
        if not isinstance(payload, dict):
            return _json(400, {"ok": False, "error": "send a JSON object"})
        try:
            return _json(200, self.world.act(name, payload))
        except ActionError as error:
            return _json(400, {"ok": False, "error": str(error)})


def _number(raw: str, default: int | None) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return default
