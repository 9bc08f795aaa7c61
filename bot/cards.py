"""The reviewer's card and the /pending list: gather rows, shape them into template values, fit 4096."""

from datetime import datetime

from sqlite_utils import Database

from bot.render import Renderer, fits
from bot.screening import MORE_SUFFIX, Question, shorten
from bot.services import Services
from bot.settings import Settings
from bot.suggest import assessment_for
from db.answers import list_answers
from db.chats import get_chat
from db.followups import list_followups
from db.people import get_person
from db.requests import count_pending, list_earlier_requests, list_pending

# Tried in turn until the card fits Telegram's 4096-character limit.
_SHRINK_STEPS = (None, 800, 400, 200, 100, 50)


def full_name(person: dict) -> str:
    """First and last name, or the username, or the id."""
    name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
    return name or (person.get("username") or str(person.get("user_id")))


def local_time(stamp: str | None, settings: Settings) -> str:
    """Show a stored UTC timestamp in the owner's time zone."""
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M")


def duration(start: str | None, end: str | None) -> str:
    """A short human duration between two stored timestamps: '45 s', '3 min', '2 h 5 min', '3 d'."""
    if not start or not end:
        return ""
    seconds = int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d"


def chat_problem(chat: dict | None) -> str | None:
    """Why join requests for this chat cannot be carried out right now, if they cannot."""
    if chat is None:
        return None
    if chat["bot_status"] not in ("administrator", "creator"):
        return "I am no longer an admin there: approving or declining will fail until I am made admin again."
    if not chat["can_invite_users"]:
        return "I lack the 'Invite users via link' right there: approving or declining will fail."
    return None


def card_values(db: Database, request: dict, questions: tuple[Question, ...], settings: Settings,
                labels: dict, limit: int | None = None) -> dict:
    """Everything the card template shows about one request; answers shortened to `limit` if given."""
    chat = get_chat(db, request["target_chat_id"]) if request.get("target_chat_id") else None
    person = get_person(db, request["user_id"]) or {"user_id": request["user_id"]}
    answers = list_answers(db, request["id"])
    shown = []
    for q in questions:
        answer = answers.get(q.key)
        if answer is None:
            continue
        text = answer["text"] or ""
        more = answers.get(q.key + MORE_SUFFIX)
        if more and more.get("text"):
            text = f"{text} — {more['text']}"
        cap = min(q.max_length, limit) if limit else q.max_length
        edited = any(a and a["edited"] for a in (answer, more))
        shown.append({"question": q.label, "text": shorten(text, cap), "edited": edited})
    status = request["status"]
    decided = status not in ("asking", "pending")
    note_cap = min(limit or 1000, 1000)
    return {
        "id": request["id"],
        "kind_label": labels["kind"].get(request["kind"], request["kind"]),
        "target_chat": chat["title"] if chat else (request.get("target_chat_id") or None),
        "chat_problem": chat_problem(chat) if request["status"] in ("asking", "pending") else None,
        "bio": shorten(request["bio"], 300) if request.get("bio") else None,
        "no_answer": bool(request.get("timed_out_at")),
        "taken_over": bool(request.get("taken_over_at")),
        # A send was attempted but never recorded: the process died mid-send, a copy may already be there.
        "maybe_duplicate": bool(request.get("card_attempted_at") and not request.get("card_message_id")),
        "followups": [
            {"question": shorten(f["question"], note_cap), "answer": shorten(f["answer"], note_cap) if f["answer"]
             else None, "origin": f["origin"]} for f in list_followups(db, request["id"])],
        "snoozed_until": local_time(request.get("snoozed_until"), settings)
        if request.get("snoozed_until") and request["status"] == "pending" else None,
        "user_id": request["user_id"],
        "name": full_name(person),
        "username": person.get("username"),
        "language": person.get("language_code"),
        "source": request.get("source"),
        "opening_note": shorten(request["opening_note"], note_cap) if request.get("opening_note") else None,
        "answers": shown,
        "time_taken": duration(request["created_at"], request.get("answered_at")),
        "created_at": local_time(request["created_at"], settings),
        "unreachable": request.get("unreachable"),
        "decision_note": request.get("decision_note"),
        "history": [
            {"id": h["id"], "created_at": local_time(h["created_at"], settings), "status": h["status"]}
            for h in list_earlier_requests(db, request["user_id"], request["id"])
        ],
        "outcome": labels["outcome"].get(status) if decided else None,
        "outcome_icon": labels["outcome_icon"].get(status, "") if decided else "",
        "decided_by": request.get("decided_by_name") or "",
        "decided_at": local_time(request.get("decided_at"), settings),
    }


FLAG_TAGS = {"generic": "template note", "pitch": "sales pitch", "creepy": "tracking", "vague": "vague"}


def suggestion_values(svc: Services, request: dict) -> dict | None:
    """The assessment's line for the card: summary, suggested action and why, flags with the phrase behind
    each, and a source mismatch — None while there is nothing to assess."""
    if not list_answers(svc.db, request["id"]) and not request.get("opening_note"):
        return None
    a = assessment_for(svc, request)
    flags = [flag for flag in FLAG_TAGS if getattr(a, flag)]
    evidence = [{"tag": FLAG_TAGS[s.flag], "phrase": shorten(s.phrase, 60)} for s in a.signals if s.flag in FLAG_TAGS]
    return {"summary": a.summary, "action": a.action, "reason": a.reason, "tie": a.tie,
            "tags": [FLAG_TAGS[f].replace(" ", "_") for f in flags] + [f"{a.tie}_tie"],
            "evidence": evidence[:4], "mismatch": a.source_mismatch}


def render_card(svc: Services, request: dict) -> str:
    """Render the card, shortening answers step by step until it fits in one Telegram message."""
    text = ""
    suggestion = suggestion_values(svc, request)
    for limit in _SHRINK_STEPS:
        values = card_values(svc.db, request, svc.questions_for(request), svc.settings, svc.labels, limit)
        text = svc.renderer.render("owner/card.html.j2", suggestion=suggestion, **values)
        if fits(text):
            return text
    return text


def render_pending(renderer: Renderer, db: Database, settings: Settings, now: datetime,
                   limit: int = 10) -> tuple[str, list[dict]]:
    """Render the compact /pending list and return it with the requests it shows, oldest first."""
    rows = list_pending(db, limit)
    items = []
    for r in rows:
        answers = list_answers(db, r["id"])
        why = answers.get("why", {}).get("text") or r.get("opening_note") or ""
        items.append({
            "id": r["id"], "name": full_name(r), "username": r.get("username"), "kind": r["kind"],
            "source": r.get("source"), "age": duration(r["created_at"], now.isoformat(timespec="seconds")),
            "why": shorten(why, 120),
        })
    text = renderer.render("owner/pending.html.j2", requests=items, total=count_pending(db))
    return text, rows
