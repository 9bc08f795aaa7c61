"""Follow-up questions after the questionnaire: the owner's Ask more, relayed to the requester and answered."""

from telegram import Bot

from bot import pipeline
from bot.services import Services
from bot.talk import message_requester, render_for
from db.events import insert_event
from db.followups import answer_followup, get_open_followup, insert_followup
from db.requests import get_request


async def relay_owner_question(svc: Services, bot: Bot, request_id: int, question: str, asked_by: int) -> bool:
    """Send a reviewer's question to the requester and show it on the card; False if it could not be sent."""
    request = get_request(svc.db, request_id)
    if request is None or request["status"] not in ("asking", "pending"):
        return False
    text = render_for(svc, request, "requester/owner_question.html.j2", question=question)
    if not await message_requester(svc, bot, request, text):
        await pipeline.refresh_card(svc, bot, request_id)
        return False
    insert_followup(svc.db, request_id, "owner", question, asked_by=asked_by, now=svc.now())
    insert_event(svc.db, "asked_more", svc.now(), request_id=request_id, user_id=request["user_id"],
                 actor_id=asked_by)
    await pipeline.refresh_card(svc, bot, request_id)
    return True


async def receive_followup_answer(svc: Services, bot: Bot, request: dict, text: str) -> bool:
    """Store a requester's reply to an open follow-up and redraw the card; False if none was open."""
    followup = get_open_followup(svc.db, request["id"])
    if followup is None or not answer_followup(svc.db, followup["id"], text, svc.now()):
        return False
    insert_event(svc.db, "followup_answered", svc.now(), request_id=request["id"], user_id=request["user_id"])
    if followup["origin"] == "owner":
        await message_requester(svc, bot, request, render_for(svc, request, "requester/followup_received.html.j2"))
        await pipeline.refresh_card(svc, bot, request["id"])
    return True
