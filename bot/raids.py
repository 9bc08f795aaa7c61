"""Raid mode: during a flood of requests, one batched card a minute instead of one card each."""

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.callbacks import Callback
from bot.cards import full_name
from bot.screening import shorten
from bot.services import Services
from bot.suggest import assessment_for
from db.events import insert_event
from db.raids import discard_batch, insert_batch, list_held, set_batch_message

OPEN_BUTTONS = 24
LISTED = 30


def batch_keyboard(batch_id: int, requests: list[dict], suggested_decline: int, labels: dict
                   ) -> InlineKeyboardMarkup:
    """Open buttons for the first requests (four a row) and 'Decline all suggested'."""
    opens = [InlineKeyboardButton(f"#{r['id']}", callback_data=Callback("open", r["id"]).encode())
             for r in requests[:OPEN_BUTTONS] if r["status"] in ("asking", "pending")]
    rows = [opens[i:i + 4] for i in range(0, len(opens), 4)]
    if suggested_decline:
        rows.append([InlineKeyboardButton(labels["decline_all"].format(n=suggested_decline),
                                          callback_data=Callback("declineall", batch_id).encode())])
    return InlineKeyboardMarkup(rows)


def suggested_actions(svc: Services, requests: list[dict]) -> dict[int, str]:
    """The assessor's suggested action for each request."""
    return {r["id"]: assessment_for(svc, r).action for r in requests}


def batch_values(svc: Services, requests: list[dict], actions: dict[int, str], **extra) -> dict:
    """What the batched card shows."""
    counts = {a: sum(1 for v in actions.values() if v == a) for a in ("decline", "ask", "accept")}
    return {"total": len(requests), "counts": counts, "more": max(len(requests) - LISTED, 0),
            "requests": [{"id": r["id"], "name": shorten(full_name(r), 40), "kind": r["kind"],
                          "action": actions.get(r["id"], ""), "status": r["status"]} for r in requests[:LISTED]],
            **extra}


async def send_raid_batch(svc: Services, bot: Bot) -> int:
    """Send one batched card for every held request not yet on one; return how many it shows."""
    held = list_held(svc.db)
    if not held:
        return 0
    actions = suggested_actions(svc, held)
    declines = sum(1 for a in actions.values() if a == "decline")
    batch_id = insert_batch(svc.db, [r["id"] for r in held], declines, svc.now())
    text = svc.renderer.render("owner/raid_batch.html.j2", **batch_values(svc, held, actions, declined_by=None))
    try:
        message = await bot.send_message(svc.settings.card_chat_id, text,
                                         reply_markup=batch_keyboard(batch_id, held, declines, svc.labels))
    except TelegramError:
        discard_batch(svc.db, batch_id)  # its requests stay held and go on next minute's batched card
        raise
    set_batch_message(svc.db, batch_id, message.chat_id, message.message_id)
    insert_event(svc.db, "raid_batch", svc.now(), detail=f"{batch_id}: {len(held)} requests, {declines} decline")
    return len(held)
