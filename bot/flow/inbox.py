"""What requesters send: /start, messages and edits, in the bot's chat and in the owner's business chats.

bot/core/routing.py decides what a message means; this module gathers what it needs to know and acts on it.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from telegram import Bot

from bot.core.routing import Route, Situation, route_message
from bot.core.text import USERNAME_CHARS, bounded, clean_payload, full_name, shorten
from bot.core.untrusted import visible_chars
from bot.core.vocabulary import Kind, Standing, Status
from bot.flow import intake
from bot.flow.deps import Deps
from bot.flow.followups import receive_followup_answer
from bot.flow.late_messages import add_later
from bot.flow.requester import message_requester, render_for, render_for_person
from bot.telegram.outbox import notify_reviewers
from db.business import get_connection, get_latest_business_request, owner_spoke
from db.events import insert_event
from db.followups import get_open_followup
from db.people import upsert_person
from db.requests import get_asking_request_in_chat, get_latest_request, get_pending_request_in_chat, get_request

STATUS_TEMPLATES = {Status.PENDING: "requester/already_pending.html.j2", Status.ACCEPTED: "requester/accepted.html.j2",
                    Status.DECLINED: "requester/declined.html.j2"}


@dataclass(frozen=True)
class Incoming:
    """A requester's message as plain values."""

    person: Mapping  # as stored in `people`: user_id, names, username, language_code
    chat_id: int
    message_id: int
    text: str | None  # text or caption; None for a sticker, photo, poll…
    business_connection_id: str | None = None


def as_requester_sees(request: Mapping | None) -> Mapping | None:
    """A request as its requester may know it: a decision still inside its undo window is still pending."""
    if request is not None and request.get("carry_out_at"):
        return {**request, "status": Status.PENDING}
    return request


def _situation(deps: Deps, msg: Incoming, person: Mapping) -> Situation:
    if msg.business_connection_id is None:
        asking = get_asking_request_in_chat(deps.db, person["user_id"], msg.chat_id)
        waiting = None if asking else get_pending_request_in_chat(deps.db, person["user_id"], msg.chat_id)
        latest = as_requester_sees(get_latest_request(deps.db, person["user_id"], Kind.DIRECT))
        handled = False
    else:
        latest = as_requester_sees(get_latest_business_request(deps.db, msg.business_connection_id, msg.chat_id))
        asking = latest if latest and latest["status"] == Status.ASKING and not latest["taken_over_at"] else None
        waiting = latest if latest and latest["status"] == Status.PENDING else None
        handled = owner_spoke(deps.db, msg.business_connection_id, msg.chat_id)
    return Situation(door=Kind.DIRECT if msg.business_connection_id is None else Kind.BUSINESS,
                     standing=person["standing"], message_id=msg.message_id, has_text=bool(msg.text),
                     asking=asking, waiting=waiting,
                     open_followup=bool(waiting and get_open_followup(deps.db, waiting["id"])),
                     latest=latest, owner_handles_chat=handled)


async def receive_message(deps: Deps, bot: Bot, msg: Incoming) -> Route:
    """A requester's message in the bot's chat or the owner's business chat: answer, follow-up reply, new
    request, or nothing to act on. Returns what it was taken for."""
    now = deps.now()
    person = upsert_person(deps.db, msg.person, now)
    situation = _situation(deps, msg, person)
    route = route_message(situation)
    detail = (msg.text or "")[:200]
    if route == Route.IGNORE:
        kind = "ignored_blocked" if situation.door == Kind.DIRECT else f"business_ignored_{person['standing']}"
        insert_event(deps.db, kind, now, user_id=person["user_id"], detail=detail or None)
    elif route == Route.RESUME:
        await intake.ask(deps, bot, situation.asking)
    elif route == Route.ANSWER:
        await intake.receive_text(deps, bot, situation.asking, msg.text, msg.message_id)
    elif route == Route.TEXT_ONLY:
        await message_requester(deps, bot, situation.asking,
                                render_for(deps, situation.asking, "requester/text_only.html.j2"))
    elif route == Route.FOLLOWUP:
        if not await receive_followup_answer(deps, bot, situation.waiting, msg.text):
            return await receive_message(deps, bot, msg)  # answered meanwhile: take it as a new message
    elif route == Route.ADD_LATER:
        await add_later(deps, bot, situation.waiting, msg.text)
    elif route == Route.PASS_ON:
        # Known people are let through: the owner sees what they wrote, no questionnaire.
        insert_event(deps.db, "known_message", now, user_id=person["user_id"], detail=detail)
        await notify_reviewers(bot, deps.settings.card_chat_id, deps.prompts.render(
            "owner/known_message.html.j2", name=full_name(person), username=bounded(person["username"], USERNAME_CHARS),
            user_id=person["user_id"], text=shorten(msg.text or "", 3000)))
    elif route == Route.TELL_STATUS:
        await tell_status(deps, bot, situation.latest)
        insert_event(deps.db, "message_while_known", now, user_id=person["user_id"], detail=detail)
    elif route == Route.SILENT:
        # Pending, decided or taken over: the bot stays silent in this chat from now on.
        insert_event(deps.db, "business_silent", now, request_id=situation.latest["id"], user_id=person["user_id"])
    else:
        await _open(deps, bot, msg, person)
    return route


