"""python -m bot: run the bot, or one of its commands (sandbox, assess, train, train-languages, export, forget)."""

import asyncio
import gc
import logging
import sys
from importlib.metadata import PackageNotFoundError, version

from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings

COMMANDS = {
    "sandbox": "try the bot locally in a browser, as a stranger and as the owner (no token needed)",
    "assess": "read requests (JSON lines) and print the assessor's labels; --score FILE measures it",
    "train": "learn the assessor's weights from the corpus (needs pip install -e '.[train]')",
    "train-languages": "learn the language guesser's table (bot/langid.tsv) from the corpus and the translations",
    "export": "requests, answers and decisions as CSV or JSON Lines (--format, --since, --output)",
    "forget": "erase everything stored about one person: forget USER_ID [--yes]",
}


def usage() -> str:
    """The overview printed by --help."""
    lines = ["usage: python -m bot [command] [options]", "",
             "With no command, run the bot (needs TELEGRAM_BOT_TOKEN and OWNER_ID; see README.md).", "", "commands:"]
    lines += [f"  {name:<15} {text}" for name, text in COMMANDS.items()]
    lines += ["", "python -m bot <command> --help shows a command's options."]
    return "\n".join(lines)


def run_bot() -> int:
    """Read settings, build the application and poll Telegram (or serve a webhook) until stopped."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"doorman: {exc}", file=sys.stderr)
        return 2
    if settings.webhook_url and not webhooks_installed():
        print("doorman: WEBHOOK_URL is set, but the webhook server is not installed:"
              " pip install -e '.[webhooks]' (or unset WEBHOOK_URL to poll)", file=sys.stderr)
        return 2
    configure_logging(settings.token)
    from bot.app import ALLOWED_UPDATES, build_application
    from bot.telegram.stopping import Stopping, stop_on_signals
    from db.connection import DatabaseFileError

    stopping = Stopping()
    try:
        app = build_application(settings, stopping=stopping)
    except DatabaseFileError as exc:
        print(f"doorman: DATABASE_PATH: {exc}. Restore it from a backup, or set DATABASE_PATH to a new file"
              " (the file was not changed)", file=sys.stderr)
        return 2
    # What is built by now (modules, templates, the assessor's and the language guesser's tables) lives as long as
    # the process: kept out of the garbage collector's full passes, which walked all of it about once a minute in a
    # raid, holding the event loop 50-70 ms each time.
    gc.collect()
    gc.freeze()
    logging.getLogger("bot").info("started: %d objects kept out of garbage collection", gc.get_freeze_count())
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # Our signal handlers replace PTB's: they cut Bot API calls short first, so the bot stops within seconds.
    stop_on_signals(loop, stopping)
    if not settings.webhook_url:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None)
        return 0
    from bot.webhook import serve_webhook

    return serve_webhook(app, settings, loop)


def webhooks_installed() -> bool:
    """True when PTB's webhook server (the [webhooks] extra: tornado) can be imported."""
    try:
        import tornado  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Dispatch: no arguments runs the bot; otherwise one of COMMANDS."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        return run_bot()
    command, rest = argv[0], argv[1:]
    if command in ("-h", "--help", "help"):
        print(usage())
        return 0
    if command in ("-V", "--version"):
        try:
            print(f"doorman {version('doorman')}")
        except PackageNotFoundError:
            print("doorman (not installed)")
        return 0
    if command == "assess":
        from bot.cli.assess import main as assess_main

        return assess_main(rest, sys.stdin, sys.stdout)
    if command == "train":
        from bot.cli.train import main as train_main

        return train_main(rest)
    if command == "train-languages":
        from bot.cli.train_languages import main as train_languages_main

        return train_languages_main(rest)
    if command == "export":
        from bot.cli.export import main as export_main

        return export_main(rest)
    if command == "forget":
        from bot.cli.forget import main as forget_main

        return forget_main(rest)
    if command == "sandbox":
        from bot.sandbox.cli import main as sandbox_main

        return sandbox_main(rest)
    print(f"doorman: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
