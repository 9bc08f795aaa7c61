"""Signals beyond the answers, shaped for the card and for the suggestion: pure.

Every signal may be unknown (None): a call that failed or was skipped, a value Telegram did not give. Unknown is
never counted against anyone; the card says "unknown" only where the owner would otherwise wonder."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core.account_age import age_band
from bot.core.assess import Assessment
from bot.core.assess.profile import AGE_WORDS, Profile, ProfileModel, sign_words
from bot.core.assess.second_look import reconsider

PASTE_MIN_CHARS = 150  # a long answer …
PASTE_CHARS_PER_SECOND = 15  # … that arrived faster than anyone types looks pasted
SHOWN_WORDS = 8
RAID_UNKNOWN = "profile unknown (raid)"
AGES = {band: age for age, band in AGE_WORDS.items()}  # "< 1 month" → "new"


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


def as_profile(s: Signals, now: datetime) -> Profile:
    """The signals as the assessor's profile (the account's age estimated from its id)."""
    return Profile(photo=s.has_photo, username=s.has_username, premium=s.premium,
                   age=AGES.get(age_band(s.user_id, now) or ""), name=s.name, bio=s.bio, pasted=s.pasted,
                   edited=s.edited, places_in_day=s.places_in_day, earlier=s.earlier, cas=s.cas)


def warning_signs(s: Signals, now: datetime) -> dict[str, str]:
    """The signs that count against a request: each one's feature name (what the model reads) and its plain
    words (what the owner reads), in the card's order; unknown signals are not among them."""
    return sign_words(as_profile(s, now))


def warnings(s: Signals, now: datetime) -> list[str]:
    """The signs that count against a request, in plain words."""
    return list(warning_signs(s, now).values())


def signal_words(s: Signals, now: datetime) -> list[str]:
    """The card's one line of signals, in plain words: warnings first, then what is unknown and Premium."""
    words = warnings(s, now)
    if s.premium:
        words.append("Premium")
    if s.profile == "raid":
        words.append(RAID_UNKNOWN)
    elif s.profile == "gathered" and s.has_photo is None:
        words.append("photo unknown")
    if s.cas == "failed":
        words.append("CAS check failed")
    return words[:SHOWN_WORDS]


def with_signals(a: Assessment, s: Signals, now: datetime, model: ProfileModel | None) -> Assessment:
    """The answers' suggestion reconsidered with the signals by the learned profile model: it may lower the
    suggestion, never raise it, and a request without warning signs keeps it."""
    return reconsider(a, warning_signs(s, now), model)
