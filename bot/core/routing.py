"""What a requester's message means, for the bot's private chats and the owner's business chats alike.

One pure function decides; the private-chat and business handlers both call it (through bot/flow/inbox.py)."""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.core.vocabulary import Kind, Standing, Status


class Route(StrEnum):
    """What to do with one message from a requester."""

    IGNORE = "ignore"  # blocked, or the owner handles this chat: record it, say nothing
    RESUME = "resume"  # the opening message delivered again: ask the current question again
    ANSWER = "answer"  # an answer to the current question
    TEXT_ONLY = "text_only"  # a sticker, photo or poll while asked a question: ask for text
    FOLLOWUP = "followup"  # the reply to an open follow-up question
    ADD_LATER = "add_later"  # more text from someone whose request waits for a decision: kept for the card
    PASS_ON = "pass_on"  # a known person: the owner sees the message, no questions
    TELL_STATUS = "tell_status"  # they already asked: tell them where their request stands
    SILENT = "silent"  # a business chat with a request already shown to the owner: stay out of it
    OPEN = "open"  # a new request


# In the bot's own chat, someone whose last request is one of these is told where it stands.
TOLD_STATUSES = (Status.PENDING, Status.ACCEPTED, Status.DECLINED)


@dataclass(frozen=True)
class Situation:
    """What the database says about the sender and this chat when their message arrives."""

    door: Kind  # DIRECT (the bot's private chat) or BUSINESS (the owner's chat)
    standing: str
    message_id: int
    has_text: bool
    asking: Mapping | None = None  # the request whose questionnaire runs in this chat
    waiting: Mapping | None = None  # the request answered in this chat and waiting for a decision
    open_followup: bool = False  # `waiting` has a follow-up question without a reply
    latest: Mapping | None = None  # their latest request through this door (business: in this chat)
    owner_handles_chat: bool = False  # business: the owner has written in this chat


def route_message(s: Situation) -> Route:
    """Decide what a requester's message is: an answer, a follow-up reply, a new request, or nothing to act on."""
    if s.standing == Standing.BLOCKED or s.owner_handles_chat:
        return Route.IGNORE
    if s.door == Kind.BUSINESS and s.standing == Standing.ALLOWED:
        return Route.IGNORE  # the owner talks to known people on their own account
    if s.asking is not None:
        if s.asking.get("opening_message_id") == s.message_id:
            return Route.RESUME
        return Route.ANSWER if s.has_text else Route.TEXT_ONLY
    if s.waiting is not None and s.has_text and s.open_followup:
        return Route.FOLLOWUP
    if s.waiting is not None and s.has_text:
        return Route.ADD_LATER
    if s.door == Kind.BUSINESS:
        return Route.SILENT if s.latest is not None else Route.OPEN
    if s.standing == Standing.ALLOWED:
        return Route.PASS_ON
    if s.latest is not None and s.latest["status"] in TOLD_STATUSES:
        return Route.TELL_STATUS
    return Route.OPEN
