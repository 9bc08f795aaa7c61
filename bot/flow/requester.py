"""Talking to a requester: their templates (with per-chat and per-door overrides) and sending, recording failures."""

from collections.abc import Mapping

from telegram import Bot, Message

from bot.core.text import FULL_NAME_CHARS, TITLE_CHARS, USERNAME_CHARS, bounded, first_name
from bot.core.vocabulary import Status
from bot.flow.deps import Deps
from bot.flow.languages import language_of_person
from bot.telegram.outbox import Unreachable, tell
from db.business import get_connection
from db.chats import get_chat
from db.events import insert_event
from db.people import get_person
from db.requests import set_unreachable

DECISION_TEMPLATES = {Status.ACCEPTED: "requester/accepted.html.j2", Status.DECLINED: "requester/declined.html.j2",
                      Status.EXPIRED: "requester/expired.html.j2"}


def chat_link(chat: Mapping | None) -> str | None:
    """A link that opens the chat: its public @username's, else an invite link the bot made; None if neither."""
    if chat is None:
        return None
    if chat.get("username"):
        return f"https://t.me/{chat['username']}"
    return chat.get("invite_link") or None


def requester_values(deps: Deps, request: Mapping) -> dict:
    """Values every requester template may use."""
    person = get_person(deps.db, request["user_id"])
    chat = get_chat(deps.db, request["target_chat_id"]) if request.get("target_chat_id") else None
    connection = (get_connection(deps.db, request["business_connection_id"])
                  if request.get("business_connection_id") else None)
    owner = get_person(deps.db, deps.settings.owner_id) or {}
    return {"first_name": first_name(person), "contact_line": deps.settings.contact_line,
            "chat_title": bounded(chat["title"], TITLE_CHARS) if chat else None, "chat_link": chat_link(chat),
            "kind": request["kind"],
            "owner_name": bounded((connection or {}).get("owner_name"), FULL_NAME_CHARS) or "",
            "owner_username": bounded(owner.get("username"), USERNAME_CHARS) or ""}


def render_for_person(deps: Deps, person: Mapping, name: str) -> str:
    """Render a requester template for someone without a request (e.g. an allowed person saying hello), in their
    Telegram language."""
    place = deps.prompts.template_for({"kind": "direct", "language": language_of_person(deps, person)}, name)
    return deps.prompts.render(place, first_name=first_name(person),
                               contact_line=deps.settings.contact_line, chat_title=None, chat_link=None,
                               kind="direct", owner_name="", owner_username="")


def render_for(deps: Deps, request: Mapping, name: str, **extra) -> str:
    """Render a requester template, preferring the request's chat or door override."""
    return deps.prompts.render(deps.prompts.template_for(request, name), **requester_values(deps, request), **extra)


async def message_requester(deps: Deps, bot: Bot, request: Mapping, text: str, *, reply: bool = True,
                            **kwargs) -> Message | None:
    """Send a message to the requester (a reply to them unless it opens the conversation); on Unreachable record
    it on the request and return None."""
    try:
        return await tell(bot, request["reply_chat_id"], text,
                          business_connection_id=request.get("business_connection_id"), reply=reply, **kwargs)
    except Unreachable as exc:
        set_unreachable(deps.db, request["id"], exc.reason)
        insert_event(deps.db, "unreachable", deps.now(), request_id=request["id"], user_id=request["user_id"],
                     detail=exc.reason)
        return None


def decision_template(deps: Deps, status: str) -> str | None:
    """The requester template telling them a decision, or None when the decision is silent."""
    if status == Status.DECLINED and deps.settings.decline_silent:
        return None
    return DECISION_TEMPLATES.get(status)
