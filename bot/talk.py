"""Talking to requesters: render their templates (with chat/door overrides) and send, recording failures."""

from telegram import Bot

from bot.outbox import Unreachable, tell
from bot.services import Services
from db.business import get_connection
from db.chats import get_chat
from db.events import insert_event
from db.people import get_person
from db.requests import set_unreachable


def requester_values(svc: Services, request: dict) -> dict:
    """Values every requester template may use."""
    person = get_person(svc.db, request["user_id"])
    chat = get_chat(svc.db, request["target_chat_id"]) if request.get("target_chat_id") else None
    connection = (get_connection(svc.db, request["business_connection_id"])
                  if request.get("business_connection_id") else None)
    return {"first_name": person["first_name"] or "there", "contact_line": svc.settings.contact_line,
            "chat_title": chat["title"] if chat else None, "kind": request["kind"],
            "owner_name": (connection or {}).get("owner_name") or ""}


def render_for_person(svc: Services, person: dict, name: str) -> str:
    """Render a requester template for someone without a request (e.g. an allowed person saying hello)."""
    return svc.renderer.render(name, first_name=person["first_name"] or "there", contact_line=svc.settings.contact_line,
                               chat_title=None, kind="direct", owner_name="")


def render_for(svc: Services, request: dict, name: str, **extra) -> str:
    """Render a requester template, preferring the request's chat or door override."""
    return svc.renderer.render(svc.template_for(request, name), **requester_values(svc, request), **extra)


async def message_requester(svc: Services, bot: Bot, request: dict, text: str, **kwargs) -> bool:
    """Send a message to the requester; on Unreachable record it on the request and return False."""
    try:
        await tell(bot, request["reply_chat_id"], text,
                   business_connection_id=request.get("business_connection_id"), **kwargs)
    except Unreachable as exc:
        set_unreachable(svc.db, request["id"], exc.reason)
        insert_event(svc.db, "unreachable", svc.now(), request_id=request["id"], user_id=request["user_id"],
                     detail=exc.reason)
        return False
    return True


def tell_template(status: str, svc: Services) -> str | None:
    """The requester template for a decision, or None when the decision is silent."""
    if status == "declined" and svc.settings.decline_silent:
        return None
    return {"accepted": "requester/accepted.html.j2", "declined": "requester/declined.html.j2",
            "expired": "requester/expired.html.j2"}.get(status)
