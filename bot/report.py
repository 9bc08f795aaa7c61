"""The weekly summary and the /stats table as template values: gather numbers, compare weeks, fit 4096."""

from datetime import datetime

from bot.cards import full_name
from bot.render import fits
from bot.screening import shorten
from bot.services import Services
from bot.weekly import Window, human_duration, previous, short_duration, trend
from db.raids import count_raids
from db.requests import count_pending
from db.stats import (
    KINDS,
    OUTCOMES,
    count_by_chat,
    count_events,
    list_oldest_pending,
    stamp,
    top_choices,
    top_sources,
    week_series,
)

# Caps keep the summary far below Telegram's 4096 characters whatever people typed.
MAX_CHATS = 8
MAX_TOP = 5
MAX_OLDEST = 5
NAME_CHARS = 40
_SHRINK = ((MAX_CHATS, MAX_TOP, MAX_OLDEST), (3, 3, 3), (0, 0, 0))


def _metric(value: float | None, before: float | None, show=str) -> dict:
    return {"value": show(value), "before": show(before), "trend": trend(value, before)}


def _shown_if_any(value: int, before: int) -> dict | None:
    """A metric for a line shown only when either week has some (raids, auto-declines)."""
    return _metric(value, before) if value or before else None


def _percent(fraction: float | None, unknown: str = "—", space: str = " ") -> str:
    return unknown if fraction is None else f"{round(fraction * 100)}{space}%"


def _day(moment: datetime) -> str:
    return moment.strftime("%a %d %b %Y")


def _ranked(now_rows: list[dict], before_rows: list[dict], key: str, limit: int, name=None) -> list[dict]:
    before = {row[key]: row["n"] for row in before_rows}
    return [{"name": shorten(str(name(row) if name else row[key]), NAME_CHARS),
             **_metric(row["n"], before.get(row[key], 0))}
            for row in now_rows[:limit]]


def _choice_labels(svc: Services) -> dict[str, str]:
    how = next((q for q in svc.questions if q.key == "how"), None)
    return {c.key: c.label for c in how.choices} if how else {}


def summary_values(svc: Services, window: Window, *, so_far: bool, now: datetime,
                   caps: tuple[int, int, int] = _SHRINK[0]) -> tuple[dict, list[dict]]:
    """Everything the weekly summary shows for `window` against the week before; also the requests it lists."""
    before = previous(window)
    now_row, before_row = week_series(svc.db, [(window.start, window.end), (before.start, before.end)])
    chats, top, oldest_cap = caps
    s, e, ps, pe = window.start, window.end, before.start, before.end
    labels = _choice_labels(svc)
    oldest = list_oldest_pending(svc.db, oldest_cap) if oldest_cap else []
    chat_rows = count_by_chat(svc.db, s, e)
    values = {
        "so_far": so_far,
        "first_day": _day(window.start),
        "last_day": _day(window.last_day if not so_far else window.end),
        "until": window.end.strftime("%H:%M"),
        "timezone": str(window.start.tzinfo),
        "received": _metric(now_row["received"], before_row["received"]),
        "kinds": [{"kind": k, **_metric(now_row["by_kind"][k], before_row["by_kind"][k])} for k in KINDS
                  if now_row["by_kind"][k] or before_row["by_kind"][k]],
        "chats": _ranked(chat_rows, count_by_chat(svc.db, ps, pe), "chat_id", chats, name=lambda r: r["title"]),
        "more_chats": max(len(chat_rows) - chats, 0),
        "outcomes": [{"outcome": o, **_metric(now_row["outcomes"][o], before_row["outcomes"][o])}
                     for o in OUTCOMES if now_row["outcomes"][o] or before_row["outcomes"][o]],
        "decided": _metric(now_row["decided"], before_row["decided"]),
        "still_open": _metric(now_row["still_open"], before_row["still_open"]),
        "acceptance": _metric(now_row["acceptance"], before_row["acceptance"], _percent),
        "median": _metric(now_row["median_seconds"], before_row["median_seconds"], human_duration),
        "never_answered": _metric(now_row["never_answered"], before_row["never_answered"]),
        "sources": _ranked(top_sources(svc.db, s, e, top), top_sources(svc.db, ps, pe), "source", top),
        "choices": _ranked(top_choices(svc.db, s, e, limit=top), top_choices(svc.db, ps, pe), "choice", top,
                           name=lambda r: labels.get(r["choice"], r["choice"])),
        "oldest": [{"id": r["id"], "kind": r["kind"], "name": shorten(full_name(r), NAME_CHARS),
                    "since": datetime.fromisoformat(r["created_at"]).astimezone(window.start.tzinfo)
                    .strftime("%d %b"),
                    "age": human_duration((now - datetime.fromisoformat(r["created_at"])).total_seconds())}
                   for r in oldest],
        "pending_total": count_pending(svc.db),
        "auto_declined": _shown_if_any(count_events(svc.db, "auto_declined", s, e),
                                       count_events(svc.db, "auto_declined", ps, pe)),
        "raids": _shown_if_any(*(count_raids(svc.db, stamp(a), stamp(b))[0] for a, b in ((s, e), (ps, pe)))),
        "raid_requests": count_raids(svc.db, stamp(s), stamp(e))[1],
    }
    return values, oldest


def render_summary(svc: Services, window: Window, *, so_far: bool) -> tuple[str, list[dict]]:
    """Render the summary (shrinking its lists until it fits one message) and the requests to put buttons on."""
    text, shown = "", []
    for caps in _SHRINK:
        values, shown = summary_values(svc, window, so_far=so_far, now=svc.now(), caps=caps)
        text = svc.renderer.render("owner/weekly_summary.html.j2", **values)
        if fits(text):
            break
    return text, shown


def stats_values(svc: Services, weeks: list[Window]) -> dict:
    """One compact row per week for /stats, oldest first; the last week may be partial."""
    rows = week_series(svc.db, [(w.start, w.end) for w in weeks])
    return {
        "weeks": [{"week": w.start.strftime("%d %b"), "received": r["received"],
                   "accepted": r["outcomes"]["accepted"],
                   "declined": r["outcomes"]["declined"] + r["outcomes"]["blocked"],
                   "open": r["still_open"], "rate": _percent(r["acceptance"], "-", ""),
                   "median": short_duration(r["median_seconds"])}
                  for w, r in zip(weeks, rows, strict=True)],
        "timezone": str(weeks[-1].start.tzinfo),
    }
