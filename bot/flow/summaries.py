"""The weekly summary: gathered once, shaped by bot/core/summary.py, delivered on schedule never twice;
/summary and /stats on demand."""

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.core.questionnaire import HOW_FOUND, question_for
from bot.core.summary import MAX_OLDEST, MAX_TOP, SummaryFacts, fit_summary, stats_values
from bot.core.weekly import Window, last_send_at, previous, recent_weeks, week_so_far, week_summarised_at
from bot.flow.deps import Deps
from bot.telegram.keyboards import pending_keyboard
from bot.telegram.retry import at_most_once
from db.connection import database_file, open_read_only
from db.events import insert_event
from db.learning import count_matching_suggestions
from db.raids import count_raids
from db.requests import count_pending
from db.stats import (
    count_by_chat,
    count_events,
    get_schedule_state,
    list_oldest_pending,
    swap_schedule_state,
    top_choices,
    top_sources,
    week_series,
)
from db.time import parse_stamp

log = logging.getLogger(__name__)
T = TypeVar("T")

STATE_NAME = "weekly_summary"
DEFAULT_WEEKS, MAX_WEEKS = 8, 52


def gather_summary(deps: Deps, window: Window, *, so_far: bool) -> SummaryFacts:
    """Every number the summary of `window` shows, against the same span a week before: read once."""
    before = previous(window)
    series, series_before = week_series(deps.db, [(window.start, window.end), (before.start, before.end)])
    s, e, ps, pe = window.start, window.end, before.start, before.end
    how = question_for(deps.prompts.questions, HOW_FOUND)
    key = how.key if how else ""
    oldest = [{**r, "created": parse_stamp(r["created_at"])} for r in list_oldest_pending(deps.db, MAX_OLDEST)]
    return SummaryFacts(
        window=window, now=deps.now(), so_far=so_far, series=series, series_before=series_before,
        chats=count_by_chat(deps.db, s, e), chats_before=count_by_chat(deps.db, ps, pe),
        sources=top_sources(deps.db, s, e, MAX_TOP), sources_before=top_sources(deps.db, ps, pe),
        choices=top_choices(deps.db, s, e, key, MAX_TOP), choices_before=top_choices(deps.db, ps, pe, key),
        choice_labels={c.key: c.label for c in how.choices} if how else {},
        oldest=oldest, pending_total=count_pending(deps.db),
        auto_declined=(count_events(deps.db, "auto_declined", s, e), count_events(deps.db, "auto_declined", ps, pe)),
        raids=(count_raids(deps.db, s, e)[0], count_raids(deps.db, ps, pe)[0]),
        raid_requests=count_raids(deps.db, s, e)[1],
        suggestions_matched=count_matching_suggestions(deps.db, s, e),
    )


def render_summary(deps: Deps, window: Window, *, so_far: bool) -> tuple[str, list[dict]]:
    """The summary's text (shrunk to fit one message) and the requests it lists (to put buttons on)."""
    return fit_summary(gather_summary(deps, window, so_far=so_far),
                       lambda **values: deps.prompts.render("owner/weekly_summary.html.j2", **values))


async def off_the_loop(deps: Deps, work: Callable[[Deps], T]) -> T:
    """Run a heavy read in a thread on its own read-only connection, so that no update waits for it (with a
    million requests, /stats reads for the better part of a second)."""
    path = database_file(deps.db)
    deps.db.commit()  # the other connection sees committed rows only
    if path is None:  # an in-memory database has no file a second connection could read
        return work(deps)

    def run() -> T:
        reader = open_read_only(path)
        try:
            return work(replace(deps, db=reader))
        finally:
            reader.close()

    return await asyncio.to_thread(run)


def summary_so_far(deps: Deps) -> tuple[str, InlineKeyboardMarkup | None]:
    """/summary: this week's numbers so far, with buttons for the oldest requests."""
    settings = deps.settings
    text, oldest = render_summary(deps, week_so_far(deps.now(), settings.summary_day, settings.timezone),
                                  so_far=True)
    return text, pending_keyboard(oldest, deps.prompts.labels)


def stats_text(deps: Deps, args: list[str]) -> str:
    """/stats [weeks]: a compact table of the last weeks (8 unless asked, at most 52), or the usage."""
    count = int(args[0]) if len(args) == 1 and args[0].isdigit() else None
    if len(args) > 1 or (args and (count is None or not 1 <= count <= MAX_WEEKS)):
        return deps.prompts.render("owner/stats.html.j2", usage=True, max_weeks=MAX_WEEKS, weeks=[], timezone="",
                                   empty=False)
    weeks = recent_weeks(deps.now(), count or DEFAULT_WEEKS, deps.settings.summary_day, deps.settings.timezone)
    rows = week_series(deps.db, [(w.start, w.end) for w in weeks])
    return deps.prompts.render("owner/stats.html.j2", usage=False, max_weeks=MAX_WEEKS, **stats_values(weeks, rows))


