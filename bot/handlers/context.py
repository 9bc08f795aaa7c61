"""The handlers' typed context (`context.deps`), and an Update read into the plain values the flow takes."""

from telegram import Update
from telegram.ext import CallbackContext, ExtBot

from bot.core.text import full_name
from bot.core.vocabulary import Actor
from bot.flow.deps import Deps
from bot.flow.inbox import Incoming
from bot.jobs import deps_of
from bot.telegram.read import message_text, person_from_user


class DoormanContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with the flow's dependencies."""

    @property
    def deps(self) -> Deps:
        """Settings, database, prompts and clock of the running bot."""
        return deps_of(self.application)


def incoming(update: Update) -> Incoming:
    """A requester's message (private or business) as plain values."""
    message = update.effective_message
    return Incoming(person=person_from_user(message.from_user), chat_id=message.chat_id,
                    message_id=message.message_id, text=message_text(message),
                    business_connection_id=message.business_connection_id)


def actor(update: Update) -> Actor:
    """The reviewer behind an update, as the one who decides."""
    return Actor(update.effective_user.id, full_name(person_from_user(update.effective_user)))
