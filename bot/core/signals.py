"""Signals beyond the answers, shaped for the card and for the suggestion: pure.

Every signal may be unknown (None): a call that failed or was skipped, a value Telegram did not give. Unknown is
never counted against anyone; the card says "unknown" only where the owner would otherwise wonder."""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.account_age import age_band
from bot.core.assess import Assessment, Evidence

LINK_RE = re.compile(r"(?i)\b(?:https?://|www\.|t\.me/|telegram\.me/)\S+|\b[\w-]+\.(?:com|net|org|io|me|ru|xyz|top|"
                     r"shop|site|online|info|biz|app|link|club)\b")
MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z]\w{3,31}")
MANY_EMOJI = 3
PASTE_MIN_CHARS = 150  # a long answer …
PASTE_CHARS_PER_SECOND = 15  # … that arrived faster than anyone types looks pasted
SHOWN_WORDS = 8
RISKY_TO_ACCEPT = 3  # this many warning signs turn an "accept" into "ask" (never into "decline")
EARLIER = {"declined": "declined before", "blocked": "blocked before", "expired": "expired before"}


@dataclass(frozen=True)
class Signals:
    """What the request and its profile showed besides the answers; None: unknown."""

    user_id: int
    has_username: bool | None = None
    has_photo: bool | None = None
    premium: bool | None = None
    name: str = ""
    bio: str | None = None  # the join request's or getChat's bio, when known
    profile: str | None = None  # gathered | raid (the calls were skipped) | None (not asked)
    pasted: int = 0  # long answers that arrived faster than typing
    edited: int = 0  # answers the requester edited
    places_in_day: int = 0  # different chats (or the bot's door) asked within a day, this one included
    earlier: tuple[str, ...] = ()  # statuses of the person's earlier requests
    cas: str | None = None  # listed | clear | failed | None (not checked)


def _emoji_count(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch) == "So")


def text_marks(text: str | None) -> list[str]:
    """What stands out in a name or bio: 'link', '@mention', 'many emoji'."""
    if not text:
        return []
    marks = []
    if LINK_RE.search(text):
        marks.append("link")
    if MENTION_RE.search(text):
        marks.append("@mention")
    if _emoji_count(text) >= MANY_EMOJI:
        marks.append("many emoji")
    return marks


def pasted_answers(opened_at: datetime, answers: Iterable[Mapping]) -> int:
    """How many typed answers were long and arrived faster than typing since the question before them (the
    previous answer, or the request's start); taps and edited answers set the pace but are not judged."""
    count, asked = 0, opened_at
    for answer in sorted(answers, key=lambda a: a["created_at"] or ""):
        if not answer.get("created_at"):
            continue
        at = datetime.fromisoformat(answer["created_at"])
        text = answer.get("text") or ""
        seconds = max((at - asked).total_seconds(), 0.0)
        if not answer.get("choice") and not answer.get("edited") and len(text) >= PASTE_MIN_CHARS \
                and seconds * PASTE_CHARS_PER_SECOND < len(text):
            count += 1
        asked = at
    return count


def warnings(s: Signals, now: datetime) -> list[str]:
    """The signs that count against a request, in plain words (unknown signals are not among them)."""
    words = []
    if s.cas == "listed":
        words.append("listed in CAS")
    if s.has_photo is False:
        words.append("no photo")
    if s.has_username is False:
        words.append("no username")
    band = age_band(s.user_id, now)
    if band:
        words.append(f"account probably {band}")
    for mark in text_marks(s.name):
        words.append(f"{mark} in name")
    for mark in text_marks(s.bio):
        words.append(f"{mark} in bio")
    if s.pasted:
        words.append("long answer in seconds (pasted?)" if s.pasted == 1 else f"{s.pasted} answers pasted?")
    if s.edited:
        words.append("edited an answer" if s.edited == 1 else f"edited {s.edited} answers")
    if s.places_in_day >= 2:
        words.append(f"asked {s.places_in_day} places in a day")
    words.extend(EARLIER[status] for status in dict.fromkeys(s.earlier) if status in EARLIER)
    return words


def signal_words(s: Signals, now: datetime) -> list[str]:
    """The card's one line of signals, in plain words: warnings first, then what is unknown and Premium."""
    words = warnings(s, now)
    if s.premium:
        words.append("Premium")
    if s.profile == "raid":
        words.append("profile unknown (raid)")
    elif s.profile == "gathered" and s.has_photo is None:
        words.append("photo unknown")
    if s.cas == "failed":
        words.append("CAS check failed")
    return words[:SHOWN_WORDS]


def with_signals(a: Assessment, s: Signals, now: datetime) -> Assessment:
    """The text model's suggestion adjusted by the signals: listed in CAS suggests decline; three or more
    warning signs turn an "accept" into "ask". Nothing else changes, and unknown signals change nothing."""
    signs = warnings(s, now)
    # The card shows every signal on its own line: evidence is added only where it changed the suggestion.
    evidence = (Evidence("signals", ", ".join(signs[:4])), *a.evidence)
    if s.cas == "listed" and a.action != "decline":
        return replace(a, action="decline", reason="listed in the Combot Anti-Spam list", evidence=evidence)
    if a.action == "accept" and len(signs) >= RISKY_TO_ACCEPT:
        return replace(a, action="ask", reason=f"{len(signs)} warning signs beside the answers",
                       evidence=evidence)
    return a
