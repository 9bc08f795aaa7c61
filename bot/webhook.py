"""Webhook mode (WEBHOOK_URL set): what PTB's webhook server is started with."""

import re
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from bot.app import ALLOWED_UPDATES
from bot.settings import Settings
from db.connection import Database
from db.webhook import get_or_insert_webhook_secret


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
