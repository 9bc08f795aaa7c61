"""The language a requester is asked in: Telegram's language_code when the request opens, then, once, the language
of their first typed message long and clear enough to tell (bot/core/languages.py decides; bot/langid.py guesses)."""

import asyncio
from collections.abc import Mapping

from bot.core.languages import language_for, long_enough
from bot.flow.deps import Deps
from db.events import insert_event
from db.people import get_person
from db.requests import get_request, set_language

TELEGRAM, TEXT = "telegram", "text"


def language_of_person(deps: Deps, person: Mapping | None) -> str:
    """The language to greet someone in, from their Telegram language_code (English when there are no texts)."""
    return language_for((person or {}).get("language_code"), deps.prompts.languages)


def opening_language(deps: Deps, user_id: int) -> dict:
    """The request's language fields when it opens."""
    return {"language": language_of_person(deps, get_person(deps.db, user_id)), "language_source": TELEGRAM}


async def settle_language(deps: Deps, request: Mapping, text: str | None) -> Mapping:
    """Take the language of a typed message when it is the requester's first clear one; the request as it is now."""
    if request.get("language_source") == TEXT or not long_enough(text) or not deps.settings.detect_language:
        return request
    guesser = deps.language_guesser
    if not guesser.loaded:
        deps.db.commit()  # the table loads off the event loop (about 10 ms): other updates go on in their own units
        await asyncio.to_thread(guesser.load)
    language = guesser.guess(text, deps.prompts.languages)
    if language is None:
        return request
    set_language(deps.db, request["id"], language, TEXT)
    if language != request.get("language"):
        insert_event(deps.db, "language_changed", deps.now(), request_id=request["id"], user_id=request["user_id"],
                     detail=f"{request.get('language')}→{language}")
    return get_request(deps.db, request["id"])
