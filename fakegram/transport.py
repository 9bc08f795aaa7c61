"""The fake Bot API's wire: request decoding, replies, and an in-process httpx transport."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

import httpx

TEXT_KEYS = {"text", "caption", "name", "description", "short_description", "title", "bio", "query",
             "custom_title", "url", "emoji", "parse_mode", "action", "language_code"}
STRING_ID_KEYS = {"business_connection_id", "callback_query_id", "inline_message_id", "custom_emoji_id",
                  "file_id", "message_effect_id"}
INT_KEYS = {"offset", "limit", "timeout", "expire_date", "member_limit", "cache_time", "until_date"}


@dataclass
class Reply:
    """What goes back over the wire; fault means 'drop the connection' instead."""

    status: int
    body: dict | bytes | None = None
    fault: str | None = None
    media_type: str | None = None  # for a bytes body that is not the gateway's HTML page

    @property
    def content(self) -> bytes:
        """The response body as bytes."""
        if isinstance(self.body, bytes):
            return self.body
        try:
            return json.dumps(self.body, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            # A lone surrogate (a test gave a user one, as a raw update may) has no UTF-8 form; JSON's \u escape does.
            return json.dumps(self.body).encode()

    @property
    def content_type(self) -> str:
        """JSON for API answers, HTML for the gateway error page, unless media_type says otherwise."""
        if self.media_type:
            return self.media_type
        return "text/html" if isinstance(self.body, bytes) else "application/json"


def decode_value(key: str, value: Any) -> Any:
    """Turn one form value back into the JSON value PTB encoded."""
    if not isinstance(value, str):
        return value
    if key not in STRING_ID_KEYS and (key in INT_KEYS or key.endswith("_id")):
        if re.fullmatch(r"-?\d+", value):
            return int(value)
        if key == "timeout" and re.fullmatch(r"\d+\.\d*", value):
            return float(value)
    if key not in TEXT_KEYS and (value[:1] in ("{", "[") or value in ("true", "false")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def decode_params(content_type: str, body: bytes, query: str = "") -> dict:
    """Decode a urlencoded, multipart or JSON request body (plus query string) into params."""
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body:
        raw.update(json.loads(body))
    elif kind == "multipart/form-data":
        head = b"Content-Type: " + content_type.encode() + b"\r\n\r\n"
        for part in BytesParser(policy=HTTP).parsebytes(head + body).iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            raw[name] = ({"filename": filename, "size": len(payload), "content": payload} if filename
                         else payload.decode())
    elif body:
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    return {key: decode_value(key, value) for key, value in raw.items()}


class FakeTransport(httpx.AsyncBaseTransport):
    """httpx transport answering from a FakeBotAPI without sockets."""

    def __init__(self, api: Any) -> None:
        self.api = api

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request; long polls wait on the event loop."""
        body = await request.aread()
        reply = await self.api.handle_async(
            request.url.path, request.headers.get("content-type", ""), body, request.url.query.decode())
        return _to_response(request, reply)

    async def aclose(self) -> None:
        """Nothing to release: PTB closes each client, and the transport outlives them."""


def _to_response(request: httpx.Request, reply: Any) -> httpx.Response:
    if reply.fault in ("timeout", "timeout_after"):
        raise httpx.ReadTimeout("fake Bot API: read timed out", request=request)
    if reply.fault in ("reset", "hang"):
        raise httpx.RemoteProtocolError("fake Bot API: server disconnected without sending a response",
                                        request=request)
    return httpx.Response(reply.status, content=reply.content,
                          headers={"content-type": reply.content_type}, request=request)
