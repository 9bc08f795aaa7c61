"""Shared pieces of the fake Bot API: the call record, Bot API errors and the public message view."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

EXTRA_KEYS = ("html", "parse_mode", "edited", "outgoing")


@dataclass
class Call:
    """One Bot API call as the fake saw it (params decoded)."""

    method: str
    params: dict
    ok: bool
    result: Any
    error: dict | None


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
