"""The shared screening pipeline: open a request, ask, store answers, deliver the card, carry out decisions.

Handlers call these with plain values; every state change is written to SQLite before Telegram is called.
"""

import logging
from datetime import datetime

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot import doors
from bot.assess import followup_question
from bot.cards import full_name, render_card
from bot.keyboards import choices_keyboard, decision_keyboard
from bot.outbox import edit
from bot.screening import DECISIONS, Step, check_answer, next_step
from bot.services import Services
from bot.suggest import assessment_for, auto_decline_flags
from bot.talk import message_requester, render_for
from db.answers import find_answer_by_message, list_answers, replace_answer_text, set_answer
from db.events import insert_event
from db.followups import answer_followup, count_followups, get_open_followup, insert_followup
from db.people import set_standing
from db.raids import count_recent_requests, hold_card
from db.requests import (
    claim_decision,
    forget_card,
    get_request,
    insert_request,
    list_due_cards,
    list_overdue_answers,
    mark_answered,
    mark_card_attempt,
    mark_timed_out,
    set_card,
    set_opening_note,
)

log = logging.getLogger(__name__)

SYSTEM_ACTOR = {"user_id": 0, "first_name": "doorman", "last_name": "(no answer policy)"}


def current_step(svc: Services, request: dict) -> Step:
    """The next question for a request, derived from its stored answers."""
    return next_step(svc.questions_for(request), list_answers(svc.db, request["id"]))


def render_step(svc: Services, request: dict, step: Step) -> str:
    """The text of a question (or of its 'tell me more')."""
    if step.kind == "more":
        return render_for(svc, request, step.question.more_template, choice=step.choice.label)
    return render_for(svc, request, step.question.template, choices=[c.label for c in step.question.choices])


async def ask(svc: Services, bot: Bot, request: dict, *, greeting: bool = False) -> None:
    """Send the current question (with the greeting first, for a new request); finish if all are answered."""
    step = current_step(svc, request)
    if step.kind == "done":
        if not await follow_up_once(svc, bot, request):
            await finish(svc, bot, request)
        return
    text = render_step(svc, request, step)
    if greeting:
        text = render_for(svc, request, "requester/greeting.html.j2") + "\n\n" + text
    # In a business chat the bot speaks as the owner: no bot buttons there, the choices are listed as text.
    buttons = step.kind == "ask" and not request.get("business_connection_id")
    markup = choices_keyboard(request["id"], step.question) if buttons else None
    if not await message_requester(svc, bot, request, text, reply_markup=markup):
        # Nobody to ask: the owner still sees the request at once, marked unreachable.
        await finish(svc, bot, get_request(svc.db, request["id"]), thank=False)


async def open_request(svc: Services, bot: Bot, *, kind: str, user_id: int, reply_chat_id: int,
                       source: str | None = None, note: str | None = None, note_message_id: int | None = None,
                       cannot_ask: str | None = None, **fields) -> dict:
    """Create a request, log it, greet the requester and ask the first question (or, if we may not write to
    them, show the owner the card at once with the reason)."""
    now = svc.now()
    request_id = insert_request(svc.db, kind=kind, user_id=user_id, now=now, reply_chat_id=reply_chat_id,
                                source=source, opening_note=note, opening_message_id=note_message_id,
                                unreachable=cannot_ask, **fields)
    insert_event(svc.db, "opened", now, request_id=request_id, user_id=user_id, detail=kind)
    request = get_request(svc.db, request_id)
    if cannot_ask:
        await finish(svc, bot, request, thank=False)
    else:
        await ask(svc, bot, request, greeting=True)
    return get_request(svc.db, request_id)


async def receive_text(svc: Services, bot: Bot, request: dict, text: str, message_id: int) -> None:
    """Store a typed answer to the current question, then ask the next one or finish."""
    if find_answer_by_message(svc.db, request["id"], message_id):
        # The same message again (re-delivered after a crash): it already answered; ask what is next.
        await ask(svc, bot, request)
        return
    step = current_step(svc, request)
    if step.kind == "done":
        followup = get_open_followup(svc.db, request["id"])
        if followup is not None and answer_followup(svc.db, followup["id"], text, svc.now()):
            insert_event(svc.db, "followup_answered", svc.now(), request_id=request["id"], user_id=request["user_id"])
        await finish(svc, bot, request)
        return
    if check_answer(step, text):
        await message_requester(svc, bot, request, render_for(svc, request, "requester/too_short.html.j2"))
        return
    set_answer(svc.db, request["id"], step.answer_key, text, now=svc.now(), message_id=message_id)
    await ask(svc, bot, request)


