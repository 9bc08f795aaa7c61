"""What a reviewer's press or typed reply does: decide, Ask more, Later and its Undo, Open, Decline all suggested."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot, ForceReply, InlineKeyboardMarkup

from bot.core.text import full_name
from bot.core.vocabulary import Actor, Decision, is_open, outcome_word
from bot.flow.cards import deliver_card, refresh_card, resurface_card
from bot.flow.decisions import decide, undo
from bot.flow.deps import Deps
from bot.flow.followups import relay_owner_question
from bot.flow.raids import batch_markup, on_batch, render_batch
from bot.telegram.keyboards import without_requests
from bot.telegram.outbox import drop_keyboard, edit
from db.events import insert_event
from db.followups import pop_owner_prompt, set_owner_prompt
from db.people import get_person
from db.raids import claim_decline_all, get_batch
from db.requests import get_request, set_snooze


@dataclass(frozen=True)
class Press:
    """A reviewer's button press as plain values."""

    actor: Actor
    action: str  # what the button does: accept, decline, block, ignore, undo, ask, later, unsnooze, open, declineall
    request_id: int  # or the batch id: the number in the callback data
    chat_id: int | None  # where the pressed message is (None if Telegram no longer says)
    message_id: int | None
    markup: InlineKeyboardMarkup | None = None  # the pressed message's keyboard


def _outcome(deps: Deps, status: str, kind: str, ignored: bool = False) -> str:
    word = outcome_word(status, kind, ignored)
    return deps.prompts.labels["outcome"].get(word, word)


def _outcome_of(deps: Deps, request: Mapping) -> str:
    return _outcome(deps, request["status"], request["kind"], bool(request.get("ignored")))


def already_decided_alert(deps: Deps, request: Mapping | None) -> str:
    """The alert for a press on a request that is closed (or unknown)."""
    return deps.prompts.render("owner/already_decided_alert.txt.j2",
                               status=_outcome_of(deps, request) if request else "")


async def decide_pressed(deps: Deps, bot: Bot, press: Press) -> str | None:
    """Accept / Decline / Block / Ignore pressed: decide once (held for Undo) and redraw; the alert to show
    (None: nothing to say)."""
    if get_request(deps.db, press.request_id) is None:
        return None
    status = await decide(deps, bot, press.request_id, Decision(press.action), press.actor, undoable=True)
    request = get_request(deps.db, press.request_id)
    if status is None:
        alert = already_decided_alert(deps, request)
    else:
        held = request["carry_out_at"] is not None
        alert = deps.prompts.render("owner/decided_alert.txt.j2", status=_outcome_of(deps, request),
                                    undo_seconds=round(deps.settings.undo_window.total_seconds()) if held else None)
    if press.message_id is not None and press.message_id != request["card_message_id"]:
        # Pressed on a list (/pending, a reminder, the weekly summary): drop that request's row, keep the text.
        await drop_keyboard(bot, press.chat_id, press.message_id, without_requests(press.markup, {request["id"]}))
    return alert


async def undo_pressed(deps: Deps, bot: Bot, press: Press) -> str:
    """Undo pressed: a decision inside its undo window goes back to pending with the full card; the alert (too
    late, once the window has closed)."""
    request = get_request(deps.db, press.request_id)
    if request is None:
        return already_decided_alert(deps, None)
    undone = await undo(deps, bot, request["id"], press.actor)
    request = get_request(deps.db, request["id"])
    return deps.prompts.render("owner/undo_alert.txt.j2", undone=undone, id=request["id"],
                               status="" if undone or is_open(request["status"]) else _outcome_of(deps, request))


