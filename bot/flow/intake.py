"""The questionnaire: open a request, ask, store answers (typed or tapped), finish, and hand over to the card."""

import logging
from collections.abc import Mapping
from datetime import datetime
from functools import partial

from telegram import Bot
from telegram.error import TelegramError

from bot.core.questionnaire import Step, check_answer, next_step
from bot.core.vocabulary import KNOWN_PERSON, Decision, Kind, Status, auto_decline_actor
from bot.flow.assessments import auto_decline_flags, ensure_assessed
from bot.flow.cards import deliver_card, redraw_nearby_cards
from bot.flow.decisions import decide
from bot.flow.deps import Deps
from bot.flow.followups import follow_up_once, store_followup_answer
from bot.flow.languages import opening_language, settle_language
from bot.flow.requester import message_requester, render_for
from bot.flow.signals import check_cas, gather_profile
from bot.telegram.keyboards import choices_keyboard
from bot.telegram.outbox import drop_keyboard, edit
from db.answers import find_answer_by_message, list_answers, replace_answer_text, set_answer
from db.events import insert_event
from db.requests import (
    get_request,
    insert_request,
    list_owed_first_questions,
    mark_answered,
    set_ask_by,
    set_buttons_message,
    set_opening_note,
)
from db.time import parse_stamp, stamp

log = logging.getLogger(__name__)


def current_step(deps: Deps, request: Mapping) -> Step:
    """The next question for a request, derived from its stored answers."""
    return next_step(deps.prompts.questions_for(request), list_answers(deps.db, request["id"]))


def render_step(deps: Deps, request: Mapping, step: Step) -> str:
    """The text of a question (or of its 'tell me more')."""
    language = request.get("language")
    if step.kind == "more":
        return render_for(deps, request, step.question.more_template,
                          choice=step.question.label_in(step.choice, language))
    return render_for(deps, request, step.question.template, choices=list(step.question.labels_in(language)))


async def ask(deps: Deps, bot: Bot, request: Mapping, *, greeting: bool = False,
              write_by: datetime | None = None, in_place: int | None = None) -> bool:
    """Send the current question (with the greeting first, for a new request); finish if all are answered.
    `write_by`: the moment Telegram stops accepting messages to this requester (a join request's window).
    `in_place`: the message whose button was just tapped; the next question replaces it (one call instead of a new
    message and an edit removing the old buttons). True if it did."""
    step = current_step(deps, request)
    if step.kind == "done":
        if not await follow_up_once(deps, bot, request):
            await finish(deps, bot, request)
        return False
    text = render_step(deps, request, step)
    if greeting:
        text = render_for(deps, request, "requester/greeting.html.j2") + "\n\n" + text
    # In a business chat the bot speaks as the owner: no bot buttons there, the choices are listed as text.
    buttons = step.kind == "ask" and not request.get("business_connection_id")
    markup = choices_keyboard(request["id"], step.question, request.get("language")) if buttons else None
    if in_place is not None:
        # Written before the edit, as every change: the tapped message then shows these buttons, or none (if the edit
        # fails, the question is sent anew below and records its own).
        set_buttons_message(deps.db, request["id"], in_place if markup else None)
        if await _replace(bot, request["reply_chat_id"], in_place, text, markup):
            return True
    within = (write_by - deps.now()).total_seconds() if write_by is not None else None
    sent = await message_requester(deps, bot, request, text, reply_markup=markup, within=within, reply=not greeting)
    if sent is None:
        # Nobody to ask: the owner still sees the request at once, marked unreachable.
        await finish(deps, bot, get_request(deps.db, request["id"]), thank=False)
    elif markup:
        set_buttons_message(deps.db, request["id"], sent.message_id)
    return False


async def _replace(bot: Bot, chat_id: int, message_id: int, text: str, markup) -> bool:
    """Edit the tapped question into the next one; False when Telegram would not (the caller sends it anew, which
    also records a requester who can no longer be reached)."""
    try:
        return await edit(bot, chat_id, message_id, text, reply_markup=markup, reply=True)
    except TelegramError as exc:
        log.info("could not edit question %s in chat %s (%s): sending the next one anew", message_id, chat_id, exc)
        return False


async def open_request(deps: Deps, bot: Bot, *, kind: str, user_id: int, reply_chat_id: int,
                       source: str | None = None, note: str | None = None, note_message_id: int | None = None,
                       cannot_ask: str | None = None, write_by: datetime | None = None, screen: bool = True,
                       **fields) -> dict:
    """Create a request, log it, greet the requester and ask the first question (or, if we may not write to
    them, show the owner the card at once with the reason). `screen`: look the requester up (CAS before the
    first question, with AUTO_DECLINE=cas declining a listed one silently; the profile after it)."""
    now = deps.now()
    if write_by is not None and not cannot_ask:
        fields["ask_by"] = stamp(write_by)
    request_id = insert_request(deps.db, kind=kind, user_id=user_id, now=now, reply_chat_id=reply_chat_id,
                                source=source, opening_note=note, opening_message_id=note_message_id,
                                unreachable=cannot_ask, **opening_language(deps, user_id), **fields)
    insert_event(deps.db, "opened", now, request_id=request_id, user_id=user_id, detail=kind)
    request = await settle_language(deps, get_request(deps.db, request_id), note)
    if screen and await check_cas(deps, request) == "listed" and "cas" in deps.settings.auto_decline:
        await decide(deps, bot, request_id, Decision.DECLINE, auto_decline_actor(["cas"]), quiet=True)
        insert_event(deps.db, "auto_declined", deps.now(), request_id=request_id, user_id=user_id, detail="cas")
        return get_request(deps.db, request_id)
    if cannot_ask:
        if screen:
            await gather_profile(deps, bot, request)
        await finish(deps, bot, request, thank=False)
    elif write_by is not None:
        await deps.first_questions.ask_in_turn(request_id, partial(ask_owed, deps, bot))
    else:
        await ask(deps, bot, request, greeting=True)
        if screen:
            # After the first question: the requester reads it while Telegram answers.
            await gather_profile(deps, bot, request)
    await redraw_nearby_cards(deps, bot, request)
    return get_request(deps.db, request_id)


