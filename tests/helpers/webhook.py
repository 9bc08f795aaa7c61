"""Run `python -m bot` in webhook mode against the served fake Bot API, and post updates to it as Telegram does."""

import http.client
import json
import socket
import subprocess
from pathlib import Path

from helpers.process import start_bot, stop_bot, wait_for

WEBHOOK_URL = "https://doorman.example/telegram/hook"  # public address; a proxy would forward it to the bot's port
WEBHOOK_PATH = "/telegram/hook"


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it; another process may still take it: see start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    """True once something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def start_webhook_bot(base_url: str, db_path: Path, cwd: Path, **extra_env: str) -> tuple[subprocess.Popen, int]:
    """Start the bot in webhook mode on a free port and wait until it listens; (process, port).

    A free port can be taken by another process before the bot binds it: then the bot exits saying so, and this
    tries another one."""
    for _ in range(5):
        port = free_port()
        bot = start_bot(base_url, db_path, cwd, WEBHOOK_URL=WEBHOOK_URL, PORT=str(port), WEBHOOK_LISTEN="127.0.0.1",
                        **extra_env)
        wait_for(lambda: bot.poll() is not None or listening(port), "the webhook server to listen")  # noqa: B023
        if bot.poll() is None:
            return bot, port
        output = stop_bot(bot)
        if "already in use" not in output:
            raise AssertionError(f"the bot exited before listening:\n{output}")
    raise AssertionError("no free port stayed free long enough")


def post_update(port: int, update: dict, secret: str | None, path: str = WEBHOOK_PATH) -> int:
    """POST one update to the bot's webhook as Telegram does (secret in its header unless None); the status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=json.dumps(update), headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
