"""Follow-up questions after the questionnaire: one asked automatically, or the owner's Ask more relayed."""

from collections.abc import Mapping

from telegram import Bot

from bot.core.assess.followup import ABOUT_HOW
from bot.core.questionnaire import HOW_FOUND, REASON
from bot.core.text import full_name, shorten
from bot.core.untrusted import isolated, visible_chars
from bot.core.vocabulary import is_open
from bot.flow.assessments import ensure_assessed
from bot.flow.cards import refresh_card, reply_to_card
from bot.flow.deps import Deps
from bot.flow.languages import settle_language
from bot.flow.requester import message_requester, render_for
from db.events import insert_event
from db.followups import answer_followup, count_followups, get_open_followup, insert_followup
from db.people import get_person
from db.requests import get_request


async def follow_up_once(deps: Deps, bot: Bot, request: Mapping) -> bool:
    """After the last answer, ask the one follow-up whose reply could change the suggestion, for what is missing
    (never twice, never for a pitch or tracking); True if one is now waiting for its answer."""
    if get_open_followup(deps.db, request["id"]):
        return True
    if count_followups(deps.db, request["id"], "auto") or request.get("unreachable") or request.get("taken_over_at"):
        return False
    which = (await ensure_assessed(deps, request)).followup
    if which is None:
        return False
    name = f"requester/followup_{which}.html.j2"
    text = render_for(deps, request, name)
    if not await message_requester(deps, bot, request, text):
        return False
    # The card shows what was asked in English, the reviewers' language.
    shown = render_for(deps, {**request, "language": None}, name) if request.get("language") else text
    insert_followup(deps.db, request["id"], "auto", shown, asked_by=None, now=deps.now(),
                    topic=HOW_FOUND if which in ABOUT_HOW else REASON)
    insert_event(deps.db, "followup_asked", deps.now(), request_id=request["id"], user_id=request["user_id"],
                 detail=which)
    return True


def store_followup_answer(deps: Deps, request: Mapping, text: str) -> dict | None:
    """Store the reply to the request's open follow-up; the follow-up it answered, or None if none was open."""
    followup = get_open_followup(deps.db, request["id"])
    if followup is None or not answer_followup(deps.db, followup["id"], text, deps.now()):
        return None
    insert_event(deps.db, "followup_answered", deps.now(), request_id=request["id"], user_id=request["user_id"])
    return followup


async def receive_followup_answer(deps: Deps, bot: Bot, request: Mapping, text: str) -> bool:
    """A requester's reply to an open follow-up: stored, and for the owner's question acknowledged, shown on the
    card and sent to the reviewers as a reply to the card; False if no follow-up was open. A reply that shows
    nothing is asked again."""
    if not visible_chars(text) and get_open_followup(deps.db, request["id"]):
        await message_requester(deps, bot, request, render_for(deps, request, "requester/too_short.html.j2"))
        return True
    request = await settle_language(deps, request, text)
    followup = store_followup_answer(deps, request, text)
    if followup is None:
        return False
    if followup["origin"] == "owner":
        await message_requester(deps, bot, request, render_for(deps, request, "requester/followup_received.html.j2"))
        await refresh_card(deps, bot, request["id"])
        # A card edit makes no sound: the reply to it does, and it reads as the answer to the question asked.
        person = get_person(deps.db, request["user_id"]) or {"user_id": request["user_id"]}
        await reply_to_card(deps, bot, request["id"], deps.prompts.render(
            "owner/followup_reply.html.j2", id=request["id"], name=isolated(full_name(person)),
            question=shorten(followup["question"], 300), answer=isolated(shorten(text, 3000))))
    return True


async def relay_owner_question(deps: Deps, bot: Bot, request_id: int, question: str, asked_by: int) -> bool:
    """Send a reviewer's question to the requester and show it on the card; False if it could not be sent."""
    request = get_request(deps.db, request_id)
    if request is None or not is_open(request["status"]):
        return False
    text = render_for(deps, request, "requester/owner_question.html.j2", question=question)
    if not await message_requester(deps, bot, request, text):
        await refresh_card(deps, bot, request_id)
        return False
    insert_followup(deps.db, request_id, "owner", question, asked_by=asked_by, now=deps.now())
    insert_event(deps.db, "asked_more", deps.now(), request_id=request_id, user_id=request["user_id"],
                 actor_id=asked_by)
    await refresh_card(deps, bot, request_id)
    return True
