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


def refuse_command(deps: Deps, user_id: int, text: str | None) -> str:
    """A non-reviewer used an owner command: record it; the polite refusal."""
    insert_event(deps.db, "refused_command", deps.now(), user_id=user_id, detail=(text or "")[:100])
    return deps.prompts.render("owner/not_reviewer.html.j2")


def refuse_press(deps: Deps, user_id: int, data: str | None) -> str:
    """A non-reviewer pressed a reviewer's button: record it; the alert they see."""
    insert_event(deps.db, "refused_press", deps.now(), user_id=user_id, detail=data)
    return deps.prompts.render("owner/not_reviewer_alert.txt.j2")


def help_text(deps: Deps) -> str:
    """What the bot does and the reviewers' commands."""
    return deps.prompts.render("owner/help.html.j2", review_chat=deps.settings.review_chat_id is not None,
                               undo_seconds=round(deps.settings.undo_window.total_seconds()))


def stale_press_alert(deps: Deps, user_id: int) -> str:
    """The alert for a button whose data no handler accepts (old, tampered or foreign): nothing changes."""
    if deps.settings.is_reviewer(user_id):
        return deps.prompts.render("owner/stale_button_alert.txt.j2")
    language = language_of_person(deps, get_person(deps.db, user_id))
    return deps.prompts.render(deps.prompts.template_for({"kind": "direct", "language": language},
                                                         "requester/stale_button_alert.txt.j2"))


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
