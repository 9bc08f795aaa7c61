"""Who may do what: refusals for non-reviewers (recorded), the reviewers' help and Telegram's command menu."""

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.core.commands import EVERYONE_COMMANDS, EVERYONE_COMMANDS_IN, REVIEWER_COMMANDS, command_word
from bot.flow.deps import Deps
from bot.flow.languages import language_of_person
from db.events import insert_event
from db.people import get_person

log = logging.getLogger(__name__)


def refuse_command(deps: Deps, user_id: int, text: str | None, language_code: str | None = None) -> str:
    """A non-reviewer used an owner command: record it; the polite refusal, in their language."""
    insert_event(deps.db, "refused_command", deps.now(), user_id=user_id, detail=(text or "")[:100])
    return _in_their_language(deps, user_id, "requester/not_reviewer.html.j2", language_code)


def refuse_press(deps: Deps, user_id: int, data: str | None, language_code: str | None = None) -> str:
    """A non-reviewer pressed a reviewer's button: record it; the alert they see, in their language."""
    insert_event(deps.db, "refused_press", deps.now(), user_id=user_id, detail=data)
    return _in_their_language(deps, user_id, "requester/not_reviewer_alert.txt.j2", language_code)


def _in_their_language(deps: Deps, user_id: int, template: str, language_code: str | None = None) -> str:
    """A requester template in the person's language: the update's language_code, else the one stored for them."""
    person = {"language_code": language_code} if language_code else get_person(deps.db, user_id)
    language = language_of_person(deps, person)
    return deps.prompts.render(deps.prompts.template_for({"kind": "direct", "language": language}, template))


def help_text(deps: Deps) -> str:
    """What the bot does and the reviewers' commands."""
    return deps.prompts.render("owner/help.html.j2", review_chat=deps.settings.review_chat_id is not None,
                               undo_seconds=round(deps.settings.undo_window.total_seconds()))


def stale_press_alert(deps: Deps, user_id: int) -> str:
    """The alert for a button whose data no handler accepts (old, tampered or foreign): nothing changes."""
    if deps.settings.is_reviewer(user_id):
        return deps.prompts.render("owner/stale_button_alert.txt.j2")
    return _in_their_language(deps, user_id, "requester/stale_button_alert.txt.j2")


def reviewer_fallback_text(deps: Deps, text: str | None) -> str:
    """What a reviewer's message nothing else handled gets: 'I don't know /foo' and the commands, or the help."""
    command = command_word(text)
    if command is None:
        return help_text(deps)
    return deps.prompts.render("owner/unknown_command.html.j2", command=command, commands=REVIEWER_COMMANDS)


async def publish_commands(deps: Deps, bot: Bot) -> int:
    """Fill Telegram's "/" menu: /start and /help for everyone (in each language they are translated into), the
    reviewers' commands in each reviewer's chat and the review chat. A chat Telegram refuses (a reviewer who never
    pressed Start) is logged; returns how many took."""
    menus = [(BotCommandScopeDefault(), EVERYONE_COMMANDS, None)]
    menus += [(BotCommandScopeDefault(), commands, language) for language, commands in EVERYONE_COMMANDS_IN.items()]
    chats = dict.fromkeys((*deps.settings.reviewers, deps.settings.card_chat_id))
    menus += [(BotCommandScopeChat(chat_id), REVIEWER_COMMANDS, None) for chat_id in chats]
    done = 0
    for scope, commands, language in menus:
        try:
            await bot.set_my_commands([BotCommand(name, text) for name, text in commands], scope=scope,
                                      language_code=language)
            done += 1
        except TelegramError as exc:
            log.info("could not set the command menu for %s: %s", scope.to_dict(), exc)
    return done
