"""Telegram Business: the owner's connection, and the owner stepping into a chat the bot was screening."""

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.core.commands import command_word
from bot.core.vocabulary import is_open
from bot.flow.cards import deliver_card
from bot.flow.deps import Deps
from bot.flow.inbox import Incoming, receive_message
from bot.flow.privacy import forget_me
from bot.telegram.outbox import notify_reviewers
from bot.telegram.read import connection_values
from db.business import get_connection, get_latest_business_request, mark_owner_spoke, upsert_connection
from db.events import insert_event
from db.requests import mark_answered, mark_taken_over

log = logging.getLogger(__name__)
FORGET_ME = "forget_me"


def store_connection(deps: Deps, values: dict) -> tuple[dict, dict | None]:
    """Store a connection (accepted only from the configured owner); return it and the row it replaced."""
    previous = upsert_connection(deps.db, values["connection_id"], user_id=values["user_id"],
                                 user_chat_id=values["user_chat_id"], owner_name=values["owner_name"],
                                 can_reply=values["can_reply"], is_enabled=values["is_enabled"],
                                 accepted=values["user_id"] == deps.settings.owner_id, now=deps.now())
    return get_connection(deps.db, values["connection_id"]), previous


async def track_connection(deps: Deps, bot: Bot, values: dict) -> None:
    """A business connection changed: store it and tell the owner what the bot will now do."""
    connection, previous = store_connection(deps, values)
    if not connection["accepted"]:
        if previous is None:
            log.warning("ignoring business connection %s from user %s: not the configured owner",
                        connection["connection_id"], connection["user_id"])
        return
    state = (connection["is_enabled"], connection["can_reply"])
    if previous is not None and (previous["is_enabled"], previous["can_reply"]) == state:
        return
    insert_event(deps.db, "business_connection", deps.now(), user_id=connection["user_id"],
                 detail=f"enabled={connection['is_enabled']} can_reply={connection['can_reply']}")
    await notify_reviewers(bot, deps.settings.owner_id, deps.prompts.render(
        "owner/business_status.html.j2", enabled=bool(connection["is_enabled"]),
        can_reply=bool(connection["can_reply"])))


async def connection_for(deps: Deps, bot: Bot, connection_id: str) -> dict | None:
    """The stored connection; fetched from Telegram if the bot missed its update (e.g. it was down)."""
    connection = get_connection(deps.db, connection_id)
    if connection is None:
        try:
            connection, _ = store_connection(deps, connection_values(await bot.get_business_connection(connection_id)))
        except TelegramError as exc:
            log.warning("unknown business connection %s: %s", connection_id, exc)
            return None
    return connection


async def screen_business_message(deps: Deps, bot: Bot, msg: Incoming) -> None:
    """A message in one of the owner's private chats: the owner's own steps the bot aside; a stranger's is
    screened like any requester's (bot/core/routing.py)."""
    connection = await connection_for(deps, bot, msg.business_connection_id)
    if connection is None or not connection["accepted"]:
        return
    if msg.person["user_id"] == connection["user_id"]:
        await owner_takes_over(deps, bot, connection, msg.chat_id)
        return
    if command_word(msg.text) == FORGET_ME:
        # The right to be forgotten holds at every door, the owner's own account included.
        await forget_me(deps, bot, msg.person["user_id"], msg.chat_id, msg.business_connection_id)
        return
    await receive_message(deps, bot, msg)


async def owner_takes_over(deps: Deps, bot: Bot, connection: dict, chat_id: int) -> None:
    """The owner wrote in the chat: never screen it again; an open request stops asking and its card says so."""
    mark_owner_spoke(deps.db, connection["connection_id"], chat_id, deps.now())
    latest = get_latest_business_request(deps.db, connection["connection_id"], chat_id)
    if latest is None or not is_open(latest["status"]) or latest["taken_over_at"]:
        return
    mark_taken_over(deps.db, latest["id"], deps.now())
    insert_event(deps.db, "taken_over", deps.now(), request_id=latest["id"], user_id=latest["user_id"],
                 actor_id=connection["user_id"])
    if mark_answered(deps.db, latest["id"], deps.now()):
        insert_event(deps.db, "answered", deps.now(), request_id=latest["id"], user_id=latest["user_id"])
    await deliver_card(deps, bot, latest["id"])


def record_deletion(deps: Deps, connection_id: str, chat_id: int, message_ids: list[int]) -> None:
    """Messages deleted in a business chat: recorded in the audit log, nothing else."""
    latest = get_latest_business_request(deps.db, connection_id, chat_id)
    insert_event(deps.db, "business_deleted", deps.now(), request_id=latest["id"] if latest else None,
                 detail=",".join(str(i) for i in message_ids)[:200])
