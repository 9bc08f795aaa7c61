"""Typed, versioned callback data: 'v1:<action>:<request id>[:<arg>]', always ≤ 64 bytes."""

import re
from dataclasses import dataclass

VERSION = "v1"
ACTIONS = ("accept", "decline", "block", "pick", "ask", "later", "people", "open", "declineall", "unsnooze", "forget",
           "ignore", "undo")
DECISION_ACTIONS = ("accept", "decline", "block", "ignore")
MAX_BYTES = 64
MAX_ID = 2**63 - 1  # SQLite's INTEGER is a signed 64-bit number
# ASCII digits only: str.isdigit() and \d also accept '１', '٣' or '¹', which are not ids we ever encode.
_ID_RE = re.compile(r"[0-9]{1,19}")
_ARG_RE = re.compile(r"[a-z0-9_.]{1,25}")


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
        if not 0 <= self.request_id <= MAX_ID:
            raise ValueError(f"callback id {self.request_id} does not fit a signed 64-bit integer")
        if self.arg is not None and not _ARG_RE.fullmatch(self.arg):
            raise ValueError(f"callback arg {self.arg!r} must be 1-25 of a-z 0-9 _ .")
        data = f"{VERSION}:{self.action}:{self.request_id}" + (f":{self.arg}" if self.arg else "")
        if len(data.encode()) > MAX_BYTES:
            raise ValueError("callback data longer than 64 bytes")
        return data


def decode(data: object) -> Callback | None:
    """Parse callback data; None for anything malformed, foreign, from another version, or with an id that is not
    ASCII digits fitting a signed 64-bit integer."""
    if not isinstance(data, str) or not data.isascii() or not 0 < len(data) <= MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[0] != VERSION or parts[1] not in ACTIONS:
        return None
    if not _ID_RE.fullmatch(parts[2]) or int(parts[2]) > MAX_ID:
        return None
    arg = parts[3] if len(parts) == 4 else None
    if arg is not None and not _ARG_RE.fullmatch(arg):
        return None
    return Callback(parts[1], int(parts[2]), arg)


@dataclass(frozen=True)
class Pattern:
    """A CallbackQueryHandler pattern: matches exactly the data that decode() accepts for one of `actions`."""

    actions: tuple[str, ...]

    def __call__(self, data: object) -> bool:
        """True when `data` decodes to a press of one of these actions."""
        callback = decode(data)
        return callback is not None and callback.action in self.actions


def pattern(*actions: str) -> Pattern:
    """The handler pattern for these actions of the current version, derived from decode()."""
    unknown = set(actions) - set(ACTIONS)
    if unknown:
        raise ValueError(f"unknown callback actions {sorted(unknown)}")
    return Pattern(tuple(actions))
