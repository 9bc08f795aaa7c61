"""The reviewer's card: gather its facts once, shape them (bot/core/card.py), send or redraw it in place."""

import logging
from collections.abc import Mapping

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.card import CardFacts, fit_card, folded_values, pending_values, snoozed_values
from bot.core.questionnaire import REASON, answer_for
from bot.core.vocabulary import Status, is_open, outcome_word
from bot.flow import raids, rush
from bot.flow.assessments import assess_now, assessment_for
from bot.flow.deps import Deps
from bot.flow.signals import signals_for
from bot.telegram.keyboards import decision_keyboard, pending_keyboard, undo_keyboard, unsnooze_keyboard
from bot.telegram.outbox import edit, notify_reviewers
from db.answers import list_answers
from db.assessments import get_assessment as get_assessment_row
from db.chats import get_chat
from db.events import insert_event
from db.followups import get_open_followup, list_followups
from db.late_messages import list_late_messages
from db.people import get_person
from db.requests import (
    count_pending,
    count_snoozed,
    forget_card,
    get_request,
    list_cards_to_redraw,
    list_due_cards,
    list_earlier_requests,
    list_pending,
    list_snoozed,
    mark_card_attempt,
    set_card,
    set_card_redraw,
)
from db.signals import list_open_cards_nearby
from db.time import parse_stamp

log = logging.getLogger(__name__)

REDRAWS_PER_SWEEP = 20  # Telegram lets a bot send about 20 messages a minute to one group
TIMES = ("created_at", "answered_at", "decided_at", "snoozed_until", "carry_out_at")


def gather_card(deps: Deps, request: Mapping) -> CardFacts:
    """Everything the card shows about one request, read once."""
    answers = list_answers(deps.db, request["id"])
    has_text = bool(answers) or bool(request.get("opening_note"))
    return CardFacts(
        request=request,
        person=get_person(deps.db, request["user_id"]) or {"user_id": request["user_id"]},
        questions=deps.prompts.questions_for(request),
        answers=answers,
        times={name: parse_stamp(request.get(name)) for name in TIMES},
        chat=get_chat(deps.db, request["target_chat_id"]) if request.get("target_chat_id") else None,
        followups=list_followups(deps.db, request["id"]),
        history=[(h["id"], parse_stamp(h["created_at"]), h["status"])
                 for h in list_earlier_requests(deps.db, request["user_id"], request["id"])],
        assessment=assessment_for(deps, request, answers) if has_text else None,
        late=[(parse_stamp(m["created_at"]), m["text"]) for m in list_late_messages(deps.db, request["id"])],
        signals=signals_for(deps, request),
        now=deps.now(),
    )


def render_card(deps: Deps, request: Mapping) -> str:
    """The card's text for a request as it is stored now (a short one once its words were erased)."""
    if request.get("erased_at"):
        word = outcome_word(request["status"], request["kind"])
        return deps.prompts.render("owner/card_erased.html.j2", id=request["id"],
                                   outcome=deps.prompts.labels["outcome"].get(word, word),
                                   kind_label=deps.prompts.labels["kind"].get(request["kind"], request["kind"]),
                                   withdrawn=request["status"] == Status.WITHDRAWN)
    return fit_card(gather_card(deps, request), deps.prompts.labels, deps.settings.timezone,
                    lambda **values: deps.prompts.render("owner/card.html.j2", **values))


def is_snoozed(request: Mapping) -> bool:
    """True while a waiting request's card is folded away by Later."""
    return request["status"] == Status.PENDING and bool(request["snoozed_until"])


def render_folded_card(deps: Deps, request: Mapping) -> str:
    """A snoozed card folded to one line."""
    person = get_person(deps.db, request["user_id"]) or {"user_id": request["user_id"]}
    return deps.prompts.render("owner/card_snoozed.html.j2", **folded_values(
        request, person, parse_stamp(request["snoozed_until"]), deps.settings.timezone))


async def deliver_card(deps: Deps, bot: Bot, request_id: int, *, force: bool = False) -> None:
    """Send the request's card to the reviewers, or refresh it in place if it was sent already. During a
    raid a new card is held for the next batched card instead, unless `force` (a reviewer opened it)."""
    async with deps.card_locks.hold(request_id):
        await _deliver_card(deps, bot, request_id, force)


