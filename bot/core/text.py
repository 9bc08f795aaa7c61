"""Small pure formatting: names, shortened text, durations and local times as the owner reads them."""

import html
import re
from collections.abc import Mapping
from datetime import datetime, tzinfo

PAYLOAD_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# What users name themselves or their chats, bounded where shown. Telegram's own limits, except the bio (a premium
# bio is 140; the card has always shown up to 300): a raw update may carry more, and every message must fit 4096.
NAME_CHARS = 64  # a first or a last name
FULL_NAME_CHARS = 2 * NAME_CHARS + 1
USERNAME_CHARS = 32
TITLE_CHARS = 128  # a group's or channel's title
LABEL_CHARS = 64  # a source: a deep-link payload or an invite link's name
LANGUAGE_CHARS = 16
BIO_CHARS = 300
LIST_NAME_CHARS = 40  # a name in a list of many (/people, /pending, batched cards, the weekly summary)


def shorten(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def bounded(text: str | None, limit: int) -> str | None:
    """`shorten` for a field that may be missing: None and '' stay as they are."""
    return shorten(text, limit) if text else text


def full_name(person: Mapping) -> str:
    """First and last name (each at most NAME_CHARS), or the username, or the id."""
    name = " ".join(shorten(p, NAME_CHARS) for p in (person.get("first_name"), person.get("last_name")) if p)
    return name or bounded(person.get("username"), USERNAME_CHARS) or str(person.get("user_id"))


def first_name(person: Mapping) -> str:
    """What a requester is called when greeted: their first name (at most NAME_CHARS), or 'there'."""
    return shorten(person.get("first_name") or "there", NAME_CHARS)


def clean_payload(payload: str | None) -> str | None:
    """Return a deep-link payload if it is a valid one (≤ 64 of A-Za-z0-9_-), else None: it is untrusted."""
    if payload and PAYLOAD_RE.match(payload):
        return payload
    return None


def human_duration(seconds: float | None) -> str:
    """A readable duration: '45 s', '12 min', '3 h', '3 h 20 min', '2 d 4 h'; '—' when unknown."""
    if seconds is None:
        return "—"
    s = int(round(seconds))
    if s < 60:
        return f"{max(s, 0)} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        head, tail = f"{s // 3600} h", f"{s % 3600 // 60} min"
    else:
        head, tail = f"{s // 86400} d", f"{s % 86400 // 3600} h"
    return head if tail.startswith("0 ") else f"{head} {tail}"


def short_duration(seconds: float | None) -> str:
    """A table-width duration: '45s', '12m', '3h', '2d'; '-' when unknown."""
    if seconds is None:
        return "-"
    s = int(round(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit}"
    return f"{max(s, 0)}s"


def between(start: datetime | None, end: datetime | None) -> str:
    """human_duration from `start` to `end`; '' when either is missing."""
    if start is None or end is None:
        return ""
    return human_duration((end - start).total_seconds())


def local_time(moment: datetime | None, tz: tzinfo) -> str:
    """A moment as the owner's wall clock shows it: '2026-11-23 10:00'; '' when missing."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def short_date(moment: datetime | None, tz: tzinfo) -> str:
    """A day as the owner's calendar shows it, without padding: 'Thu 3 Dec'; '' when missing."""
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}"


MESSAGE_LIMIT = 4096
_TAG_RE = re.compile(r"<[^>]+>")
_HTML_TOKEN_RE = re.compile(r"<[^>]*>|&#?\w+;|[^<&]+|[<&]")
_TAG_NAME_RE = re.compile(r"</?([A-Za-z][\w-]*)[^>]*>")


def visible_length(html_text: str) -> int:
    """Length Telegram counts for an HTML message: tags removed, entities decoded, in UTF-16 units."""
    return _utf16_units(html.unescape(_TAG_RE.sub("", html_text)))


def fits(html_text: str) -> bool:
    """True when the message is within Telegram's 4096-character limit."""
    return 0 < visible_length(html_text) <= MESSAGE_LIMIT


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_utf16(text: str, units: int) -> str:
    """The longest start of `text` that is at most `units` UTF-16 units long."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            return text[:i]
    return text


def shorten_html(html_text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Cut an HTML message to at most `limit` visible characters, ending with an ellipsis; tags still open at the
    cut are closed and no entity is split, so Telegram can still parse it."""
    if visible_length(html_text) <= limit:
        return html_text
    budget, kept, open_tags = limit - 1, [], []
    for token in _HTML_TOKEN_RE.findall(html_text):
        if tag := _TAG_NAME_RE.match(token):
            if not token.startswith("</"):
                open_tags.append(tag.group(1).lower())
            elif open_tags:
                open_tags.pop()
            kept.append(token)
            continue
        size = _utf16_units(html.unescape(token))
        if size > budget:
            if token[0] != "&":  # an entity is never split
                kept.append(_cut_utf16(token, budget))
            break
        kept.append(token)
        budget -= size
    return "".join(kept).rstrip() + "…" + "".join(f"</{name}>" for name in reversed(open_tags))
