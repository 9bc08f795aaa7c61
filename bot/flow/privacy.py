"""Export and erasure: /export, /forget (a reviewer erases someone, after a confirmation), /forget_me (a requester
erases themselves), and the retention sweep that erases old requests' words."""

import asyncio
import gzip
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.export import export_formats, render_export
from bot.core.text import full_name
from bot.core.vocabulary import Actor, Kind, bot_actor
from bot.flow.cards import deliver_card
from bot.flow.deps import Deps
from bot.flow.people import person_named, unknown_person_text
from bot.flow.summaries import off_the_loop
from bot.telegram.keyboards import forget_keyboard
from db.events import insert_event
from db.privacy import (
    ERASED_PERSON,
    drop_join_close,
    erase_words,
    forget_person,
    list_export,
    list_join_closes,
    list_words_to_expire,
    prune_events,
)
from db.requests import list_requests_of
from db.stats import get_schedule_state, swap_schedule_state
from db.time import parse_stamp, stamp

log = logging.getLogger(__name__)

AT_THEIR_REQUEST = bot_actor("erased at their request")
RETENTION_STATE = "retention_sweep"
# The weekly summary reads the audit log of this week and the week before (and catches up on a missed week):
# five weeks of it are all it needs; older entries are kept only as long as RETENTION_DAYS (or a year) says.
SUMMARY_EVENTS = timedelta(days=35)
FILE_LIMIT = 50_000_000  # the largest file a bot may send
AUDIT_LOG_DEFAULT = timedelta(days=365)


def export_files(deps: Deps, formats: tuple[str, ...], since: datetime | None = None) -> tuple[int, list[tuple]]:
    """How many requests, and (file name, bytes) per format: read and shaped at once (call it off the loop)."""
    rows = list_export(deps.db, since)
    day = deps.now().date().isoformat()
    return len(rows), [(f"doorman-export-{day}.{fmt}", render_export(rows, fmt).encode()) for fmt in formats]


def fit_for_telegram(name: str, content: bytes) -> tuple[str, bytes] | None:
    """A file as Telegram takes it: as it is under FILE_LIMIT, else gzipped (name.gz); None when even that is too
    big (call it off the loop: compressing tens of megabytes takes a second)."""
    if len(content) <= FILE_LIMIT:
        return name, content
    packed = gzip.compress(content, compresslevel=6)
    return (f"{name}.gz", packed) if len(packed) <= FILE_LIMIT else None


