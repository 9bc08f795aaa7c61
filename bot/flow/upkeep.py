"""Periodic upkeep, driven by rows: decisions past their undo window, unsent cards, answer deadlines, snoozes, the
daily stale reminder, expiry, the daily retention sweep."""

import logging
from datetime import datetime, timedelta

from telegram import Bot

from bot.core.card import pending_values
from bot.core.vocabulary import EXPIRY, NO_ANSWER_POLICY, Decision
from bot.flow.cards import resend_due_cards, resurface_card
from bot.flow.decisions import carry_out_due, decide
from bot.flow.deps import Deps
from bot.flow.intake import finish
from bot.flow.privacy import close_forgotten_joins, expire_words
from bot.flow.raids import send_raid_batch
from bot.telegram.keyboards import pending_keyboard
from db.events import insert_event, prune_processed_updates
from db.requests import list_expirable, list_overdue_answers, list_snoozes_due, list_stale, mark_timed_out, set_snooze
from db.stats import get_schedule_state, swap_schedule_state
from db.time import parse_stamp, stamp

log = logging.getLogger(__name__)

REMINDER_STATE = "stale_reminder"


async def run_upkeep(deps: Deps, bot: Bot) -> dict:
    """Do everything that is due now; return how many of each were handled."""
    return {
        "carried_out": await carry_out_due(deps, bot),
        "cards": await resend_due_cards(deps, bot),
        "overdue": await handle_overdue(deps, bot),
        "snoozes": await resurface_snoozed(deps, bot),
        "expired": await expire_old(deps, bot),
        "reminded": await remind_stale(deps, bot),
        "batched": await send_raid_batch(deps, bot),
        # Re-delivery happens within minutes; the newest 100,000 ids are plenty and keep the table small.
        "pruned": prune_processed_updates(deps.db),
        "erased": expire_words(deps),
        "joins_closed": await close_forgotten_joins(deps, bot),
    }


async def handle_overdue(deps: Deps, bot: Bot, now: datetime | None = None) -> int:
    """Close questionnaires whose answer deadline passed: show the card marked 'no answer', apply the policy."""
    overdue = list_overdue_answers(deps.db, now or deps.now())
    for request in overdue:
        mark_timed_out(deps.db, request["id"], deps.now())
        insert_event(deps.db, "no_answer", deps.now(), request_id=request["id"], user_id=request["user_id"])
        await finish(deps, bot, request, thank=False)
        if deps.settings.join_timeout_policy == "decline":
            await decide(deps, bot, request["id"], Decision.DECLINE, NO_ANSWER_POLICY)
    return len(overdue)


async def resurface_snoozed(deps: Deps, bot: Bot) -> int:
    """Bring back cards whose snooze ran out, as new messages at the bottom of the chat."""
    due = list_snoozes_due(deps.db, deps.now())
    for request in due:
        set_snooze(deps.db, request["id"], None)
        await resurface_card(deps, bot, request["id"])
    return len(due)


async def expire_old(deps: Deps, bot: Bot) -> int:
    """Close requests open longer than EXPIRE_AFTER_DAYS (0 = never), telling the requester when reachable."""
    days = deps.settings.expire_after_days
    if days <= 0:
        return 0
    expired = 0
    for request in list_expirable(deps.db, deps.now() - timedelta(days=days)):
        if await decide(deps, bot, request["id"], Decision.EXPIRE, EXPIRY):
            expired += 1
    return expired


async def remind_stale(deps: Deps, bot: Bot) -> int:
    """At most once a day, one compact message listing requests pending longer than REMIND_AFTER_DAYS."""
    now = deps.now()
    last = get_schedule_state(deps.db, REMINDER_STATE)
    if last is not None and now - parse_stamp(last) < timedelta(days=1):
        return 0
    rows, total = list_stale(deps.db, now - timedelta(days=deps.settings.remind_after_days))
    if not rows:
        return 0
    # Claim the day first: two sweeps racing (or a restart mid-send) never send two reminders.
    if not swap_schedule_state(deps.db, REMINDER_STATE, last, stamp(now), now):
        return 0
    ages = {r["id"]: (now - parse_stamp(r["created_at"])).total_seconds() for r in rows}
    await bot.send_message(deps.settings.card_chat_id, deps.prompts.render(
        "owner/reminder.html.j2", requests=pending_values(rows, {}, ages), total=total,
        days=deps.settings.remind_after_days), reply_markup=pending_keyboard(rows, deps.prompts.labels))
    return total
