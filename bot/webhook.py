"""Webhook mode (WEBHOOK_URL set): what PTB's webhook server is started with."""

import asyncio
import errno
import logging
import re
import secrets
import sys
from datetime import datetime
from urllib.parse import urlsplit

from telegram.ext import Application

from bot.app import ALLOWED_UPDATES
from bot.jobs import CATCH_UP_KEY, FEEDER_KEY, deps_of
from bot.settings import Settings
from db.connection import Database
from db.webhook import get_or_insert_webhook_secret

log = logging.getLogger(__name__)


def webhook_secret(settings: Settings, db: Database, now: datetime) -> str:
    """WEBHOOK_SECRET, or the one generated at the first start in webhook mode (kept in the database)."""
    if settings.webhook_secret:
        return settings.webhook_secret
    secret = get_or_insert_webhook_secret(db, secrets.token_urlsafe(32), now)
    db.commit()
    return secret


def webhook_options(settings: Settings, db: Database, now: datetime) -> dict:
    """Keyword arguments for Application.run_webhook: listen where the host forwards WEBHOOK_URL to (PORT), on
    WEBHOOK_URL's path, for the same updates as polling, accepting only posts that carry the secret."""
    assert settings.webhook_url, "only in webhook mode"
    return {
        "listen": settings.webhook_listen,
        "port": settings.port,
        # PTB reads url_path as a regular expression; settings allow only plain path characters, '.' among them.
        "url_path": re.escape(urlsplit(settings.webhook_url).path or "/"),
        "webhook_url": settings.webhook_url,
        "secret_token": webhook_secret(settings, db, now),
        "allowed_updates": ALLOWED_UPDATES,
    }


def serve_webhook(app: Application, settings: Settings, loop: asyncio.AbstractEventLoop) -> int:
    """Set the webhook and serve it on PORT until stopped; 2 when PORT cannot be listened on (said in one line)."""
    deps = deps_of(app)
    options = webhook_options(settings, deps.db, deps.now())
    log.info("receiving updates at %s (listening on %s:%s)", settings.webhook_url, options["listen"], options["port"])
    try:
        app.run_webhook(**options, stop_signals=None, close_loop=False)
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        print(f"doorman: PORT {settings.port} on WEBHOOK_LISTEN {settings.webhook_listen}: {exc.strerror}"
              " (another process uses it, or it needs privileges: pick another PORT)", file=sys.stderr)
        return 2
    finally:
        # The server never started when PORT was taken, so PTB never stops the app: end its catch-up and the
        # waiting join requests' feeder here (their rows stay for the next start).
        for key in (CATCH_UP_KEY, FEEDER_KEY):
            task = app.bot_data.pop(key, None)
            if task is not None and not task.done():
                task.cancel()
                loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
        loop.close()
    return 0