async def send_export(deps: Deps, bot: Bot, chat_id: int, args: list[str], actor_id: int) -> str | None:
    """/export [csv|jsonl]: send the export as files (read in a thread, on its own connection); the text to reply
    instead, when there is nothing to send or the arguments are wrong."""
    formats = export_formats(args)
    if formats is None:
        return deps.prompts.render("owner/export.html.j2", usage=True)
    count, files = await off_the_loop(deps, lambda reader: export_files(reader, formats))
    if not count:
        return deps.prompts.render("owner/export.html.j2", usage=False, requests=0)
    fitted = await asyncio.to_thread(lambda: [fit_for_telegram(name, content) for name, content in files])
    if None in fitted:
        return deps.prompts.render("owner/export.html.j2", usage=False, requests=count, too_large=True,
                                   megabytes=FILE_LIMIT // 1_000_000)
    for name, content in fitted:
        caption = deps.prompts.render("owner/export.html.j2", usage=False, requests=count, too_large=False,
                                      format=name.removesuffix(".gz").rsplit(".", 1)[1], packed=name.endswith(".gz"))
        await bot.send_document(chat_id, document=content, filename=name, caption=caption)
    insert_event(deps.db, "exported", deps.now(), actor_id=actor_id, detail=",".join(formats))
    return None


def forget_prompt(deps: Deps, args: list[str]) -> tuple[str, InlineKeyboardMarkup | None]:
    """/forget @user|id: the confirmation (what goes, what stays) with Erase / Cancel, or why no one is named."""
    person, handle = person_named(deps, args)
    if person is None or person["user_id"] == ERASED_PERSON:
        return unknown_person_text(deps, "forget", handle), None
    requests = len(list_requests_of(deps.db, person["user_id"]))
    text = deps.prompts.render("owner/forget.html.j2", step="confirm", name=full_name(person),
                               username=person["username"], user_id=person["user_id"], requests=requests,
                               standing=person["standing"])
    return text, forget_keyboard(person["user_id"], requests, deps.prompts.labels)


async def forget_pressed(deps: Deps, bot: Bot, user_id: int, confirmed: bool, actor: Actor) -> str:
    """Erase (or Cancel) pressed under a /forget confirmation: erase; the text the confirmation becomes."""
    if not confirmed:
        return deps.prompts.render("owner/forget.html.j2", step="cancelled")
    requests, withdrawn = await erase(deps, bot, user_id, actor)
    return deps.prompts.render("owner/forget.html.j2", step="done", user_id=user_id, requests=len(requests),
                               withdrawn=len(withdrawn))


async def forget_me(deps: Deps, bot: Bot, user_id: int, chat_id: int, business_connection_id: str | None = None
                    ) -> None:
    """/forget_me from a requester (in the bot's chat, or in the owner's own chat through Telegram Business): erase
    them, tell them so (before declining a join request, while Telegram still lets the bot write), withdraw what
    was open and redraw its card as erased."""
    requests, withdrawn = erase_rows(deps, user_id, AT_THEIR_REQUEST)
    try:
        await bot.send_message(chat_id, deps.prompts.render("requester/forgotten.html.j2", requests=len(requests),
                                                            withdrawn=len(withdrawn)),
                               business_connection_id=business_connection_id)
    except TelegramError as exc:
        log.info("could not tell %s that their data was erased: %s", user_id, exc)
    await _after_erasing(deps, bot, user_id, requests, withdrawn)


async def erase(deps: Deps, bot: Bot, user_id: int, actor: Actor) -> tuple[list[Mapping], list[int]]:
    """Erase a person (see erase_rows), then close their open join requests on Telegram and redraw their cards."""
    requests, withdrawn = erase_rows(deps, user_id, actor)
    await _after_erasing(deps, bot, user_id, requests, withdrawn)
    return requests, withdrawn


def erase_rows(deps: Deps, user_id: int, actor: Actor) -> tuple[list[Mapping], list[int]]:
    """Withdraw the person's open requests and erase everything stored about them; their requests as they were
    (for what is left to do on Telegram) and the ids withdrawn."""
    return forget_person(deps.db, user_id, deps.now(), actor.user_id, actor.name)


async def _after_erasing(deps: Deps, bot: Bot, user_id: int, requests: list[Mapping], withdrawn: list[int]) -> None:
    for request in requests:
        if request["id"] in withdrawn and request["kind"] == Kind.JOIN:
            try:
                # Telegram: an unanswered join request would hang in the chat's list; declining closes it.
                await bot.decline_chat_join_request(request["target_chat_id"], user_id)
            except TelegramError as exc:
                log.info("request %s: the join request was already closed on Telegram: %s", request["id"], exc)
        if request["card_message_id"]:
            await deliver_card(deps, bot, request["id"])


async def close_forgotten_joins(deps: Deps, bot: Bot) -> int:
    """Decline on Telegram the join requests `python -m bot forget` withdrew (it cannot answer Telegram itself), so
    they do not hang in the chat's list; how many were closed."""
    closed = 0
    for row in list_join_closes(deps.db):
        try:
            await bot.decline_chat_join_request(row["chat_id"], row["user_id"])
        except (BadRequest, Forbidden) as exc:
            # Closed there already (withdrawn, handled in the app), or the bot is no longer an admin of the chat:
            # nothing left that the bot could do.
            log.info("a forgotten join request cannot be declined on Telegram (left as it is): %s", exc)
        except TelegramError as exc:
            log.warning("could not decline a forgotten join request yet (the sweep will try again): %s", exc)
            continue
        drop_join_close(deps.db, row["chat_id"], row["user_id"])
        closed += 1
    return closed


def expire_words(deps: Deps) -> int:
    """Once a day: erase the words of requests decided more than RETENTION_DAYS ago (0: keep them) and prune the
    audit log; how many requests were erased. The rows the counts read stay (see db/privacy.py)."""
    now = deps.now()
    last = get_schedule_state(deps.db, RETENTION_STATE)
    if last is not None and now - parse_stamp(last) < timedelta(days=1):
        return 0
    # Claim the day first, as the stale reminder does: two sweeps racing never both run it.
    if not swap_schedule_state(deps.db, RETENTION_STATE, last, stamp(now), now):
        return 0
    days = deps.settings.retention_days
    erased = 0
    if days:
        while ids := list_words_to_expire(deps.db, now - timedelta(days=days)):
            erase_words(deps.db, ids, now)
            erased += len(ids)
    keep = max(timedelta(days=days) if days else AUDIT_LOG_DEFAULT, SUMMARY_EVENTS)
    pruned = prune_events(deps.db, now - keep)
    if erased or pruned:
        log.info("retention: erased the words of %s requests, pruned %s audit-log entries", erased, pruned)
    return erased
