"""Raid mode: during a flood of requests, one batched card a minute instead of one card each."""

from collections.abc import Callable, Mapping

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.core.card import theirs
from bot.core.signals import RAID_UNKNOWN, signal_words
from bot.core.text import LIST_NAME_CHARS, fits, full_name
from bot.core.vocabulary import is_open
from bot.flow.assessments import assessment_for
from bot.flow.deps import Deps
from bot.flow.signals import signals_for
from bot.telegram.keyboards import batch_keyboard
from bot.telegram.outbox import WINDOW_CLOSED
from db.events import insert_event
from db.raids import (
    discard_batch,
    hold_card,
    insert_batch,
    list_batch_requests,
    list_held,
    set_batch_message,
)

LISTED = 30
BATCH_SIGNS = 3  # signals shown on a batched card's line
HELD_PAGE = 500  # requests read at once: after a raid's windows close, thousands wait for one batched card
BRIEF = ("id", "status", "unreachable")  # what a batched card needs of a request it does not list


def hold(deps: Deps, request: Mapping) -> None:
    """Keep a new card back for the next batched card."""
    hold_card(deps.db, request["id"])
    insert_event(deps.db, "card_held", deps.now(), request_id=request["id"], user_id=request["user_id"])


def suggested_actions(deps: Deps, requests: list[Mapping]) -> dict[int, str]:
    """The assessor's suggested action for each request; none for someone never asked (no answers to judge, and
    'Decline all suggested' must not decline people who never had a chance to answer)."""
    return {r["id"]: "" if r.get("unreachable") == WINDOW_CLOSED else assessment_for(deps, r).action
            for r in requests}


def batch_values(requests: list[Mapping], actions: Mapping[int, str], listed: int = LISTED,
                 signs: Mapping[int, list[str]] | None = None, **extra) -> dict:
    """What the batched card shows: counts, then the first `listed` requests (those never asked with their bio),
    each with its first few signals."""
    signs = signs or {}
    counts = {a: sum(1 for v in actions.values() if v == a) for a in ("decline", "ask", "accept")}
    return {"total": len(requests), "counts": counts, "more": max(len(requests) - listed, 0),
            "not_asked": sum(1 for r in requests if r.get("unreachable") == WINDOW_CLOSED),
            "requests": [{"id": r["id"], "name": theirs(full_name(r), LIST_NAME_CHARS), "kind": r["kind"],
                          "action": actions.get(r["id"], ""), "status": r["status"],
                          "not_asked": r.get("unreachable") == WINDOW_CLOSED,
                          "bio": theirs(r["bio"], 60) if r.get("bio") else None,
                          "signs": signs.get(r["id"], [])} for r in requests[:listed]],
            **extra}


def render_batch(deps: Deps, requests: list[Mapping], actions: Mapping[int, str], **extra) -> str:
    """The batched card's text, listing fewer requests if long names and bios would pass Telegram's limit."""
    now = deps.now()
    # "profile unknown (raid)" would be on every line: the batch's own heading says it is a rush.
    signs = {r["id"]: [w for w in signal_words(signals_for(deps, r), now) if w != RAID_UNKNOWN][:BATCH_SIGNS]
             for r in requests[:LISTED]}
    for listed in (LISTED, 20, 10, 5, 0):
        text = deps.prompts.render("owner/raid_batch.html.j2",
                                   **batch_values(requests, actions, listed, signs, **extra))
        if fits(text):
            break
    return text


def batch_markup(deps: Deps, batch_id: int, requests: list[Mapping], declines: int) -> InlineKeyboardMarkup:
    """Open buttons for the batch's open requests and, while any is suggested for decline, 'Decline all'."""
    open_ids = [r["id"] for r in requests if is_open(r["status"])]
    return batch_keyboard(batch_id, open_ids, declines, deps.prompts.labels)


def read_in_pages(deps: Deps, read: Callable[[int, int], list[dict]],
                  judge: bool = True) -> tuple[list[Mapping], dict[int, str]]:
    """Requests read a page at a time (`read(after, limit)`, oldest first), and their suggested actions when
    `judge`; only the first LISTED keep every field, so the thousands of a raid cost little memory."""
    rows: list[Mapping] = []
    actions: dict[int, str] = {}
    after = 0
    while page := read(after, HELD_PAGE):
        if judge:
            actions.update(suggested_actions(deps, page))
        rows.extend([r if len(rows) + i < LISTED else {k: r[k] for k in BRIEF} for i, r in enumerate(page)])
        after = page[-1]["id"]
    return rows, actions


def held_for_batch(deps: Deps) -> tuple[list[Mapping], dict[int, str]]:
    """The held requests not yet on a batched card, oldest first, and their suggested actions."""
    return read_in_pages(deps, lambda after, limit: list_held(deps.db, after=after, limit=limit))


def on_batch(deps: Deps, batch_id: int, judge: bool = True) -> tuple[list[Mapping], dict[int, str]]:
    """The requests on a batched card, oldest first, and (when `judge`) their suggested actions."""
    return read_in_pages(deps, lambda after, limit: list_batch_requests(deps.db, batch_id, after, limit), judge)


async def send_raid_batch(deps: Deps, bot: Bot) -> int:
    """Send one batched card for every held request not yet on one; return how many it shows."""
    held, actions = held_for_batch(deps)
    if not held:
        return 0
    declines = sum(1 for a in actions.values() if a == "decline")
    batch_id = insert_batch(deps.db, [r["id"] for r in held], declines, deps.now())
    text = render_batch(deps, held, actions, declined_by=None)
    try:
        message = await bot.send_message(deps.settings.card_chat_id, text,
                                         reply_markup=batch_markup(deps, batch_id, held, declines))
    except TelegramError:
        discard_batch(deps.db, batch_id)  # its requests stay held and go on next minute's batched card
        raise
    set_batch_message(deps.db, batch_id, message.chat_id, message.message_id)
    insert_event(deps.db, "raid_batch", deps.now(), detail=f"{batch_id}: {len(held)} requests, {declines} decline")
    return len(held)
