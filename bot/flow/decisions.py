"""Decisions: claim in SQLite first (compare-and-set), carry out per door, remember the person, redraw the card."""

import logging
from collections.abc import Mapping
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.core.vocabulary import Actor, Decision, Kind, Status, standing_after
from bot.flow.cards import deliver_card
from bot.flow.deps import Deps
from bot.flow.requester import decision_template, message_requester, render_for
from db.events import insert_event
from db.people import set_standing
from db.requests import (
    claim_decision,
    done_carrying_out,
    get_request,
    list_held_decisions,
    reopen_request,
    set_decision_note,
    set_status,
    undo_decision,
)

log = logging.getLogger(__name__)


async def decide(deps: Deps, bot: Bot, request_id: int, decision: Decision | str, actor: Actor, *,
                 quiet: bool = False, undoable: bool = False) -> str | None:
    """Claim and carry out a decision; return the resulting status, or None if it was already decided.
    quiet: the requester is not told and no card is drawn (auto-decline); undoable: a reviewer's press, held for
    UNDO_WINDOW (the card offers Undo) and carried out only when that closes."""
    decision = Decision(decision)
    status = decision.status
    now = deps.now()
    window = deps.settings.undo_window if undoable else timedelta(0)
    # The row says the decision is still to be carried out until it has been: a crash in between leaves it due.
    if not claim_decision(deps.db, request_id, status, actor_id=actor.user_id, actor_name=actor.name, now=now,
                          carry_out_at=now + window, ignored=decision == Decision.IGNORE, quiet=quiet):
        return None
    if window > timedelta(0):
        deps.arm_carry_out(request_id, now + window)
        await deliver_card(deps, bot, request_id)
        return status
    await _carry_out_once(deps, bot, request_id)
    return get_request(deps.db, request_id)["status"]


async def _carry_out_once(deps: Deps, bot: Bot, request_id: int) -> bool:
    """Carry out a claimed decision unless this process is already doing so; False when it was."""
    if request_id in deps.carrying_out:
        return False
    deps.carrying_out.add(request_id)
    try:
        await _conclude(deps, bot, request_id)
    finally:
        deps.carrying_out.discard(request_id)
    return True


async def _conclude(deps: Deps, bot: Bot, request_id: int) -> None:
    """Carry out a claimed decision that can no longer be undone, record and remember it, then redraw its card."""
    request = get_request(deps.db, request_id)
    if request["carry_out_at"] is None:
        return  # carried out meanwhile
    status, quiet = request["status"], bool(request["quiet"])
    await carry_out(deps, bot, request, status, silent=quiet or bool(request["ignored"]))
    # Recorded once it is done, with no await in between: a crash before this point carries it out again at
    # start (at least once on Telegram), and these rows are written exactly once. A decision that could not be
    # carried out (reopened, or withdrawn on Telegram) is not remembered as made.
    if get_request(deps.db, request_id)["status"] == status:
        insert_event(deps.db, status, deps.now(), request_id=request_id, user_id=request["user_id"],
                     actor_id=request["decided_by"])
        standing = standing_after(status)
        if standing:
            set_standing(deps.db, request["user_id"], standing, deps.now())
    done_carrying_out(deps.db, request_id)
    if not quiet or request["card_message_id"]:
        await deliver_card(deps, bot, request_id)


async def carry_out_due(deps: Deps, bot: Bot, request_id: int | None = None) -> int:
    """Carry out, once each, the decisions whose undo window has closed and that are not carried out yet (only
    `request_id`'s, if given): at their deadline, in the minute sweep, and at start after a crash."""
    done = 0
    for request in list_held_decisions(deps.db, due_by=deps.now()):
        if request_id is not None and request["id"] != request_id:
            continue
        if await _carry_out_once(deps, bot, request["id"]):
            done += 1
    return done


async def undo(deps: Deps, bot: Bot, request_id: int, actor: Actor) -> bool:
    """Put a decision still inside its undo window back to pending and redraw the full card; False when too late
    (a decision whose window has closed is then carried out at once)."""
    if not undo_decision(deps.db, request_id, deps.now()):
        await carry_out_due(deps, bot, request_id)
        return False
    request = get_request(deps.db, request_id)
    insert_event(deps.db, "undone", deps.now(), request_id=request_id, user_id=request["user_id"],
                 actor_id=actor.user_id)
    await deliver_card(deps, bot, request_id)
    return True


async def carry_out(deps: Deps, bot: Bot, request: Mapping, status: str, *, silent: bool = False) -> None:
    """Carry out a claimed decision for the request's door (silent: the requester is not told)."""
    if request["kind"] == Kind.JOIN:
        await _carry_out_join(deps, bot, request, status, silent)
    elif status != Status.BLOCKED and not request.get("taken_over_at"):
        # Once the owner writes in a business chat themselves, the bot says nothing more there.
        await _tell(deps, bot, request, status, silent)


async def _tell(deps: Deps, bot: Bot, request: Mapping, status: str, silent: bool = False) -> None:
    template = None if silent else decision_template(deps, status)
    if template and not await message_requester(deps, bot, request, render_for(deps, request, template)):
        set_decision_note(deps.db, request["id"], "the requester could not be told")


async def _carry_out_join(deps: Deps, bot: Bot, request: Mapping, status: str, silent: bool) -> None:
    chat_id, user_id = request["target_chat_id"], request["user_id"]
    if status in (Status.DECLINED, Status.EXPIRED):
        # Telegram: the requester may be messaged only until the join request is processed, so tell first.
        await _tell(deps, bot, request, status, silent)
    try:
        if status == Status.ACCEPTED:
            await bot.approve_chat_join_request(chat_id, user_id)
        else:
            await bot.decline_chat_join_request(chat_id, user_id)
    except BadRequest as exc:
        reason = str(exc).lower()
        if "user_already_participant" in reason and status == Status.ACCEPTED:
            set_decision_note(deps.db, request["id"], "they were already a member")
        elif status == Status.EXPIRED:
            log.info("request %s expired; Telegram had already closed it: %s", request["id"], exc)
            return
        elif "hide_requester_missing" in reason:
            # Another admin handled it in the app, or the requester withdrew: final, never retried.
            set_status(deps.db, request["id"], Status.WITHDRAWN, "handled elsewhere or withdrawn")
            insert_event(deps.db, "withdrawn", deps.now(), request_id=request["id"], user_id=user_id)
            return
        else:
            _reopen(deps, request, f"could not {'approve' if status == Status.ACCEPTED else 'decline'}: {exc}")
            return
    except TelegramError as exc:
        if status == Status.EXPIRED:
            log.info("request %s expired; could not decline it on Telegram: %s", request["id"], exc)
            return
        _reopen(deps, request, f"Telegram error, try again: {exc}")
        return
    if status == Status.ACCEPTED:
        await _tell(deps, bot, get_request(deps.db, request["id"]), status, silent)


def _reopen(deps: Deps, request: Mapping, note: str) -> None:
    """The decision could not be carried out: put the request back to pending with the reason on the card."""
    log.warning("request %s: %s", request["id"], note)
    reopen_request(deps.db, request["id"], note)
    insert_event(deps.db, "decision_failed", deps.now(), request_id=request["id"], user_id=request["user_id"],
                 detail=note[:200])
