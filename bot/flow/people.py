"""Reviewers' memory of people: /allow, /block, /unblock, the paged /people list and /history."""

from collections.abc import Mapping

from telegram import Bot, InlineKeyboardMarkup

from bot.core.text import (
    FULL_NAME_CHARS,
    LABEL_CHARS,
    LIST_NAME_CHARS,
    USERNAME_CHARS,
    bounded,
    full_name,
    local_time,
    shorten,
)
from bot.core.vocabulary import Actor, Decision, Standing
from bot.flow.decisions import decide
from bot.flow.deps import Deps
from bot.telegram.keyboards import pages_keyboard
from db.events import insert_event
from db.people import find_person, list_people, set_standing, upsert_person
from db.requests import list_open_requests_of, list_requests_of, list_undoable_of, undo_decision
from db.time import parse_stamp

PAGE_SIZE = 20
STANDINGS = {"allow": Standing.ALLOWED, "block": Standing.BLOCKED, "unblock": Standing.UNKNOWN}
DECISION_FOR = {"allow": Decision.ACCEPT, "block": Decision.BLOCK}


def remember_reviewer(deps: Deps, person: Mapping) -> None:
    """Keep a reviewer's profile (when they press Start): the accept message can then name the owner's @username."""
    upsert_person(deps.db, person, deps.now())


def person_named(deps: Deps, args: list[str]) -> tuple[Mapping | None, str]:
    """The person a command names (one @username or id) and the handle as given."""
    handle = args[0] if len(args) == 1 else ""
    return (find_person(deps.db, handle) if handle else None), handle


def unknown_person_text(deps: Deps, command: str, handle: str) -> str:
    """The reply when a command names nobody known."""
    return deps.prompts.render("owner/person_unknown.html.j2", command=command, handle=bounded(handle, LABEL_CHARS))


async def change_standing(deps: Deps, bot: Bot, command: str, args: list[str], actor: Actor) -> str:
    """/allow, /block, /unblock: record the standing and decide that person's open requests; the reply."""
    person, handle = person_named(deps, args)
    if person is None:
        return unknown_person_text(deps, command, handle)
    decided = 0
    if command in DECISION_FOR:
        # A decision still inside its undo window gives way to the standing given now: nobody blocked is let in
        # half a minute later by an Accept pressed before the /block.
        for held in list_undoable_of(deps.db, person["user_id"], deps.now()):
            undo_decision(deps.db, held["id"], deps.now())
        for request in list_open_requests_of(deps.db, person["user_id"]):
            if await decide(deps, bot, request["id"], DECISION_FOR[command], actor):
                decided += 1
    set_standing(deps.db, person["user_id"], STANDINGS[command], deps.now())
    insert_event(deps.db, f"standing_{STANDINGS[command]}", deps.now(), user_id=person["user_id"],
                 actor_id=actor.user_id)
    return deps.prompts.render("owner/standing_changed.html.j2", name=full_name(person),
                               standing=STANDINGS[command], decided=decided)


def people_page(deps: Deps, standing: str | None, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /people [allowed|blocked] and its Back / Next buttons."""
    standing = standing if standing in (Standing.ALLOWED, Standing.BLOCKED) else None
    rows, total = list_people(deps.db, standing, PAGE_SIZE, page * PAGE_SIZE)
    people = [{"name": shorten(full_name(p), LIST_NAME_CHARS), "username": bounded(p["username"], USERNAME_CHARS),
               "user_id": p["user_id"], "standing": p["standing"]} for p in rows]
    text = deps.prompts.render("owner/people.html.j2", people=people, total=total, page=page + 1,
                               pages=max(1, -(-total // PAGE_SIZE)), standing=standing)
    return text, pages_keyboard(page, (page + 1) * PAGE_SIZE < total, standing, deps.prompts.labels)


def history_text(deps: Deps, args: list[str]) -> str:
    """/history @user|id: every request of that person and how it was decided."""
    person, handle = person_named(deps, args)
    if person is None:
        return unknown_person_text(deps, "history", handle)
    tz = deps.settings.timezone
    requests = [{"id": r["id"], "kind": r["kind"], "status": r["status"], "source": bounded(r["source"], LABEL_CHARS),
                 "created_at": local_time(parse_stamp(r["created_at"]), tz),
                 "decided_at": local_time(parse_stamp(r["decided_at"]), tz),
                 "decided_by": bounded(r["decided_by_name"], FULL_NAME_CHARS)}
                for r in list_requests_of(deps.db, person["user_id"])][-30:]
    return deps.prompts.render("owner/history.html.j2", name=full_name(person),
                               username=bounded(person["username"], USERNAME_CHARS),
                               user_id=person["user_id"], standing=person["standing"], requests=requests)
