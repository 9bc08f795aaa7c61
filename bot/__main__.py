"""python -m bot: run the bot, or a sub-command: sandbox (try it locally), assess (the assessor offline)."""

import sys

from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings


def run_bot() -> int:
    """Read settings, build the application and poll Telegram until stopped."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"doorman: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.token)
    from bot.app import ALLOWED_UPDATES, build_application

    app = build_application(settings)
    app.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch: no arguments runs the bot; 'assess' the offline assessor; 'sandbox' the local try-out."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "assess":
        from bot.cli.assess import main as assess_main

        return assess_main(argv[1:], sys.stdin, sys.stdout)
    if argv and argv[0] == "sandbox":
        from bot.sandbox.cli import main as sandbox_main

        return sandbox_main(argv[1:])
    if argv:
        print(f"doorman: unknown command {argv[0]!r} (try: python -m bot, python -m bot sandbox,"
              " python -m bot assess)", file=sys.stderr)
        return 2
    return run_bot()


if __name__ == "__main__":
    sys.exit(main())