async def apply_edit(svc: Services, request: dict, message_id: int, text: str) -> bool:
    """Replace the stored answer (or opening note) given by an edited message; False if it gave none."""
    answer = find_answer_by_message(svc.db, request["id"], message_id)
    if answer is not None:
        replace_answer_text(svc.db, request["id"], answer["question_key"], text, svc.now())
    elif request["opening_message_id"] == message_id:
        set_opening_note(svc.db, request["id"], text)
    else:
        return False
    insert_event(svc.db, "edited", svc.now(), request_id=request["id"], user_id=request["user_id"])
    return True


async def receive_pick(svc: Services, bot: Bot, request: dict, question_key: str, choice_key: str) -> Step | None:
    """Store a quick-reply choice if it answers the current question; return the answered step or None."""
    step = current_step(svc, request)
    if step.kind != "ask" or step.question.key != question_key:
        if list_answers(svc.db, request["id"]).get(question_key, {}).get("choice") == choice_key:
            await ask(svc, bot, request)  # the same tap again (re-delivered after a crash): ask what is next
        return None
    choice = step.question.choice(choice_key)
    if choice is None:
        return None
    set_answer(svc.db, request["id"], question_key, choice.label, choice=choice.key, now=svc.now())
    await ask(svc, bot, request)
    return step


async def follow_up_once(svc: Services, bot: Bot, request: dict) -> bool:
    """After the last answer, ask one follow-up if the answers are vague or a template (never twice, never
    for a pitch or tracking); True if one is now waiting for its answer."""
    if get_open_followup(svc.db, request["id"]):
        return True
    if count_followups(svc.db, request["id"], "auto") or request.get("unreachable") or request.get("taken_over_at"):
        return False
    which = followup_question(assessment_for(svc, request))
    if which is None:
        return False
    text = render_for(svc, request, f"requester/followup_{which}.html.j2")
    if not await message_requester(svc, bot, request, text):
        return False
    insert_followup(svc.db, request["id"], "auto", text, asked_by=None, now=svc.now())
    insert_event(svc.db, "followup_asked", svc.now(), request_id=request["id"], user_id=request["user_id"],
                 detail=which)
    return True


async def finish(svc: Services, bot: Bot, request: dict, *, thank: bool = True) -> None:
    """Close the questionnaire: pending in SQLite first, then thank the requester and deliver the card
    (or, with AUTO_DECLINE, decline a pitch or tracking silently)."""
    if mark_answered(svc.db, request["id"], svc.now()):
        insert_event(svc.db, "answered", svc.now(), request_id=request["id"], user_id=request["user_id"])
        flags = auto_decline_flags(svc, assessment_for(svc, get_request(svc.db, request["id"])))
        if flags:
            actor = {"user_id": 0, "first_name": "doorman", "last_name": f"(auto-decline: {', '.join(flags)})"}
            await decide(svc, bot, request["id"], "decline", actor, silent=True, card=False)
            insert_event(svc.db, "auto_declined", svc.now(), request_id=request["id"], user_id=request["user_id"],
                         detail=",".join(flags))
            return
        if thank:
            await message_requester(svc, bot, request, render_for(svc, request, "requester/thanks.html.j2"))
    await deliver_card(svc, bot, request["id"])


async def deliver_card(svc: Services, bot: Bot, request_id: int, *, force: bool = False) -> None:
    """Send the request's card to the reviewers, or refresh it in place if it was sent already. During a
    raid a new card is held for the next batched card instead, unless `force` (a reviewer opened it)."""
    async with svc.card_lock(request_id):
        await _deliver_card(svc, bot, request_id, force)


def raid_active(svc: Services) -> bool:
    """More requests arrived in the last minute than RAID_THRESHOLD."""
    return count_recent_requests(svc.db, svc.now()) > svc.settings.raid_threshold


