"""Signals beyond the answers: the CAS lookup (before the first question), the profile call (after it), and
everything the card and the suggestion read about a request besides its answers."""

import logging
from collections.abc import Mapping
from datetime import timedelta

from telegram.error import TelegramError

from bot.core.signals import Signals, pasted_answers
from bot.core.text import full_name
from bot.core.untrusted import valid_text
from bot.core.vocabulary import Kind
from bot.flow import rush
from bot.flow.deps import Deps
from bot.telegram.bot import DoormanBot
from bot.telegram.retry import at_most_once
from bot.telegram.stopping import CutShort
from db.answers import list_answers
from db.people import get_person
from db.requests import list_earlier_requests
from db.signals import count_places_in_day, get_cached_cas, get_signals, set_cached_cas, set_cas, set_profile
from db.time import parse_stamp

log = logging.getLogger(__name__)
CAS_KINDS = (Kind.JOIN, Kind.DIRECT)
CAS_CACHE = timedelta(days=1)  # how long a CAS answer is reused for the same person
PROFILE_TIMEOUT = 5.0  # seconds per profile call: after that the signal is unknown


async def check_cas(deps: Deps, request: Mapping) -> str | None:
    """With CAS_CHECK, the request's CAS verdict (listed, clear or failed), from a day-old answer if there is one;
    None when CAS is not asked."""
    if deps.cas is None or request["kind"] not in CAS_KINDS:
        return None
    now = deps.now()
    listed = get_cached_cas(deps.db, request["user_id"], now - CAS_CACHE)
    if listed is None:
        deps.db.commit()  # nothing stays locked while CAS answers
        listed = await deps.cas.listed(request["user_id"])
        if listed is not None:
            set_cached_cas(deps.db, request["user_id"], listed, now)
    verdict = "failed" if listed is None else "listed" if listed else "clear"
    set_cas(deps.db, request["id"], verdict)
    return verdict


async def gather_profile(deps: Deps, bot: DoormanBot, request: Mapping) -> None:
    """Ask Telegram once whether the requester has a profile photo and what their bio says (one getChat, never
    retried); during a raid the call is skipped and the card says the profile is unknown."""
    # belongs_to_raid, not raid_active: a raid's requesters are asked for minutes after its arrivals stop.
    if rush.belongs_to_raid(deps, request):
        set_profile(deps.db, request["id"], profile="raid", has_photo=None, bio=None, now=deps.now())
        return
    user_id = request["user_id"]
    has_photo = bio = None
    with at_most_once():
        try:
            # Telegram: a private chat's ChatFullInfo carries the user's current profile photo, absent when they
            # have none or hide it from the bot (as getUserProfilePhotos would answer 0), so one call gives both.
            profile = await bot.get_profile(user_id, read_timeout=PROFILE_TIMEOUT)
            has_photo, bio = profile.has_photo, valid_text(profile.bio)
        except CutShort:
            raise
        except TelegramError as exc:  # unknown, never suspicious
            log.info("no profile for %s: %s", user_id, exc)
    set_profile(deps.db, request["id"], profile="gathered", has_photo=has_photo, bio=bio or None, now=deps.now())


def signals_for(deps: Deps, request: Mapping) -> Signals:
    """Everything known about a request besides its answers."""
    person = get_person(deps.db, request["user_id"]) or {"user_id": request["user_id"]}
    row = get_signals(deps.db, request["id"]) or {}
    answers = list_answers(deps.db, request["id"]).values()
    created = parse_stamp(request["created_at"])
    premium = person.get("is_premium")
    return Signals(
        user_id=request["user_id"],
        has_username=bool(person.get("username")) if person.get("first_name") is not None else None,
        has_photo=None if row.get("has_photo") is None else bool(row["has_photo"]),
        premium=None if premium is None else bool(premium),
        name=full_name(person),
        bio=request.get("bio") or row.get("bio"),
        profile=row.get("profile"),
        pasted=pasted_answers(created, answers),
        edited=sum(1 for a in answers if a.get("edited")),
        places_in_day=count_places_in_day(deps.db, request["user_id"], created),
        earlier=tuple(r["status"] for r in list_earlier_requests(deps.db, request["user_id"], request["id"])),
        cas=row.get("cas"),
    )
