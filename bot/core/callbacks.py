"""Typed, versioned callback data: 'v1:<action>:<request id>[:<arg>]', always ≤ 64 bytes."""

import re
from dataclasses import dataclass

VERSION = "v1"
ACTIONS = ("accept", "decline", "block", "pick", "ask", "later", "people", "open", "declineall")
DECISION_ACTIONS = ("accept", "decline", "block")
MAX_BYTES = 64
_ARG_RE = re.compile(r"^[a-z0-9_.]{1,25}$")


@dataclass(frozen=True)
class Callback:
    """A decoded button press."""

    action: str
    request_id: int
    arg: str | None = None

    def encode(self) -> str:
        """Return the callback_data string for this press."""
        if self.action not in ACTIONS:
            raise ValueError(f"unknown callback action {self.action!r}")
        if self.arg is not None and not _ARG_RE.match(self.arg):
            raise ValueError(f"callback arg {self.arg!r} must be 1-25 of a-z 0-9 _ .")
        data = f"{VERSION}:{self.action}:{self.request_id}" + (f":{self.arg}" if self.arg else "")
        if len(data.encode()) > MAX_BYTES:
            raise ValueError("callback data longer than 64 bytes")
        return data


def decode(data: str | None) -> Callback | None:
    """Parse callback data; None for anything malformed, foreign or from another version."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[0] != VERSION or parts[1] not in ACTIONS:
        return None
    if not parts[2].isdigit():
        return None
    arg = parts[3] if len(parts) == 4 else None
    if arg is not None and not _ARG_RE.match(arg):
        return None
    return Callback(parts[1], int(parts[2]), arg)


def pattern(*actions: str) -> str:
    """A CallbackQueryHandler pattern matching these actions of the current version."""
    return rf"^{VERSION}:({'|'.join(actions)}):\d+(:[a-z0-9_.]+)?$"
