"""/summary and /stats (reviewers only); the scheduled weekly summary runs from bot/jobs.py."""

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.flow.summaries import stats_text, summary_so_far
from bot.handlers.context import DoormanContext
from bot.handlers.guard import reviewer_command
from bot.telegram.read import command_args


@reviewer_command
async def send_summary_so_far(update: Update, context: DoormanContext) -> None:
    """Answers /summary from a reviewer with this week's numbers so far, and buttons for the oldest requests."""
    text, markup = summary_so_far(context.deps)
    await update.effective_message.reply_text(text, reply_markup=markup)


@reviewer_command
async def send_stats(update: Update, context: DoormanContext) -> None:
    """Answers /stats [weeks] from a reviewer with a compact table of the last weeks (8 unless asked)."""
    await update.effective_message.reply_text(stats_text(context.deps, command_args(context.args)))


def register(app: Application) -> None:
    """Register /summary and /stats (reviewers only)."""
    app.add_handler(CommandHandler("summary", send_summary_so_far))
    app.add_handler(CommandHandler("stats", send_stats))
