"""Periodic upkeep, driven by rows: unsent cards, answer deadlines, snoozes, the daily stale reminder, expiry."""

import logging
from datetime import timedelta

from telegram import Bot

from bot import pipeline
from bot.cards import duration, full_name
from bot.keyboards import pending_keyboard
from bot.raids import send_raid_batch
from bot.services import Services
from db.events import prune_processed_updates
from db.requests import list_expirable, list_snoozes_due, list_stale, set_snooze
from db.stats import get_schedule_state, swap_schedule_state

log = logging.getLogger(__name__)

REMINDER_STATE = "stale_reminder"
EXPIRY_ACTOR = {"user_id": 0, "first_name": "doorman", "last_name": "(expired)"}


async def run_upkeep(svc: Services, bot: Bot) -> dict:
    """Do everything that is due now; return how many of each were handled."""
    return {
        "cards": await pipeline.resend_due_cards(svc, bot),
        "overdue": await pipeline.handle_overdue(svc, bot),
        "snoozes": await resurface_snoozed(svc, bot),
        "expired": await expire_old(svc, bot),
        "reminded": await remind_stale(svc, bot),
        "batched": await send_raid_batch(svc, bot),
        # Re-delivery happens within minutes; the newest 100,000 ids are plenty and keep the table small.
        "pruned": prune_processed_updates(svc.db),
    }


async def resurface_snoozed(svc: Services, bot: Bot) -> int:
    """Bring back cards whose snooze ran out, as new messages at the bottom of the chat."""
    due = list_snoozes_due(svc.db, svc.now())
    for request in due:
        set_snooze(svc.db, request["id"], None)
        await pipeline.resurface_card(svc, bot, request["id"])
    return len(due)


async def expire_old(svc: Services, bot: Bot) -> int:
    """Close requests open longer than EXPIRE_AFTER_DAYS (0 = never), telling the requester when reachable."""
    days = svc.settings.expire_after_days
    if days <= 0:
        return 0
    expired = 0
    for request in list_expirable(svc.db, svc.now() - timedelta(days=days)):
        if await pipeline.decide(svc, bot, request["id"], "expire", EXPIRY_ACTOR):
            expired += 1
    return expired


async def remind_stale(svc: Services, bot: Bot) -> int:
    """At most once a day, one compact message listing requests pending longer than REMIND_AFTER_DAYS."""
    now = svc.now()
    last = get_schedule_state(svc.db, REMINDER_STATE)
    if last is not None and now - pipeline.parse_stamp(last) < timedelta(days=1):
        return 0
    rows, total = list_stale(svc.db, now - timedelta(days=svc.settings.remind_after_days))
    if not rows:
        return 0
    # Claim the day first: two sweeps racing (or a restart mid-send) never send two reminders.
    if not swap_schedule_state(svc.db, REMINDER_STATE, last, now.isoformat(timespec="seconds"), now):
        return 0
    items = [{"id": r["id"], "name": full_name(r), "kind": r["kind"], "source": r.get("source"),
              "age": duration(r["created_at"], now.isoformat(timespec="seconds"))} for r in rows]
    await bot.send_message(svc.settings.card_chat_id, svc.renderer.render(
        "owner/reminder.html.j2", requests=items, total=total, days=svc.settings.remind_after_days),
        reply_markup=pending_keyboard(rows, svc.labels))
    return total
