"""Join requests to the owner's groups and channels, the bot's admin status there, /chats and /links."""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot
from telegram.error import TelegramError

from bot.core.card import chat_problem
from bot.core.text import LIST_NAME_CHARS, TITLE_CHARS, shorten
from bot.core.vocabulary import JOIN_WINDOW, Kind, Standing, Status
from bot.flow import intake
from bot.flow.cards import refresh_card
from bot.flow.deps import Deps
from bot.telegram.outbox import notify_reviewers
from db.chats import (
    get_chat,
    list_chats_with_pending,
    list_screened_chats,
    set_chat_invite_link,
    set_chat_username,
    upsert_chat,
)
from db.events import insert_event
from db.people import upsert_person
from db.requests import get_open_join_request, list_open_for_chat, list_open_in_private_chat, set_unreachable
from db.time import stamp

log = logging.getLogger(__name__)
LINK_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
ADMIN = ("administrator", "creator")


@dataclass(frozen=True)
class JoinRequest:
    """A chat join request as plain values."""

    person: Mapping
    chat_id: int
    chat_title: str
    chat_type: str
    user_chat_id: int
    bio: str | None
    link_name: str | None  # the invite link's name: the request's source
    date: datetime  # when it was made: the bot may write to the requester for JOIN_WINDOW from then
    chat_username: str | None = None  # the chat's public @username, if it has one
    invite_link: str | None = None  # the link they used, when the bot made it (others' links come half hidden)


async def screen_join_request(deps: Deps, bot: Bot, join: JoinRequest) -> None:
    """A join request: blocked people are declined, known ones let in, others asked the first question at once
    (the 5-minute window)."""
    now = deps.now()
    person = upsert_person(deps.db, join.person, now)
    if get_chat(deps.db, join.chat_id) is None:
        upsert_chat(deps.db, join.chat_id, title=join.chat_title, type=join.chat_type,
                    bot_status="administrator", can_invite_users=True, now=now)
    set_chat_username(deps.db, join.chat_id, join.chat_username)
    if join.invite_link:
        set_chat_invite_link(deps.db, join.chat_id, join.invite_link)
    if person["standing"] == Standing.BLOCKED:
        insert_event(deps.db, "auto_declined_blocked", now, user_id=person["user_id"], detail=str(join.chat_id))
        try:
            await bot.decline_chat_join_request(join.chat_id, person["user_id"])
        except TelegramError as exc:
            log.info("could not decline blocked user %s: %s", person["user_id"], exc)
        return
    if person["standing"] == Standing.ALLOWED and deps.settings.auto_approve_known:
        await intake.approve_known(deps, bot, person, join.chat_id, join.user_chat_id, source=join.link_name)
        return
    existing = get_open_join_request(deps.db, person["user_id"], join.chat_id)
    if existing is not None:
        insert_event(deps.db, "join_repeated", now, request_id=existing["id"], user_id=person["user_id"])
        if existing["status"] == Status.ASKING:
            # Telegram: user_chat_id is usable for 5 minutes only; a repeated request reopens that window.
            await intake.ask(deps, bot, existing, write_by=join.date + JOIN_WINDOW)
        return
    await intake.open_request(
        deps, bot, kind=Kind.JOIN, user_id=person["user_id"], reply_chat_id=join.user_chat_id,
        source=join.link_name or None, target_chat_id=join.chat_id, bio=join.bio,
        answer_deadline=stamp(now + deps.settings.join_answer_timeout), write_by=join.date + JOIN_WINDOW)


async def requester_left(deps: Deps, bot: Bot, chat_id: int) -> None:
    """A requester blocked the bot: their open requests can no longer be answered, and their cards say so."""
    for request in list_open_in_private_chat(deps.db, chat_id):
        set_unreachable(deps.db, request["id"], "bot was blocked by the user")
        await refresh_card(deps, bot, request["id"])


def _state(chat: Mapping | None) -> str | None:
    if chat is None:
        return None
    if chat["bot_status"] not in ADMIN:
        return "removed"
    return "screening" if chat["can_invite_users"] else "missing_right"


async def track_bot_membership(deps: Deps, bot: Bot, *, chat_id: int, title: str, chat_type: str, status: str,
                               can_invite_users: bool, actor_id: int, username: str | None = None) -> None:
    """The bot's rights in a group or channel changed: tell the owner what it now screens or lacks."""
    old_state = _state(get_chat(deps.db, chat_id))
    upsert_chat(deps.db, chat_id, title=title, type=chat_type, bot_status=status, can_invite_users=can_invite_users,
                now=deps.now())
    set_chat_username(deps.db, chat_id, username)
    state = _state(get_chat(deps.db, chat_id))
    insert_event(deps.db, f"chat_{state}", deps.now(), actor_id=actor_id, detail=str(chat_id))
    if state == old_state:
        return
    open_requests = list_open_for_chat(deps.db, chat_id)
    if state != "removed" or old_state is not None:
        await notify_reviewers(bot, deps.settings.owner_id, deps.prompts.render(
            "owner/chat_status.html.j2", state=state, title=shorten(title, TITLE_CHARS), pending=len(open_requests)))
    for request in open_requests:
        await refresh_card(deps, bot, request["id"])


def chats_text(deps: Deps) -> str:
    """/chats: every known group or channel, whether it is screened, and its open requests."""
    chats = [{**c, "title": shorten(c["title"], LIST_NAME_CHARS), "ok": chat_problem(c) is None,
              "problem": chat_problem(c)} for c in list_chats_with_pending(deps.db)]
    return deps.prompts.render("owner/chats.html.j2", chats=chats)


async def create_link(deps: Deps, bot: Bot, args: list[str], actor_id: int) -> str:
    """/links <source> [chat id]: a new invite link that needs approval, named after the source; the reply."""
    source = args[0] if args else ""
    values = {"source": source, "chats": [], "title": "", "link": "", "detail": "", "error": None}
    chats = list_screened_chats(deps.db)
    target = None
    if not LINK_NAME_RE.match(source) or len(args) > 2:
        values["error"] = "usage"
    elif not chats:
        values["error"] = "no_chat"
    elif len(args) == 2:
        target = next((c for c in chats if str(c["chat_id"]) == args[1]), None)
        values["error"] = None if target else "which_chat"
    elif len(chats) == 1:
        target = chats[0]
    else:
        values["error"] = "which_chat"
    values["chats"] = [{**c, "title": shorten(c["title"], LIST_NAME_CHARS)} for c in chats]
    if target is not None:
        try:
            link = await bot.create_chat_invite_link(target["chat_id"], name=source, creates_join_request=True)
        except TelegramError as exc:
            values.update(error="telegram", detail=str(exc))
        else:
            values.update(title=shorten(target["title"], TITLE_CHARS), link=link.invite_link)
            set_chat_invite_link(deps.db, target["chat_id"], link.invite_link)
            insert_event(deps.db, "link_created", deps.now(), actor_id=actor_id,
                         detail=f"{target['chat_id']} {source}")
    return deps.prompts.render("owner/links.html.j2", **values)