def summary_recipients(deps: Deps) -> list[int]:
    """Where the scheduled summary goes: the owner, and the review chat if one is set."""
    chats = [deps.settings.owner_id]
    if deps.settings.review_chat_id is not None and deps.settings.review_chat_id != deps.settings.owner_id:
        chats.append(deps.settings.review_chat_id)
    return chats


async def catch_up_summary(deps: Deps, bot: Bot) -> int:
    """Send the most recent scheduled summary to every recipient that has not had it; return how many went out.

    The row 'weekly_summary' holds {"week": <first local day>, "done": [chat ids], "trying": chat id | null}.
    Before each send the recipient is written as "trying" and after it as "done" (compare-and-set, so two
    runners never both send). A "trying" left behind means the process died during that send and Telegram may
    have delivered it: we log it and do not resend, because a week must never arrive twice. A send that
    Telegram clearly refused for a passing reason (network down, flood wait) is retried on the next check; a
    permanent refusal (bot blocked, chat gone) is logged and that recipient is done for the week.
    """
    settings = deps.settings
    now = deps.now()
    week = week_summarised_at(last_send_at(now, settings.summary_day, settings.summary_time, settings.timezone),
                              settings.summary_day, settings.timezone)
    raw = get_schedule_state(deps.db, STATE_NAME)
    if raw is None:
        # First start with this feature: begin with the next scheduled time rather than report on a week the bot
        # was not running for; the row makes every later start catch up.
        start = json.dumps({"week": week.key, "done": summary_recipients(deps), "trying": None})
        swap_schedule_state(deps.db, STATE_NAME, None, start, now)
        log.info("weekly summary: first start; the first summary goes out after the week of %s", week.key)
        return 0
    state = json.loads(raw)
    if state["week"] > week.key:
        return 0  # the clock went back; that week was already handled
    if state["week"] < week.key:
        state = {"week": week.key, "done": [], "trying": None}
    waiting = [chat for chat in summary_recipients(deps) if chat not in state["done"]]
    if not waiting:
        return 0
    text, oldest = await off_the_loop(deps, lambda reader: render_summary(reader, week, so_far=False))
    markup = pending_keyboard(oldest, deps.prompts.labels)
    sent = 0
    for chat_id in waiting:
        if state["trying"] == chat_id:
            log.warning("weekly summary for %s to %s was interrupted mid-send; not resending (it may have"
                        " arrived; /summary shows the numbers)", week.key, chat_id)
            raw, state = _advance(deps, raw, state, done=chat_id)
            if raw is None:
                return sent
            continue
        raw, state = _advance(deps, raw, state, trying=chat_id)
        if raw is None:
            return sent  # another runner is sending this week
        try:
            with at_most_once():
                await bot.send_message(chat_id, text, reply_markup=markup)
        except TimedOut:
            log.warning("weekly summary for %s to %s timed out; it may have arrived, not resending", week.key,
                        chat_id)
        except (Forbidden, BadRequest) as exc:
            log.error("weekly summary for %s to %s refused by Telegram, skipped this week: %s", week.key,
                      chat_id, exc)
        except (NetworkError, RetryAfter) as exc:
            log.warning("weekly summary for %s to %s not sent, retrying at the next check: %s", week.key,
                        chat_id, exc)
            _advance(deps, raw, state, trying=None)
            return sent
        except TelegramError as exc:
            log.error("weekly summary for %s to %s failed, skipped this week: %s", week.key, chat_id, exc)
        else:
            sent += 1
            insert_event(deps.db, "weekly_summary_sent", deps.now(), detail=f"{week.key} {chat_id}")
        raw, state = _advance(deps, raw, state, done=chat_id)
        if raw is None:
            return sent
    return sent


def _advance(deps: Deps, raw: str, state: dict, *, trying: int | None = None,
             done: int | None = None) -> tuple[str | None, dict]:
    """Write the next delivery state over `raw`; (None, state) when someone else changed the row first."""
    new = {**state, "trying": trying, "done": state["done"] + ([done] if done is not None else [])}
    value = json.dumps(new)
    if not swap_schedule_state(deps.db, STATE_NAME, raw, value, deps.now()):
        log.warning("weekly summary state changed under us; leaving the rest to the other runner")
        return None, new
    return value, new
