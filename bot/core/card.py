"""The reviewer's card and the /pending list, shaped from gathered facts: pure, and shrunk to fit 4096.

Whatever a user wrote or named is isolated (bot/core/untrusted.py): an RTL override in a name, or a right-to-left
name beside an id, cannot reorder the rest of the line."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from bot.core.assess import Assessment
from bot.core.languages import DEFAULT, language_name
from bot.core.questionnaire import MORE_SUFFIX, Question
from bot.core.signals import Signals, signal_words
from bot.core.text import (
    BIO_CHARS,
    FULL_NAME_CHARS,
    LABEL_CHARS,
    LANGUAGE_CHARS,
    LIST_NAME_CHARS,
    TITLE_CHARS,
    USERNAME_CHARS,
    between,
    bounded,
    fits,
    full_name,
    human_duration,
    local_time,
    short_date,
    shorten,
)
from bot.core.untrusted import isolated
from bot.core.vocabulary import is_open, outcome_word

# Tried in turn until the card fits Telegram's 4096-character limit.
SHRINK_STEPS = (None, 800, 400, 200, 100, 50)
FLAG_TAGS = {"pitch": "sales_pitch", "creepy": "tracking", "generic": "template_note", "vague": "vague"}
EVIDENCE_LINES = 2
LATE_CHARS = 500  # one message added later, as the card shows it (and as it is stored)


@dataclass(frozen=True)
class CardFacts:
    """Everything a card shows about one request, gathered once (stamps already read as datetimes)."""

    request: Mapping
    person: Mapping
    questions: tuple[Question, ...]
    answers: Mapping[str, Mapping]
    times: Mapping[str, datetime | None]  # created_at, answered_at, decided_at, snoozed_until, carry_out_at
    chat: Mapping | None = None
    followups: list[Mapping] = field(default_factory=list)
    history: list[tuple[int, datetime, str]] = field(default_factory=list)  # earlier requests: id, when, status
    assessment: Assessment | None = None
    late: list[tuple[datetime, str]] = field(default_factory=list)  # messages added later: when, text
    signals: Signals | None = None
    now: datetime | None = None  # for the account-age estimate


def theirs(text: str | None, limit: int) -> str | None:
    """Something a user wrote or named, as a card shows it: shortened to `limit`, then isolated; None if empty."""
    return isolated(bounded(text, limit)) or None


def chat_problem(chat: Mapping | None) -> str | None:
    """Why join requests for this chat cannot be carried out right now, if they cannot."""
    if chat is None:
        return None
    if chat["bot_status"] not in ("administrator", "creator"):
        return "I am no longer an admin there: approving or declining will fail until I am made admin again."
    if not chat["can_invite_users"]:
        return "I lack the 'Invite users via link' right there: approving or declining will fail."
    return None


def shown_answers(questions: tuple[Question, ...], answers: Mapping[str, Mapping], limit: int | None) -> list[dict]:
    """Each answered question with its text ("choice — more"), shortened to `limit` (and its max_length)."""
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
        shown.append({"question": q.label, "text": theirs(text, cap) or "", "edited": edited})
    return shown


def suggestion_values(a: Assessment) -> dict:
    """The assessment's lines for the card: summary, suggested action and why, short tags, at most two lines of
    evidence (quoted from the answers), a source mismatch, and which assessor spoke."""
    return {"summary": isolated(a.summary), "action": a.action, "reason": a.reason, "tie": a.tie,
            "tags": [FLAG_TAGS[f] for f in FLAG_TAGS if getattr(a, f)] + [f"{a.tie}_tie"],
            "evidence": [{"tag": e.tag, "phrase": theirs(e.text, 60)} for e in a.evidence[:EVIDENCE_LINES]],
            "mismatch": isolated(a.source_mismatch), "assessor": a.assessor}


def asked_in(language: str | None) -> str | None:
    """The language the requester is asked in, named for the card ('German'); None for English (the default)."""
    return language_name(language) if language and language != DEFAULT else None


def card_values(facts: CardFacts, labels: Mapping, tz: tzinfo, limit: int | None = None) -> dict:
    """Everything the card template shows; answers and notes shortened to `limit` if given."""
    request, person, chat, times = facts.request, facts.person, facts.chat, facts.times
    status = request["status"]
    decided = not is_open(status)
    note_cap = min(limit or 1000, 1000)
    word = outcome_word(status, request["kind"], bool(request.get("ignored")))
    carry_out, decided_at = times.get("carry_out_at"), times.get("decided_at")
    # Held for Undo: the card says for how long (the whole window; a card is redrawn when it closes).
    undo_seconds = round((carry_out - decided_at).total_seconds()) if carry_out and decided_at else None
    return {
        "id": request["id"],
        "kind_label": labels["kind"].get(request["kind"], request["kind"]),
        "target_chat": theirs(chat["title"], TITLE_CHARS) if chat else (request.get("target_chat_id") or None),
        "chat_problem": chat_problem(chat) if not decided else None,
        "bio": theirs(request.get("bio") or (facts.signals.bio if facts.signals else None), BIO_CHARS),
        # Plain words of ours only (never a quote of what they wrote), so the line needs no isolating.
        "signals": signal_words(facts.signals, facts.now) if facts.signals and facts.now else [],
        "no_answer": bool(request.get("timed_out_at")),
        "taken_over": bool(request.get("taken_over_at")),
        # A send was attempted but never recorded: the process died mid-send, a copy may already be there.
        "maybe_duplicate": bool(request.get("card_attempted_at") and not request.get("card_message_id")),
        "followups": [
            {"question": shorten(f["question"], note_cap), "answer": theirs(f["answer"], note_cap),
             "origin": f["origin"]} for f in facts.followups],
        "snoozed_until": local_time(times.get("snoozed_until"), tz) if status == "pending" else None,
        "added_later": [{"at": local_time(when, tz), "text": theirs(text, min(limit or LATE_CHARS, LATE_CHARS))}
                        for when, text in facts.late],
        "user_id": request["user_id"],
        "name": isolated(full_name(person)),
        "username": theirs(person.get("username"), USERNAME_CHARS),
        "language": theirs(person.get("language_code"), LANGUAGE_CHARS),
        "asked_in": asked_in(request.get("language")),
        "source": theirs(request.get("source"), LABEL_CHARS),
        "opening_note": theirs(request.get("opening_note"), note_cap),
        "answers": shown_answers(facts.questions, facts.answers, limit),
        "time_taken": between(times.get("created_at"), times.get("answered_at")),
        "created_at": local_time(times.get("created_at"), tz),
        "unreachable": request.get("unreachable"),
        "decision_note": request.get("decision_note"),
        "history": [{"id": i, "created_at": local_time(when, tz), "status": s} for i, when, s in facts.history],
        "outcome": labels["outcome"].get(word) if decided else None,
        "outcome_icon": labels["outcome_icon"].get(word, "") if decided else "",
        "undo_seconds": undo_seconds,
        "decided_by": theirs(request.get("decided_by_name"), FULL_NAME_CHARS) or "",
        "decided_at": local_time(times.get("decided_at"), tz),
    }


def fit_card(facts: CardFacts, labels: Mapping, tz: tzinfo, render: Callable[..., str]) -> str:
    """The card's text, shortening answers step by step until it fits in one Telegram message."""
    has_answers = bool(facts.answers) or bool(facts.request.get("opening_note"))
    suggestion = suggestion_values(facts.assessment) if facts.assessment is not None and has_answers else None
    text = ""
    for limit in SHRINK_STEPS:
        text = render(suggestion=suggestion, **card_values(facts, labels, tz, limit))
        if fits(text):
            return text
    return text