async def _open(deps: Deps, bot: Bot, msg: Incoming, person: Mapping) -> None:
    note = msg.text if visible_chars(msg.text) else None  # a sticker, or only invisible characters: no note
    note_id = msg.message_id if note else None
    if msg.business_connection_id is None:
        await intake.open_request(deps, bot, kind=Kind.DIRECT, user_id=person["user_id"], reply_chat_id=msg.chat_id,
                                  note=note, note_message_id=note_id)
        return
    connection = get_connection(deps.db, msg.business_connection_id)
    cannot_ask = None
    if not connection["is_enabled"]:
        cannot_ask = "could not ask: the business connection is disabled"
    elif not connection["can_reply"]:
        cannot_ask = "could not ask: no reply right"
    await intake.open_request(deps, bot, kind=Kind.BUSINESS, user_id=person["user_id"], reply_chat_id=msg.chat_id,
                              business_connection_id=msg.business_connection_id, note=note,
                              note_message_id=note_id, cannot_ask=cannot_ask)


async def tell_status(deps: Deps, bot: Bot, request: Mapping) -> None:
    """Tell a requester where their request stands (waiting, accepted or declined)."""
    await message_requester(deps, bot, request, render_for(deps, request, STATUS_TEMPLATES[request["status"]]))


async def start(deps: Deps, bot: Bot, msg: Incoming, payload: str | None) -> None:
    """/start [source] from a requester: resume a running questionnaire, say where they stand, or open a
    request from the deep link's source."""
    person = upsert_person(deps.db, msg.person, deps.now())
    if person["standing"] == Standing.BLOCKED:
        insert_event(deps.db, "ignored_blocked", deps.now(), user_id=person["user_id"], detail=(msg.text or "")[:200])
        return
    asking = get_asking_request_in_chat(deps.db, person["user_id"], msg.chat_id)
    if asking:
        await intake.ask(deps, bot, asking)
        return
    if person["standing"] == Standing.ALLOWED:
        await bot.send_message(msg.chat_id, render_for_person(deps, person, "requester/accepted.html.j2"))
        return
    latest = as_requester_sees(get_latest_request(deps.db, person["user_id"], Kind.DIRECT))
    if latest is not None and latest["status"] in STATUS_TEMPLATES:
        await tell_status(deps, bot, latest)
        return
    source = clean_payload(payload)
    if payload and source is None:
        insert_event(deps.db, "bad_payload", deps.now(), user_id=person["user_id"], detail=payload[:100])
    await intake.open_request(deps, bot, kind=Kind.DIRECT, user_id=person["user_id"], reply_chat_id=msg.chat_id,
                              source=source)


def receive_private_edit(deps: Deps, user_id: int, chat_id: int, message_id: int, text: str | None) -> bool:
    """An edited message in the bot's chat: replaces the stored answer while the questionnaire runs."""
    request = get_asking_request_in_chat(deps.db, user_id, chat_id)
    if request is None or not text:
        insert_event(deps.db, "late_edit", deps.now(), user_id=user_id, detail=(text or "")[:200])
        return False
    return intake.apply_edit(deps, request, message_id, text)


def receive_business_edit(deps: Deps, connection_id: str, chat_id: int, user_id: int | None, message_id: int,
                          text: str | None) -> bool:
    """An edited message in a business chat: replaces the stored answer while the questionnaire runs."""
    latest = get_latest_business_request(deps.db, connection_id, chat_id)
    if latest is None or latest["status"] != Status.ASKING or not text or user_id != latest["user_id"]:
        return False
    return intake.apply_edit(deps, get_request(deps.db, latest["id"]), message_id, text)


async def pick_choice(deps: Deps, bot: Bot, user_id: int, request_id: int, arg: str | None,
                      message_id: int | None = None) -> str | None:
    """A tap on a quick-reply choice ('<question>.<choice>') on message `message_id`: stored if it answers the
    current question of that user's request. 'replaced' when the next question took the tapped message's place,
    'stored' when it was sent apart (the tapped message's buttons should go), None when nothing was stored."""
    request = get_request(deps.db, request_id)
    if request is None or request["user_id"] != user_id or not arg or "." not in arg:
        return None
    if request["status"] != Status.ASKING:
        return None
    question_key, choice_key = arg.split(".", 1)
    return await intake.receive_pick(deps, bot, request, question_key, choice_key, message_id)
