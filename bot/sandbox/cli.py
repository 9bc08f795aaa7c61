"""python -m bot sandbox: the real bot, polling a local stand-in for Telegram, with a two-pane page."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import tempfile
import webbrowser
from collections.abc import Mapping
from pathlib import Path

from bot.logs import configure_logging
from bot.sandbox.clock import SandboxClock, due_jobs_runner
from bot.sandbox.web import SandboxWeb
from bot.sandbox.world import BOT_USERNAME, OWNER_ID, TOKEN, World
from bot.settings import Settings, SettingsError, load_settings
from db.connection import DatabaseFileError
from fakegram.api import FakeBotAPI
from fakegram.server import FakeServer

DEFAULT_PORT = 8765
HOST = "127.0.0.1"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The sandbox's command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bot sandbox",
        description="Talk to your bot locally, as a stranger and as its owner, without Telegram or a token.")
    parser.add_argument("--db", type=Path, help="SQLite file to use and keep (default: a throw-away file)")
    parser.add_argument("--port", type=int, default=None,
                        help=f"port on {HOST} (default {DEFAULT_PORT}, or any free one if taken; 0: any free one)")
    parser.add_argument("--no-browser", action="store_true", help="only print the page's URL")
    return parser.parse_args(argv)


def sandbox_settings(database_path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Your settings (PROMPTS_DIR, TIMEZONE, CONTACT_LINE, …) with the sandbox's token, owner and database."""
    env = {**(os.environ if environ is None else environ),
           "TELEGRAM_BOT_TOKEN": TOKEN, "OWNER_ID": str(OWNER_ID), "REVIEW_CHAT_ID": "",
           "DATABASE_PATH": str(database_path), "TELEGRAM_BASE_URL": f"http://{HOST}/bot"}
    return load_settings(env)


def serve(api: FakeBotAPI, web: SandboxWeb, port: int | None) -> FakeServer:
    """Serve the stand-in and the page on loopback; the default port falls back to any free one."""
    try:
        return FakeServer(api, HOST, DEFAULT_PORT if port is None else port, web=web)
    except OSError:
        if port is not None:
            raise
        return FakeServer(api, HOST, 0, web=web)


def main(argv: list[str]) -> int:
    """Run the sandbox until Ctrl-C; print one line with the page's URL."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="doorman-sandbox-") as scratch:
        try:
            settings = sandbox_settings(args.db or Path(scratch) / "sandbox.db")
        except SettingsError as exc:
            print(f"doorman sandbox: {exc}", file=sys.stderr)
            return 2
        return run(settings, args.port, open_browser=not args.no_browser)


def run(settings: Settings, port: int | None, open_browser: bool = False) -> int:
    """Set up the demo world, serve it, and poll it with the real bot in this thread until stopped."""
    configure_logging(settings.token, logging.WARNING)
    from bot.app import ALLOWED_UPDATES, build_application

    api = FakeBotAPI(token=TOKEN, bot_username=BOT_USERNAME, bot_first_name="Doorman")
    clock = SandboxClock(settings.summary_day, settings.summary_time, settings.timezone)
    world = World(api, clock)
    world.setup()
    try:
        server = serve(api, SandboxWeb(world), port)
    except OSError as exc:
        print(f"doorman sandbox: cannot listen on {HOST}:{port}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        try:
            app = build_application(dataclasses.replace(settings, base_url=server.base_url), clock=clock.now)
        except DatabaseFileError as exc:
            print(f"doorman sandbox: --db: {exc} (the file was not changed)", file=sys.stderr)
            return 2
        world.run_due = due_jobs_runner(app)
        url = f"http://{HOST}:{server.port}/"
        print(f"doorman sandbox: {url} (Ctrl-C to stop)", flush=True)
        if open_browser and _has_display():
            webbrowser.open(url)
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
    finally:
        server.close()
    return 0


def _has_display() -> bool:
    # Without a desktop, webbrowser may start a text browser inside this very terminal.
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