async def start_asking_more(deps: Deps, bot: Bot, press: Press) -> str | None:
    """Ask more pressed: ask the reviewer for one question (a reply, so group privacy mode lets it in);
    the alert when the request is closed."""
    request = get_request(deps.db, press.request_id)
    if request is None or not is_open(request["status"]):
        return already_decided_alert(deps, request)
    person = get_person(deps.db, request["user_id"])
    prompt = await bot.send_message(
        press.chat_id, deps.prompts.render("owner/ask_prompt.html.j2", id=request["id"], name=full_name(person)),
        reply_markup=ForceReply(selective=True, input_field_placeholder="Your question"))
    set_owner_prompt(deps.db, press.chat_id, press.actor.user_id, request["id"], prompt.message_id, deps.now())
    return None


async def receive_reviewer_text(deps: Deps, bot: Bot, chat_id: int, user_id: int, text: str) -> str | None:
    """A reviewer's typed text: the question after Ask more is relayed; the reply to send, or None when the
    text was not an answer to a prompt."""
    prompt = pop_owner_prompt(deps.db, chat_id, user_id)
    if prompt is None:
        return None
    sent = await relay_owner_question(deps, bot, prompt["request_id"], text, user_id)
    return deps.prompts.render("owner/question_sent.html.j2", sent=sent, id=prompt["request_id"])


async def snooze(deps: Deps, bot: Bot, press: Press) -> str:
    """Later pressed: fold the card to one line with Undo for SNOOZE_DAYS (it comes back in full as a new
    message then); the alert."""
    request = get_request(deps.db, press.request_id)
    if request is None or not is_open(request["status"]):
        return already_decided_alert(deps, request)
    days = deps.settings.snooze_days
    set_snooze(deps.db, request["id"], deps.now() + timedelta(days=days))
    insert_event(deps.db, "snoozed", deps.now(), request_id=request["id"], actor_id=press.actor.user_id)
    await refresh_card(deps, bot, request["id"])
    return deps.prompts.render("owner/snoozed_alert.txt.j2", days=days)


async def unsnooze(deps: Deps, bot: Bot, press: Press) -> str | None:
    """Undo pressed on a folded card: the snooze ends and the full card with all its buttons is back in place;
    the alert when the request is closed."""
    request = get_request(deps.db, press.request_id)
    if request is None or not is_open(request["status"]):
        return already_decided_alert(deps, request)
    if request["snoozed_until"]:
        set_snooze(deps.db, request["id"], None)
        insert_event(deps.db, "unsnoozed", deps.now(), request_id=request["id"], actor_id=press.actor.user_id)
    await refresh_card(deps, bot, request["id"])
    return None


async def open_card(deps: Deps, bot: Bot, press: Press) -> None:
    """A request number on a batched card: send (or bring back) that request's own card."""
    request = get_request(deps.db, press.request_id)
    if request is None:
        return
    if request["card_message_id"]:
        await resurface_card(deps, bot, request["id"])
    else:
        await deliver_card(deps, bot, request["id"], force=True)


async def decline_all_suggested(deps: Deps, bot: Bot, press: Press,
                                answer: Callable[[str | None], Awaitable[object]]) -> None:
    """'Decline all suggested' on a batched card: declines, once, every open request it suggests declining.
    The press is answered (`answer`) before the work, which may take a while."""
    batch = get_batch(deps.db, press.request_id)
    if batch is None or not claim_decline_all(deps.db, batch["id"], press.actor.user_id, deps.now()):
        await answer(deps.prompts.render("owner/already_decided_alert.txt.j2", status=""))
        return
    await answer(None)
    # Read in pages, keeping every field of the listed few only: a raid's batch holds thousands.
    requests, actions = on_batch(deps, batch["id"])
    declined = 0
    for request in requests:
        if is_open(request["status"]) and actions[request["id"]] == "decline" \
                and await decide(deps, bot, request["id"], Decision.DECLINE, press.actor):
            declined += 1
    requests, _ = on_batch(deps, batch["id"], judge=False)
    text = render_batch(deps, requests, actions, declined_by=press.actor.name, declined=declined)
    await edit(bot, batch["chat_id"], batch["message_id"], text,
               reply_markup=batch_markup(deps, batch["id"], requests, 0))
