"""Telegram Business: screen strangers who write to the owner's own account, replying as the owner's assistant."""

import logging

from telegram import BusinessConnection, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BusinessConnectionHandler,
    BusinessMessagesDeletedHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import pipeline
from bot.cards import full_name
from bot.followups import receive_followup_answer
from bot.handlers.common import person_from_user, services
from bot.outbox import notify_reviewers
from bot.services import Services
from db.business import get_connection, get_latest_business_request, mark_owner_spoke, owner_spoke, upsert_connection
from db.events import insert_event
from db.people import upsert_person
from db.requests import get_request, mark_answered, mark_taken_over

log = logging.getLogger(__name__)


def _store(svc: Services, connection: BusinessConnection) -> tuple[dict, dict | None]:
    rights = connection.rights
    can_reply = bool(rights.can_reply) if rights is not None else False
    previous = upsert_connection(
        svc.db, connection.id, user_id=connection.user.id, user_chat_id=connection.user_chat_id,
        owner_name=full_name(person_from_user(connection.user)), can_reply=can_reply,
        is_enabled=connection.is_enabled, accepted=connection.user.id == svc.settings.owner_id, now=svc.now())
    return get_connection(svc.db, connection.id), previous


async def track_connection(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a business connection change: stores it and tells the owner what the bot will do."""
    svc = services(context)
    connection, previous = _store(svc, update.business_connection)
    if not connection["accepted"]:
        if previous is None:
            log.warning("ignoring business connection %s from user %s: not the configured owner",
                        connection["connection_id"], connection["user_id"])
        return
    state = (connection["is_enabled"], connection["can_reply"])
    if previous is not None and (previous["is_enabled"], previous["can_reply"]) == state:
        return
    insert_event(svc.db, "business_connection", svc.now(), user_id=connection["user_id"],
                 detail=f"enabled={connection['is_enabled']} can_reply={connection['can_reply']}")
    await notify_reviewers(context.bot, svc.settings.owner_id, svc.renderer.render(
        "owner/business_status.html.j2", enabled=bool(connection["is_enabled"]),
        can_reply=bool(connection["can_reply"])))


async def _connection_for(svc: Services, context: ContextTypes.DEFAULT_TYPE, connection_id: str) -> dict | None:
    """The stored connection; fetched from Telegram if the bot missed its update (e.g. it was down)."""
    connection = get_connection(svc.db, connection_id)
    if connection is None:
        try:
            connection, _ = _store(svc, await context.bot.get_business_connection(connection_id))
        except TelegramError as exc:
            log.warning("unknown business connection %s: %s", connection_id, exc)
            return None
    return connection


async def screen_business_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a message in the owner's private chats: asks strangers for context, steps aside for the owner."""
    svc = services(context)
    message = update.business_message
    connection = await _connection_for(svc, context, message.business_connection_id)
    if connection is None or not connection["accepted"] or message.from_user is None:
        return
    chat_id, now = message.chat.id, svc.now()
    latest = get_latest_business_request(svc.db, connection["connection_id"], chat_id)
    if message.from_user.id == connection["user_id"]:
        await _owner_takes_over(svc, context, connection, chat_id, latest)
        return
    person = upsert_person(svc.db, person_from_user(message.from_user), now)
    text = message.text or message.caption
    if person["standing"] in ("blocked", "allowed") or owner_spoke(svc.db, connection["connection_id"], chat_id):
        insert_event(svc.db, f"business_ignored_{person['standing']}", now, user_id=person["user_id"],
                     detail=(text or "")[:200])
        return
    if latest is not None and latest["status"] == "asking" and not latest["taken_over_at"]:
        if text:
            await pipeline.receive_text(svc, context.bot, latest, text, message.message_id)
        else:
            await pipeline.message_requester(svc, context.bot, latest,
                                             pipeline.render_for(svc, latest, "requester/text_only.html.j2"))
        return
    if latest is not None and latest["status"] == "pending" and text \
            and await receive_followup_answer(svc, context.bot, latest, text):
        return
    if latest is not None:
        # Pending, decided or taken over: the bot stays silent in this chat from now on.
        insert_event(svc.db, "business_silent", now, request_id=latest["id"], user_id=person["user_id"])
        return
    cannot_ask = None
    if not connection["is_enabled"]:
        cannot_ask = "could not ask: the business connection is disabled"
    elif not connection["can_reply"]:
        cannot_ask = "could not ask: no reply right"
    await pipeline.open_request(
        svc, context.bot, kind="business", user_id=person["user_id"], reply_chat_id=chat_id,
        business_connection_id=connection["connection_id"], note=text,
        note_message_id=message.message_id if text else None, cannot_ask=cannot_ask)


async def _owner_takes_over(svc: Services, context: ContextTypes.DEFAULT_TYPE, connection: dict, chat_id: int,
                            latest: dict | None) -> None:
    """The owner wrote in the chat: never screen it again; an open request stops asking and its card says so."""
    mark_owner_spoke(svc.db, connection["connection_id"], chat_id, svc.now())
    if latest is None or latest["status"] not in ("asking", "pending") or latest["taken_over_at"]:
        return
    mark_taken_over(svc.db, latest["id"], svc.now())
    insert_event(svc.db, "taken_over", svc.now(), request_id=latest["id"], user_id=latest["user_id"],
                 actor_id=connection["user_id"])
    if mark_answered(svc.db, latest["id"], svc.now()):
        insert_event(svc.db, "answered", svc.now(), request_id=latest["id"], user_id=latest["user_id"])
    await pipeline.deliver_card(svc, context.bot, latest["id"])


async def receive_business_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers an edited business message: replaces the stored answer while the questionnaire runs."""
    svc = services(context)
    message = update.edited_business_message
    latest = get_latest_business_request(svc.db, message.business_connection_id, message.chat.id)
    text = message.text or message.caption
    if latest is None or latest["status"] != "asking" or not text or message.from_user is None \
            or message.from_user.id != latest["user_id"]:
        return
    await pipeline.apply_edit(svc, get_request(svc.db, latest["id"]), message.message_id, text)


async def record_deletion(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers deleted business messages: recorded in the audit log, nothing else."""
    svc = services(context)
    deleted = update.deleted_business_messages
    latest = get_latest_business_request(svc.db, deleted.business_connection_id, deleted.chat.id)
    insert_event(svc.db, "business_deleted", svc.now(), request_id=latest["id"] if latest else None,
                 detail=",".join(str(i) for i in deleted.message_ids)[:200])


def register(app: Application) -> None:
    """Register the business door; its message filters never match the bot's own private chats."""
    app.add_handler(BusinessConnectionHandler(track_connection))
    app.add_handler(MessageHandler(filters.UpdateType.BUSINESS_MESSAGE, screen_business_message))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_BUSINESS_MESSAGE, receive_business_edit))
    app.add_handler(BusinessMessagesDeletedHandler(record_deletion))
