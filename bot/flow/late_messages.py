"""What a requester writes while their request waits for a decision ("hello, any news?"): kept, shown on the card."""

from collections.abc import Mapping
from datetime import timedelta

from telegram import Bot

from bot.core.card import LATE_CHARS
from bot.core.text import shorten
from bot.core.vocabulary import Kind
from bot.flow.cards import refresh_card
from bot.flow.deps import Deps
from bot.flow.requester import message_requester, render_for
from db.events import insert_event
from db.late_messages import claim_late_notice, insert_late_message

LATE_KEEP = 3  # messages kept per request: the newest, as the last word is what the owner needs to see
# Told at most once a day that their message was added: a burst of "hello?" gets one answer, not one each, yet
# someone who writes again the next day learns that the bot still listens.
LATE_NOTICE_EVERY = timedelta(days=1)


async def add_later(deps: Deps, bot: Bot, request: Mapping, text: str) -> None:
    """Keep a waiting requester's message for the card (bounded), redraw the card, and tell them it was added
    (not in business chats: that is the owner's own chat, where the bot says nothing once the card is out)."""
    now = deps.now()
    insert_late_message(deps.db, request["id"], shorten(text, LATE_CHARS), now, keep=LATE_KEEP)
    insert_event(deps.db, "added_later", now, request_id=request["id"], user_id=request["user_id"],
                 detail=text[:200])
    await refresh_card(deps, bot, request["id"])
    if request["kind"] != Kind.BUSINESS and claim_late_notice(deps.db, request["id"], now, now - LATE_NOTICE_EVERY):
        await message_requester(deps, bot, request, render_for(deps, request, "requester/added_later.html.j2"))
