"""The weekly summary and the /stats table, shaped from gathered numbers: pure, and shrunk to fit 4096."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core.text import LIST_NAME_CHARS, fits, full_name, human_duration, short_duration, shorten
from bot.core.weekly import Window, trend

# Caps keep the summary far below Telegram's 4096 characters whatever people typed.
MAX_CHATS = 8
MAX_TOP = 5
MAX_OLDEST = 5
SHRINK = ((MAX_CHATS, MAX_TOP, MAX_OLDEST), (3, 3, 3), (0, 0, 0))
KINDS = ("join", "direct", "business")


@dataclass(frozen=True)
class SummaryFacts:
    """A week's numbers and the week before's, gathered once (lists ordered most first, at most MAX_* long)."""

    window: Window
    now: datetime
    so_far: bool
    series: Mapping  # headline numbers of the week: received, by_kind, outcomes, decided, still_open, …
    series_before: Mapping
    chats: list[Mapping]  # every chat with join requests this week: chat_id, title, n
    chats_before: list[Mapping]
    sources: list[Mapping]  # source, n
    sources_before: list[Mapping]
    choices: list[Mapping]  # choice, n
    choices_before: list[Mapping]
    choice_labels: Mapping[str, str]
    oldest: list[Mapping]  # waiting requests, oldest first: id, kind, names, created (a datetime)
    pending_total: int
    auto_declined: tuple[int, int]  # this week, the week before
    raids: tuple[int, int]
    raid_requests: int
    suggestions_matched: tuple[int, int] = (0, 0)  # reviewer decisions that matched an accept/decline suggestion


def _metric(value: float | None, before: float | None, show=str) -> dict:
    return {"value": show(value), "before": show(before), "trend": trend(value, before)}


def _shown_if_any(value: int, before: int) -> dict | None:
    """A metric for a line shown only when either week has some (raids, auto-declines)."""
    return _metric(value, before) if value or before else None


def percent(fraction: float | None, unknown: str = "—", space: str = " ") -> str:
    """A fraction as a whole percentage: '33 %'; `unknown` when there is nothing to divide."""
    return unknown if fraction is None else f"{round(fraction * 100)}{space}%"


def _day(moment: datetime) -> str:
    return moment.strftime("%a %d %b %Y")


def _ranked(now_rows: list[Mapping], before_rows: list[Mapping], key: str, limit: int, name=None) -> list[dict]:
    before = {row[key]: row["n"] for row in before_rows}
    return [{"name": shorten(str(name(row) if name else row[key]), LIST_NAME_CHARS),
             **_metric(row["n"], before.get(row[key], 0))}
            for row in now_rows[:limit]]


def summary_values(f: SummaryFacts, caps: tuple[int, int, int] = SHRINK[0]) -> dict:
    """Everything the weekly summary template shows, with lists cut to `caps` (chats, top lists, oldest)."""
    chats, top, oldest_cap = caps
    now_row, before_row, window = f.series, f.series_before, f.window
    tz = window.start.tzinfo
    return {
        "so_far": f.so_far,
        "first_day": _day(window.start),
        "last_day": _day(window.last_day if not f.so_far else window.end),
        "until": window.end.strftime("%H:%M"),
        "timezone": str(tz),
        "received": _metric(now_row["received"], before_row["received"]),
        "kinds": [{"kind": k, **_metric(now_row["by_kind"][k], before_row["by_kind"][k])} for k in KINDS
                  if now_row["by_kind"][k] or before_row["by_kind"][k]],
        "chats": _ranked(f.chats, f.chats_before, "chat_id", chats, name=lambda r: r["title"]),
        "more_chats": max(len(f.chats) - chats, 0),
        "outcomes": [{"outcome": o, **_metric(now_row["outcomes"][o], before_row["outcomes"][o])}
                     for o in now_row["outcomes"] if now_row["outcomes"][o] or before_row["outcomes"][o]],
        "decided": _metric(now_row["decided"], before_row["decided"]),
        "still_open": _metric(now_row["still_open"], before_row["still_open"]),
        "acceptance": _metric(now_row["acceptance"], before_row["acceptance"], percent),
        "median": _metric(now_row["median_seconds"], before_row["median_seconds"], human_duration),
        "never_answered": _metric(now_row["never_answered"], before_row["never_answered"]),
        "sources": _ranked(f.sources, f.sources_before, "source", top),
        "choices": _ranked(f.choices, f.choices_before, "choice", top,
                           name=lambda r: f.choice_labels.get(r["choice"], r["choice"])),
        "oldest": [{"id": r["id"], "kind": r["kind"], "name": shorten(full_name(r), LIST_NAME_CHARS),
                    "since": r["created"].astimezone(tz).strftime("%d %b"),
                    "age": human_duration((f.now - r["created"]).total_seconds())}
                   for r in f.oldest[:oldest_cap]],
        "pending_total": f.pending_total,
        "auto_declined": _shown_if_any(*f.auto_declined),
        "raids": _shown_if_any(*f.raids),
        "raid_requests": f.raid_requests,
        "suggestions": {"matched": f.suggestions_matched[0], "of": f.suggestions_matched[1]}
        if f.suggestions_matched[1] else None,
    }


def fit_summary(f: SummaryFacts, render: Callable[..., str]) -> tuple[str, list[Mapping]]:
    """The summary's text (its lists shrunk until it fits one message) and the requests it lists."""
    text, shown = "", []
    for caps in SHRINK:
        text = render(**summary_values(f, caps))
        shown = f.oldest[:caps[2]]
        if fits(text):
            break
    return text, shown


def stats_values(weeks: list[Window], rows: list[Mapping]) -> dict:
    """One compact row per week for /stats, oldest first; the last week may be partial."""
    return {
        "weeks": [{"week": w.start.strftime("%d %b"), "received": r["received"],
                   "accepted": r["outcomes"]["accepted"],
                   "declined": r["outcomes"]["declined"] + r["outcomes"]["blocked"],
                   "open": r["still_open"], "rate": percent(r["acceptance"], "-", ""),
                   "median": short_duration(r["median_seconds"])}
                  for w, r in zip(weeks, rows, strict=True)],
        "timezone": str(weeks[-1].start.tzinfo),
        "empty": not any(r["received"] or r["still_open"] for r in rows),
    }
