"""The weekly summary: /summary, /stats, and the scheduled send that never misses or doubles a week."""

import json
import logging

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.handlers.common import services
from bot.handlers.guard import reviewer_command
from bot.keyboards import pending_keyboard
from bot.report import render_summary, stats_values
from bot.request import at_most_once
from bot.services import Services
from bot.weekly import last_send_at, recent_weeks, week_so_far, week_summarised_at
from db.events import insert_event
from db.stats import get_schedule_state, swap_schedule_state

log = logging.getLogger(__name__)

STATE_NAME = "weekly_summary"
CHECK_INTERVAL_SECONDS = 60
DEFAULT_WEEKS, MAX_WEEKS = 8, 52


@reviewer_command
async def send_summary_so_far(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /summary from a reviewer with this week's numbers so far, and buttons for the oldest requests."""
    svc = services(context)
    window = week_so_far(svc.now(), svc.settings.summary_day, svc.settings.timezone)
    text, oldest = render_summary(svc, window, so_far=True)
    await update.effective_message.reply_text(text, reply_markup=pending_keyboard(oldest, svc.labels))


@reviewer_command
async def send_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers /stats [weeks] from a reviewer with a compact table of the last weeks (8 unless asked)."""
    svc = services(context)
    args = context.args or []
    count = int(args[0]) if len(args) == 1 and args[0].isdigit() else None
    if len(args) > 1 or (args and (count is None or not 1 <= count <= MAX_WEEKS)):
        await update.effective_message.reply_text(
            svc.renderer.render("owner/stats.html.j2", usage=True, max_weeks=MAX_WEEKS, weeks=[], timezone=""))
        return
    weeks = recent_weeks(svc.now(), count or DEFAULT_WEEKS, svc.settings.summary_day, svc.settings.timezone)
    await update.effective_message.reply_text(
        svc.renderer.render("owner/stats.html.j2", usage=False, max_weeks=MAX_WEEKS, **stats_values(svc, weeks)))


def summary_recipients(svc: Services) -> list[int]:
    """Where the scheduled summary goes: the owner, and the review chat if one is set."""
    chats = [svc.settings.owner_id]
    if svc.settings.review_chat_id is not None and svc.settings.review_chat_id != svc.settings.owner_id:
        chats.append(svc.settings.review_chat_id)
    return chats


async def catch_up_summary(svc: Services, bot: Bot) -> int:
    """Send the most recent scheduled summary to every recipient that has not had it; return how many went out.

    The row 'weekly_summary' holds {"week": <first local day>, "done": [chat ids], "trying": chat id | null}.
    Before each send the recipient is written as "trying" and after it as "done" (compare-and-set, so two
    runners never both send). A "trying" left behind means the process died during that send and Telegram may
    have delivered it: we log it and do not resend, because a week must never arrive twice. A send that
    Telegram clearly refused for a passing reason (network down, flood wait) is retried on the next check; a
    permanent refusal (bot blocked, chat gone) is logged and that recipient is done for the week.
    """
    settings = svc.settings
    now = svc.now()
    week = week_summarised_at(last_send_at(now, settings.summary_day, settings.summary_time, settings.timezone),
                              settings.summary_day, settings.timezone)
    raw = get_schedule_state(svc.db, STATE_NAME)
    if raw is None:
        # First start with this feature: begin with the next scheduled time rather than report on a week the bot
        # was not running for; the row makes every later start catch up.
        start = json.dumps({"week": week.key, "done": summary_recipients(svc), "trying": None})
        swap_schedule_state(svc.db, STATE_NAME, None, start, now)
        log.info("weekly summary: first start; the first summary goes out after the week of %s", week.key)
        return 0
    state = json.loads(raw)
    if state["week"] > week.key:
        return 0  # the clock went back; that week was already handled
    if state["week"] < week.key:
        state = {"week": week.key, "done": [], "trying": None}
    waiting = [chat for chat in summary_recipients(svc) if chat not in state["done"]]
    if not waiting:
        return 0
    text, oldest = render_summary(svc, week, so_far=False)
    markup = pending_keyboard(oldest, svc.labels)
    sent = 0
    for chat_id in waiting:
        if state["trying"] == chat_id:
            log.warning("weekly summary for %s to %s was interrupted mid-send; not resending (it may have"
                        " arrived; /summary shows the numbers)", week.key, chat_id)
            raw, state = _advance(svc, raw, state, done=chat_id)
            if raw is None:
                return sent
            continue
        raw, state = _advance(svc, raw, state, trying=chat_id)
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
            _advance(svc, raw, state, trying=None)
            return sent
        except TelegramError as exc:
            log.error("weekly summary for %s to %s failed, skipped this week: %s", week.key, chat_id, exc)
        else:
            sent += 1
            insert_event(svc.db, "weekly_summary_sent", svc.now(), detail=f"{week.key} {chat_id}")
        raw, state = _advance(svc, raw, state, done=chat_id)
        if raw is None:
            return sent
    return sent


def _advance(svc: Services, raw: str, state: dict, *, trying: int | None = None,
             done: int | None = None) -> tuple[str | None, dict]:
    """Write the next delivery state over `raw`; (None, state) when someone else changed the row first."""
    new = {**state, "trying": trying, "done": state["done"] + ([done] if done is not None else [])}
    value = json.dumps(new)
    if not swap_schedule_state(svc.db, STATE_NAME, raw, value, svc.now()):
        log.warning("weekly summary state changed under us; leaving the rest to the other runner")
        return None, new
    return value, new


async def send_due_summary(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Periodic job: send the weekly summary when its time has come (the row says whether it went out)."""
    await catch_up_summary(services(context), context.bot)


def arm_summary(app: Application) -> None:
    """Check every minute whether a summary is due; the job holds no state, the row does."""
    if app.job_queue is not None:
        app.job_queue.run_repeating(send_due_summary, interval=CHECK_INTERVAL_SECONDS,
                                    first=CHECK_INTERVAL_SECONDS, name="weekly-summary")


def register(app: Application) -> None:
    """Register /summary and /stats (reviewers only)."""
    app.add_handler(CommandHandler("summary", send_summary_so_far))
    app.add_handler(CommandHandler("stats", send_stats))
