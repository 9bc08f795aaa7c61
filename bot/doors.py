"""What a decision does, per door: direct and business requests are told; join requests are approved/declined."""

import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.services import Services
from bot.talk import message_requester, render_for, tell_template
from db.events import insert_event
from db.requests import get_request, reopen_request, set_decision_note, set_status

log = logging.getLogger(__name__)


async def _tell(svc: Services, bot: Bot, request: dict, status: str, silent: bool = False) -> None:
    template = None if silent else tell_template(status, svc)
    if template and not await message_requester(svc, bot, request, render_for(svc, request, template)):
        set_decision_note(svc.db, request["id"], "the requester could not be told")


async def carry_out(svc: Services, bot: Bot, request: dict, status: str, *, silent: bool = False) -> None:
    """Carry out a claimed decision for the request's door (silent: the requester is not told)."""
    if request["kind"] == "join":
        await _carry_out_join(svc, bot, request, status, silent)
    elif status != "blocked" and not request.get("taken_over_at"):
        # Once the owner writes in a business chat themselves, the bot says nothing more there.
        await _tell(svc, bot, request, status, silent)


async def _carry_out_join(svc: Services, bot: Bot, request: dict, status: str, silent: bool) -> None:
    chat_id, user_id = request["target_chat_id"], request["user_id"]
    if status in ("declined", "expired"):
        # Telegram: the requester may be messaged only until the join request is processed, so tell first.
        await _tell(svc, bot, request, status, silent)
    try:
        if status == "accepted":
            await bot.approve_chat_join_request(chat_id, user_id)
        else:
            await bot.decline_chat_join_request(chat_id, user_id)
    except BadRequest as exc:
        reason = str(exc).lower()
        if "user_already_participant" in reason and status == "accepted":
            set_decision_note(svc.db, request["id"], "they were already a member")
        elif status == "expired":
            log.info("request %s expired; Telegram had already closed it: %s", request["id"], exc)
            return
        elif "hide_requester_missing" in reason:
            # Another admin handled it in the app, or the requester withdrew: final, never retried.
            set_status(svc.db, request["id"], "withdrawn", "handled elsewhere or withdrawn")
            insert_event(svc.db, "withdrawn", svc.now(), request_id=request["id"], user_id=user_id)
            return
        else:
            _reopen(svc, request, f"could not {'approve' if status == 'accepted' else 'decline'}: {exc}")
            return
    except TelegramError as exc:
        if status == "expired":
            log.info("request %s expired; could not decline it on Telegram: %s", request["id"], exc)
            return
        _reopen(svc, request, f"Telegram error, try again: {exc}")
        return
    if status == "accepted":
        await _tell(svc, bot, get_request(svc.db, request["id"]), status, silent)


def _reopen(svc: Services, request: dict, note: str) -> None:
    """The decision could not be carried out: put the request back to pending with the reason on the card."""
    log.warning("request %s: %s", request["id"], note)
    reopen_request(svc.db, request["id"], note)
    insert_event(svc.db, "decision_failed", svc.now(), request_id=request["id"], user_id=request["user_id"],
                 detail=note[:200])
