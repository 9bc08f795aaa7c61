"""Reviewers' memory commands: /allow, /block, /unblock, /people (paged) and /history."""

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import pipeline
from bot.callbacks import decode, pattern
from bot.cards import full_name, local_time
from bot.handlers.common import person_from_user, services
from bot.handlers.guard import reviewer_command, reviewer_press
from bot.keyboards import pages_keyboard
from bot.outbox import edit
from db.events import insert_event
from db.people import find_person, list_people, set_standing
from db.requests import list_open_requests_of, list_requests_of

PAGE_SIZE = 20
STANDINGS = {"allow": "allowed", "block": "blocked", "unblock": "unknown"}
DECISION_FOR = {"allow": "accept", "block": "block"}


async def _target(update: Update, context: ContextTypes.DEFAULT_TYPE, command: str) -> dict | None:
    """The person named in the command (@username or id); explains the usage or the miss otherwise."""
    svc = services(context)
    handle = context.args[0] if len(context.args or []) == 1 else ""
    person = find_person(svc.db, handle) if handle else None
    if person is None:
        await update.effective_message.reply_text(svc.renderer.render(
            "owner/person_unknown.html.j2", command=command, handle=handle))
    return person


@reviewer_command
async def change_standing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /allow, /block and /unblock: records the standing and decides that person's open requests."""
    svc = services(context)
    command = update.effective_message.text.split()[0].lstrip("/").split("@")[0].lower()
    person = await _target(update, context, command)
    if person is None:
        return
    actor = person_from_user(update.effective_user)
    decided = 0
    if command in DECISION_FOR:
        for request in list_open_requests_of(svc.db, person["user_id"]):
            if await pipeline.decide(svc, context.bot, request["id"], DECISION_FOR[command], actor):
                decided += 1
    set_standing(svc.db, person["user_id"], STANDINGS[command], svc.now())
    insert_event(svc.db, f"standing_{STANDINGS[command]}", svc.now(), user_id=person["user_id"],
                 actor_id=actor["user_id"])
    await update.effective_message.reply_text(svc.renderer.render(
        "owner/standing_changed.html.j2", name=full_name(person), standing=STANDINGS[command], decided=decided))


def _people_page(svc, standing: str | None, page: int) -> tuple[str, object]:
    rows, total = list_people(svc.db, standing, PAGE_SIZE, page * PAGE_SIZE)
    people = [{"name": full_name(p), "username": p["username"], "user_id": p["user_id"], "standing": p["standing"]}
              for p in rows]
    text = svc.renderer.render("owner/people.html.j2", people=people, total=total, page=page + 1,
                               pages=max(1, -(-total // PAGE_SIZE)), standing=standing)
    return text, pages_keyboard(page, (page + 1) * PAGE_SIZE < total, standing, svc.labels)


@reviewer_command
async def list_known_people(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /people [allowed|blocked]: a paged list of people the owner has decided about."""
    svc = services(context)
    standing = (context.args or [None])[0]
    if standing not in (None, "allowed", "blocked"):
        standing = None
    text, markup = _people_page(svc, standing, 0)
    await update.effective_message.reply_text(text, reply_markup=markup)


@reviewer_press
async def turn_people_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers Back / Next on the /people list by redrawing it in place."""
    svc = services(context)
    query = update.callback_query
    data = decode(query.data)
    if data is None:
        await query.answer()
        return
    await query.answer()
    standing = data.arg if data.arg in ("allowed", "blocked") else None
    text, markup = _people_page(svc, standing, data.request_id)
    await edit(context.bot, query.message.chat_id, query.message.message_id, text, reply_markup=markup)


@reviewer_command
async def show_history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /history @user|id: every request of that person and how it was decided."""
    svc = services(context)
    person = await _target(update, context, "history")
    if person is None:
        return
    requests = [{"id": r["id"], "kind": r["kind"], "status": r["status"], "source": r["source"],
                 "created_at": local_time(r["created_at"], svc.settings),
                 "decided_at": local_time(r["decided_at"], svc.settings), "decided_by": r["decided_by_name"]}
                for r in list_requests_of(svc.db, person["user_id"])][-30:]
    await update.effective_message.reply_text(svc.renderer.render(
        "owner/history.html.j2", name=full_name(person), username=person["username"], user_id=person["user_id"],
        standing=person["standing"], requests=requests))


def register(app: Application) -> None:
    """Register the memory commands."""
    app.add_handler(CommandHandler(["allow", "block", "unblock"], change_standing))
    app.add_handler(CommandHandler("people", list_known_people))
    app.add_handler(CommandHandler("history", show_history))
    app.add_handler(CallbackQueryHandler(turn_people_page, pattern=pattern("people")))
