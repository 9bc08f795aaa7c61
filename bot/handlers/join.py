"""Join requests to the owner's groups and channels, the bot's admin status there, /chats and /links."""

import logging
import re

from telegram import ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import Application, ChatJoinRequestHandler, ChatMemberHandler, CommandHandler, ContextTypes

from bot import pipeline
from bot.cards import chat_problem
from bot.handlers.common import person_from_user, services
from bot.handlers.guard import reviewer_command
from bot.outbox import notify_reviewers
from db.chats import get_chat, list_chats_with_pending, list_screened_chats, upsert_chat
from db.events import insert_event
from db.people import upsert_person
from db.requests import get_open_join_request, list_open_for_chat, list_open_in_private_chat, set_unreachable

log = logging.getLogger(__name__)
LINK_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
ADMIN = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def screen_join_request(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a join request: asks the requester the first question at once (the 5-minute window)."""
    svc = services(context)
    join = update.chat_join_request
    now = svc.now()
    person = upsert_person(svc.db, person_from_user(join.from_user), now)
    if get_chat(svc.db, join.chat.id) is None:
        upsert_chat(svc.db, join.chat.id, title=join.chat.title or str(join.chat.id), type=join.chat.type,
                    bot_status=ChatMember.ADMINISTRATOR, can_invite_users=True, now=now)
    if person["standing"] == "blocked":
        insert_event(svc.db, "auto_declined_blocked", now, user_id=person["user_id"], detail=str(join.chat.id))
        try:
            await context.bot.decline_chat_join_request(join.chat.id, person["user_id"])
        except TelegramError as exc:
            log.info("could not decline blocked user %s: %s", person["user_id"], exc)
        return
    if person["standing"] == "allowed" and svc.settings.auto_approve_known:
        await pipeline.approve_known(svc, context.bot, person, join.chat.id, join.user_chat_id,
                                     source=join.invite_link.name if join.invite_link else None)
        return
    existing = get_open_join_request(svc.db, person["user_id"], join.chat.id)
    if existing is not None:
        insert_event(svc.db, "join_repeated", now, request_id=existing["id"], user_id=person["user_id"])
        if existing["status"] == "asking":
            # Telegram: user_chat_id is usable for 5 minutes only; a repeated request reopens that window.
            await pipeline.ask(svc, context.bot, existing)
        return
    await pipeline.open_request(
        svc, context.bot, kind="join", user_id=person["user_id"], reply_chat_id=join.user_chat_id,
        source=join.invite_link.name if join.invite_link and join.invite_link.name else None,
        target_chat_id=join.chat.id, bio=join.bio,
        answer_deadline=(now + svc.settings.join_answer_timeout).isoformat(timespec="seconds"))


async def track_bot_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers a change of the bot's own membership: tells the owner what it now screens or what it lacks."""
    svc = services(context)
    change = update.my_chat_member
    chat, new = change.chat, change.new_chat_member
    if chat.type == chat.PRIVATE:
        if new.status in (ChatMember.BANNED, ChatMember.LEFT):
            # A requester blocked the bot: their open requests can no longer be answered.
            for request in list_open_in_private_chat(svc.db, chat.id):
                set_unreachable(svc.db, request["id"], "bot was blocked by the user")
                await pipeline.refresh_card(svc, context.bot, request["id"])
        return
    old_state = _state(get_chat(svc.db, chat.id))
    can_invite = bool(getattr(new, "can_invite_users", False)) or new.status == ChatMember.OWNER
    upsert_chat(svc.db, chat.id, title=chat.title or str(chat.id), type=chat.type, bot_status=new.status,
                can_invite_users=can_invite, now=svc.now())
    state = _state(get_chat(svc.db, chat.id))
    insert_event(svc.db, f"chat_{state}", svc.now(), actor_id=change.from_user.id, detail=str(chat.id))
    if state == old_state:
        return
    open_requests = list_open_for_chat(svc.db, chat.id)
    if state != "removed" or old_state is not None:
        await notify_reviewers(context.bot, svc.settings.owner_id, svc.renderer.render(
            "owner/chat_status.html.j2", state=state, title=chat.title or str(chat.id), pending=len(open_requests)))
    for request in open_requests:
        await pipeline.refresh_card(svc, context.bot, request["id"])


def _state(chat: dict | None) -> str | None:
    if chat is None:
        return None
    if chat["bot_status"] not in ADMIN:
        return "removed"
    return "screening" if chat["can_invite_users"] else "missing_right"


@reviewer_command
async def list_chats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /chats with every known group or channel, whether it is screened, and its open requests."""
    svc = services(context)
    chats = [{**c, "ok": chat_problem(c) is None, "problem": chat_problem(c)} for c in list_chats_with_pending(svc.db)]
    await update.effective_message.reply_text(svc.renderer.render("owner/chats.html.j2", chats=chats))


@reviewer_command
async def create_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /links <source> [chat id] with a new invite link that needs approval, named after the source."""
    svc = services(context)
    args = context.args or []
    source = args[0] if args else ""
    values = {"source": source, "chats": [], "title": "", "link": "", "detail": "", "error": None}
    chats = list_screened_chats(svc.db)
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
    values["chats"] = chats
    if target is not None:
        try:
            link = await context.bot.create_chat_invite_link(target["chat_id"], name=source,
                                                             creates_join_request=True)
        except TelegramError as exc:
            values.update(error="telegram", detail=str(exc))
        else:
            values.update(title=target["title"], link=link.invite_link)
            insert_event(svc.db, "link_created", svc.now(), actor_id=update.effective_user.id,
                         detail=f"{target['chat_id']} {source}")
    await update.effective_message.reply_text(svc.renderer.render("owner/links.html.j2", **values))


def register(app: Application) -> None:
    """Register join-request screening, the bot's membership tracking and the chat commands."""
    app.add_handler(ChatJoinRequestHandler(screen_join_request))
    app.add_handler(ChatMemberHandler(track_bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CommandHandler("chats", list_chats))
    app.add_handler(CommandHandler("links", create_link))