async def ask_owed(deps: Deps, bot: Bot, request_id: int) -> None:
    """Greet a join requester and ask the first question, if still owed (a restart may find it done or decided)."""
    request = get_request(deps.db, request_id)
    if request is None or request["status"] != Status.ASKING or not request["ask_by"]:
        return
    await ask(deps, bot, request, greeting=True, write_by=parse_stamp(request["ask_by"]))
    set_ask_by(deps.db, request_id, None)
    # After the first question: the requester reads it while Telegram answers (skipped in a raid).
    await gather_profile(deps, bot, get_request(deps.db, request_id))
    # Background askers run outside any update's unit of work: nothing else would commit this.
    deps.db.commit()


def resume_first_questions(deps: Deps, bot: Bot) -> int:
    """At start: queue the join requesters still owed their first question (those whose window closed meanwhile
    are listed to the owner as not asked); how many."""
    owed = [row["id"] for row in list_owed_first_questions(deps.db)]
    deps.first_questions.queue(owed, partial(ask_owed, deps, bot))
    return len(owed)


async def receive_text(deps: Deps, bot: Bot, request: Mapping, text: str, message_id: int) -> None:
    """Store a typed answer to the current question, then ask the next one or finish."""
    if find_answer_by_message(deps.db, request["id"], message_id):
        # The same message again (re-delivered after a crash): it already answered; ask what is next.
        await ask(deps, bot, request)
        return
    request = await settle_language(deps, request, text)
    step = current_step(deps, request)
    if check_answer(step, text):
        await message_requester(deps, bot, request, render_for(deps, request, "requester/too_short.html.j2"))
        return
    if step.kind == "done":
        store_followup_answer(deps, request, text)
        await finish(deps, bot, request)
        return
    set_answer(deps.db, request["id"], step.answer_key, text, now=deps.now(), message_id=message_id)
    if step.kind == "ask" and request.get("buttons_message_id"):
        # Answered by typing: the question's quick replies would only invite a late, ignored tap.
        set_buttons_message(deps.db, request["id"], None)
        try:
            await drop_keyboard(bot, request["reply_chat_id"], request["buttons_message_id"])
        except TelegramError as exc:  # the next question is what matters; it also records an unreachable requester
            log.info("could not remove the quick replies of request %s: %s", request["id"], exc)
    await ask(deps, bot, request)


def apply_edit(deps: Deps, request: Mapping, message_id: int, text: str) -> bool:
    """Replace the stored answer (or opening note) given by an edited message; False if it gave none."""
    answer = find_answer_by_message(deps.db, request["id"], message_id)
    if answer is not None:
        replace_answer_text(deps.db, request["id"], answer["question_key"], text, deps.now())
    elif request["opening_message_id"] == message_id:
        set_opening_note(deps.db, request["id"], text)
    else:
        return False
    insert_event(deps.db, "edited", deps.now(), request_id=request["id"], user_id=request["user_id"])
    return True


async def receive_pick(deps: Deps, bot: Bot, request: Mapping, question_key: str, choice_key: str,
                       message_id: int | None = None) -> str | None:
    """Store a quick-reply choice if it answers the current question and ask what is next, in place of the tapped
    message when it can: 'replaced' (the tapped message now shows the next question), 'stored', or None."""
    step = current_step(deps, request)
    if step.kind != "ask" or step.question.key != question_key:
        if list_answers(deps.db, request["id"]).get(question_key, {}).get("choice") == choice_key:
            await ask(deps, bot, request)  # the same tap again (re-delivered after a crash): ask what is next
        return None
    choice = step.question.choice(choice_key)
    if choice is None:
        return None
    set_answer(deps.db, request["id"], question_key, choice.label, choice=choice.key, now=deps.now())
    return "replaced" if await ask(deps, bot, request, in_place=message_id) else "stored"


async def finish(deps: Deps, bot: Bot, request: Mapping, *, thank: bool = True) -> None:
    """Close the questionnaire: pending in SQLite first, then thank the requester and deliver the card
    (or, with AUTO_DECLINE, decline a pitch or tracking silently)."""
    if mark_answered(deps.db, request["id"], deps.now()):
        insert_event(deps.db, "answered", deps.now(), request_id=request["id"], user_id=request["user_id"])
        current = get_request(deps.db, request["id"])
        flags = auto_decline_flags(deps, await ensure_assessed(deps, current), current)
        if flags:
            await decide(deps, bot, request["id"], Decision.DECLINE, auto_decline_actor(flags), quiet=True)
            insert_event(deps.db, "auto_declined", deps.now(), request_id=request["id"],
                         user_id=request["user_id"], detail=",".join(flags))
            return
        if thank:
            await message_requester(deps, bot, request, render_for(deps, request, "requester/thanks.html.j2"))
    await deliver_card(deps, bot, request["id"])


async def approve_known(deps: Deps, bot: Bot, person: Mapping, chat_id: int, reply_chat_id: int,
                        source: str | None) -> None:
    """Let a known (accepted) person into a chat without questions, and tell the owner in one line."""
    request = await open_request(deps, bot, kind=Kind.JOIN, user_id=person["user_id"], reply_chat_id=reply_chat_id,
                                 target_chat_id=chat_id, source=source, cannot_ask="known person: not asked",
                                 screen=False)
    await decide(deps, bot, request["id"], Decision.ACCEPT, KNOWN_PERSON)