async def _deliver_card(svc: Services, bot: Bot, request_id: int, force: bool) -> None:
    request = get_request(svc.db, request_id)
    if not request["card_message_id"] and not force:
        if request["held"]:
            return  # shown on a batched card; "Open" sends its own card
        if request["status"] in ("asking", "pending") and raid_active(svc):
            hold_card(svc.db, request_id)
            insert_event(svc.db, "card_held", svc.now(), request_id=request_id, user_id=request["user_id"])
            return
    text = render_card(svc, request)
    is_open = request["status"] in ("asking", "pending")
    can_ask = not (request["unreachable"] or request["taken_over_at"] or get_open_followup(svc.db, request_id))
    markup = decision_keyboard(request_id, request["kind"], svc.labels, can_ask=can_ask) if is_open else None
    if request["card_message_id"] and await edit(bot, request["card_chat_id"], request["card_message_id"], text,
                                                 reply_markup=markup):
        return
    if not request["card_message_id"]:
        mark_card_attempt(svc.db, request_id, svc.now())
    try:
        message = await bot.send_message(svc.settings.card_chat_id, text, reply_markup=markup)
    except (Forbidden, BadRequest) as exc:
        # The card stays due (re-sent by the minute sweep, at start, and when the owner presses Start).
        log.error("cannot deliver the card of request %s to chat %s: %s — the owner must open the bot and "
                  "press Start (or add it to REVIEW_CHAT_ID)", request_id, svc.settings.card_chat_id, exc)
        return
    set_card(svc.db, request_id, message.chat_id, message.message_id, svc.now())
    insert_event(svc.db, "card_sent", svc.now(), request_id=request_id, user_id=request["user_id"])


async def refresh_card(svc: Services, bot: Bot, request_id: int) -> None:
    """Redraw a card that was already sent (no-op when it was not sent yet)."""
    if get_request(svc.db, request_id)["card_message_id"]:
        await deliver_card(svc, bot, request_id)


def parse_stamp(stamp: str) -> datetime:
    """Read a stored UTC ISO-8601 timestamp."""
    return datetime.fromisoformat(stamp)


async def resurface_card(svc: Services, bot: Bot, request_id: int) -> None:
    """Send a request's card again as a new message (back to the top), leaving a pointer on the old one."""
    request = get_request(svc.db, request_id)
    if request["card_message_id"]:
        await edit(bot, request["card_chat_id"], request["card_message_id"],
                   svc.renderer.render("owner/card_moved.html.j2", id=request_id))
        forget_card(svc.db, request_id)
    await deliver_card(svc, bot, request_id)


async def resend_due_cards(svc: Services, bot: Bot) -> int:
    """Send every card that was due but never sent (e.g. the bot stopped after the last answer)."""
    due = list_due_cards(svc.db)
    for request in due:
        await deliver_card(svc, bot, request["id"])
    return len(due)


async def handle_overdue(svc: Services, bot: Bot, now: datetime | None = None) -> int:
    """Close questionnaires whose answer deadline passed: show the card marked 'no answer', apply the policy."""
    overdue = list_overdue_answers(svc.db, now or svc.now())
    for request in overdue:
        mark_timed_out(svc.db, request["id"], svc.now())
        insert_event(svc.db, "no_answer", svc.now(), request_id=request["id"], user_id=request["user_id"])
        await finish(svc, bot, request, thank=False)
        if svc.settings.join_timeout_policy == "decline":
            await decide(svc, bot, request["id"], "decline", SYSTEM_ACTOR)
    return len(overdue)


async def decide(svc: Services, bot: Bot, request_id: int, action: str, actor: dict, *, silent: bool = False,
                 card: bool = True) -> str | None:
    """Claim and carry out a reviewer's decision; return the resulting status, or None if already decided.
    silent: the requester is not told; card=False: no card is drawn (auto-decline)."""
    status = DECISIONS[action]
    now = svc.now()
    if not claim_decision(svc.db, request_id, status, actor_id=actor["user_id"], actor_name=full_name(actor),
                          now=now):
        return None
    request = get_request(svc.db, request_id)
    insert_event(svc.db, status, now, request_id=request_id, user_id=request["user_id"], actor_id=actor["user_id"])
    standing = {"accepted": "allowed", "blocked": "blocked", "declined": "unknown"}.get(status)
    if standing:
        set_standing(svc.db, request["user_id"], standing, now)
    await doors.carry_out(svc, bot, request, status, silent=silent)
    if card or request["card_message_id"]:
        await deliver_card(svc, bot, request_id)
    return get_request(svc.db, request_id)["status"]


KNOWN_ACTOR = {"user_id": 0, "first_name": "doorman", "last_name": "(known person)"}


async def approve_known(svc: Services, bot: Bot, person: dict, chat_id: int, reply_chat_id: int,
                        source: str | None) -> None:
    """Let a known (accepted) person into a chat without questions, and tell the owner in one line."""
    request = await open_request(svc, bot, kind="join", user_id=person["user_id"], reply_chat_id=reply_chat_id,
                                 target_chat_id=chat_id, source=source, cannot_ask="known person: not asked")
    await decide(svc, bot, request["id"], "accept", KNOWN_ACTOR)