def pending_values(rows: list[Mapping], reasons: Mapping[int, str], ages: Mapping[int, float]) -> list[dict]:
    """The /pending list's lines: who, which door, source, how long they wait, and their reason, shortened."""
    return [{"id": r["id"], "name": theirs(full_name(r), LIST_NAME_CHARS),
             "username": theirs(r.get("username"), USERNAME_CHARS), "kind": r["kind"],
             "source": theirs(r.get("source"), LABEL_CHARS), "age": human_duration(ages[r["id"]]),
             "why": theirs(reasons.get(r["id"]), 120) or ""}
            for r in rows]


def folded_values(request: Mapping, person: Mapping, until: datetime | None, tz: tzinfo) -> dict:
    """A snoozed card folded to one line: which request, whose, and until which day."""
    return {"id": request["id"], "name": theirs(full_name(person), LIST_NAME_CHARS) or str(request["user_id"]),
            "until": short_date(until, tz)}


def snoozed_values(rows: list[Mapping], tz: tzinfo, until: Mapping[int, datetime | None]) -> list[dict]:
    """The /pending list's snoozed lines: who, which door, and until which day."""
    return [{"id": r["id"], "name": theirs(full_name(r), LIST_NAME_CHARS),
             "username": theirs(r.get("username"), USERNAME_CHARS), "kind": r["kind"],
             "until": short_date(until.get(r["id"]), tz)} for r in rows]