async def _deliver_card(deps: Deps, bot: Bot, request_id: int, force: bool) -> None:
    request = get_request(deps.db, request_id)
    if not request["card_message_id"] and not force:
        if request["held"]:
            return  # shown on a batched card; "Open" sends its own card
        if is_open(request["status"]) and rush.belongs_to_raid(deps, request):
            raids.hold(deps, request)
            return
    # From here on the card is always written to: its facts are read in that transaction, each once.
    deps.db.begin()
    if is_snoozed(request):
        text, markup = render_folded_card(deps, request), unsnooze_keyboard(request_id, deps.prompts.labels)
    else:
        text = render_card(deps, request)
        can_ask = not (request["unreachable"] or request["taken_over_at"] or get_open_followup(deps.db, request_id))
        if is_open(request["status"]):
            markup = decision_keyboard(request_id, request["kind"], deps.prompts.labels, can_ask=can_ask)
        else:
            markup = undo_keyboard(request_id, deps.prompts.labels) if request["carry_out_at"] else None
    if request["card_message_id"]:
        # Marked first: if Telegram refuses or times out, the minute sweep redraws the card.
        set_card_redraw(deps.db, request_id, True)
        try:
            edited = await edit(bot, request["card_chat_id"], request["card_message_id"], text, reply_markup=markup)
        except TelegramError as exc:
            log.warning("could not redraw the card of request %s (the sweep will try again): %s", request_id, exc)
            return
        set_card_redraw(deps.db, request_id, False)
        if edited:
            return
    if not request["card_message_id"]:
        mark_card_attempt(deps.db, request_id, deps.now())
    try:
        message = await bot.send_text(deps.settings.card_chat_id, text, reply_markup=markup)
    except (Forbidden, BadRequest) as exc:
        # The card stays due (re-sent by the minute sweep, at start, and when the owner presses Start).
        log.error("cannot deliver the card of request %s to chat %s: %s — the owner must open the bot and "
                  "press Start (or add it to REVIEW_CHAT_ID)", request_id, deps.settings.card_chat_id, exc)
        return
    set_card(deps.db, request_id, message.chat_id, message.message_id, deps.now())
    insert_event(deps.db, "card_sent", deps.now(), request_id=request_id, user_id=request["user_id"])


async def refresh_card(deps: Deps, bot: Bot, request_id: int) -> None:
    """Redraw a card that was already sent (no-op when it was not sent yet)."""
    if get_request(deps.db, request_id)["card_message_id"]:
        await deliver_card(deps, bot, request_id)


async def redraw_nearby_cards(deps: Deps, bot: Bot, request: Mapping) -> int:
    """Reassess and redraw the person's other open cards from the same day: a new request changes what they say
    (asked several places in a day). Returns how many were redrawn."""
    nearby = list_open_cards_nearby(deps.db, request["user_id"], parse_stamp(request["created_at"]), request["id"])
    for other in nearby:
        # A language model's reading is kept (not redone for a signal); the local model's is cheap to redo.
        if deps.llm is None and get_assessment_row(deps.db, other["id"]) is not None:
            assess_now(deps, other)
        await deliver_card(deps, bot, other["id"])
    return len(nearby)


async def reply_to_card(deps: Deps, bot: Bot, request_id: int, text: str) -> bool:
    """Send the reviewers a message that replies to the request's card (a plain message when it has none, and
    still sent if the card was deleted meanwhile); True if it was sent."""
    request = get_request(deps.db, request_id)
    if request["card_message_id"]:
        return await notify_reviewers(bot, request["card_chat_id"], text, reply_to=request["card_message_id"])
    return await notify_reviewers(bot, deps.settings.card_chat_id, text)


async def resurface_card(deps: Deps, bot: Bot, request_id: int) -> None:
    """Send a request's card again as a new message (back to the top), leaving a pointer on the old one."""
    request = get_request(deps.db, request_id)
    if request["card_message_id"]:
        await edit(bot, request["card_chat_id"], request["card_message_id"],
                   deps.prompts.render("owner/card_moved.html.j2", id=request_id))
        forget_card(deps.db, request_id)
    await deliver_card(deps, bot, request_id)


async def resend_due_cards(deps: Deps, bot: Bot) -> int:
    """Send every card that was due but never sent (e.g. the bot stopped after the last answer), and redraw
    those whose last redraw failed."""
    # Redraws are capped per sweep: after RETENTION_DAYS first runs on a big database, thousands of old cards wait
    # to be redrawn erased, and at the owner's chat's pace they must not hold up the rest of the sweep.
    due = list_due_cards(deps.db) + list_cards_to_redraw(deps.db, REDRAWS_PER_SWEEP)
    for request in due:
        await deliver_card(deps, bot, request["id"])
    return len(due)


def pending_list(deps: Deps, limit: int = 10) -> tuple[str, InlineKeyboardMarkup | None]:
    """The compact /pending list (oldest first) and decision buttons for the requests it shows; snoozed requests
    are listed apart, with the day they come back and no buttons (Later put them aside on purpose)."""
    rows = list_pending(deps.db, limit)
    snoozed = list_snoozed(deps.db, limit)
    now = deps.now()
    reasons = {r["id"]: answer_for(deps.prompts.questions_for(r), list_answers(deps.db, r["id"]), REASON)
               or r.get("opening_note") or "" for r in rows}
    ages = {r["id"]: (now - parse_stamp(r["created_at"])).total_seconds() for r in rows}
    until = {r["id"]: parse_stamp(r["snoozed_until"]) for r in snoozed}
    text = deps.prompts.render("owner/pending.html.j2", requests=pending_values(rows, reasons, ages),
                               total=count_pending(deps.db, snoozed=False),
                               snoozed=snoozed_values(snoozed, deps.settings.timezone, until),
                               snoozed_total=count_snoozed(deps.db))
    return text, pending_keyboard(rows, deps.prompts.labels)
