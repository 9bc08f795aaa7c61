"""/summary and /stats (reviewers only); the scheduled weekly summary runs from bot/jobs.py."""

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.flow.summaries import off_the_loop, stats_text, summary_so_far
from bot.handlers.context import DoormanContext
from bot.handlers.guard import reviewer_command
from bot.telegram.read import command_args


@reviewer_command
async def send_summary_so_far(update: Update, context: DoormanContext) -> None:
    """Answers /summary from a reviewer with this week's numbers so far, and buttons for the oldest requests."""
    text, markup = await off_the_loop(context.deps, summary_so_far)
    await update.effective_message.reply_text(text, reply_markup=markup)


@reviewer_command
async def send_stats(update: Update, context: DoormanContext) -> None:
    """Answers /stats [weeks] from a reviewer with a compact table of the last weeks (8 unless asked)."""
    args = command_args(context.args)
    await update.effective_message.reply_text(await off_the_loop(context.deps, lambda deps: stats_text(deps, args)))


def register(app: Application) -> None:
    """Register /summary and /stats (reviewers only)."""
    app.add_handler(CommandHandler("summary", send_summary_so_far))
    app.add_handler(CommandHandler("stats", send_stats))
