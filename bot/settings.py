"""Settings from the environment (and an optional .env file), validated once at start-up."""

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_CAS_URL = "https://api.cas.chat/check"
_TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{8,}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a webhook's secret_token
_URL_PATH_RE = re.compile(r"^[A-Za-z0-9/._~-]*$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
DEFAULT_PORT = 8080
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class SettingsError(ValueError):
    """A missing or malformed setting; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    token: str
    reviewers: tuple[int, ...]
    review_chat_id: int | None = None
    database_path: Path = Path("doorman.db")
    prompts_dir: Path | None = None
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    base_url: str = DEFAULT_BASE_URL
    decline_silent: bool = False
    contact_line: str = ""
    join_answer_timeout: timedelta = timedelta(hours=24)
    join_timeout_policy: str = "keep"
    auto_approve_known: bool = True
    detect_language: bool = True  # read the language of typed messages (bot/langid.py: about 2 MB once loaded)
    auto_decline: frozenset[str] = frozenset()
    raid_threshold: int = 30
    snooze_days: int = 3
    remind_after_days: int = 3
    expire_after_days: int = 30
    retention_days: int = 0  # 0: keep answers and messages; else erase them this many days after the decision
    summary_day: int = 0  # 0 = Monday, as date.weekday() (not JobQueue's 0 = Sunday)
    summary_time: time = time(9, 0)
    assess_model: str | None = None  # an `llm` model id; unset: the local model only
    assess_timeout: timedelta = timedelta(seconds=20)
    cas_check: bool = False  # ask the Combot Anti-Spam list about each new join or direct requester
    cas_url: str = DEFAULT_CAS_URL
    webhook_url: str | None = None  # unset: long polling
    port: int = DEFAULT_PORT  # where the webhook server listens (behind the host's HTTPS)
    webhook_listen: str = "0.0.0.0"
    webhook_secret: str | None = field(default=None, repr=False)  # unset: generated once, kept in the database
    undo_window: timedelta = timedelta(seconds=30)  # a reviewer's decision waits this long for Undo; 0: at once

    @property
    def owner_id(self) -> int:
        """The first reviewer: the owner."""
        return self.reviewers[0]

    @property
    def card_chat_id(self) -> int:
        """Where cards go: the review chat if set, else the owner's private chat."""
        return self.review_chat_id if self.review_chat_id is not None else self.owner_id

    def is_reviewer(self, user_id: int) -> bool:
        """True when this user may decide requests and use owner commands."""
        return user_id in self.reviewers


def _int(name: str, raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a Telegram id (an integer), got {raw!r}") from None


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(name: str, raw: str) -> timedelta:
    """Parse '90m', '24h', '2d' or a bare number of seconds; raise SettingsError naming the variable."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", raw.lower())
    if not match or float(match.group(1)) <= 0:
        raise SettingsError(f"{name} must be a duration like 90m, 24h or 2d, got {raw!r}")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or "s"])


def _window(name: str, raw: str) -> timedelta:
    """A duration that may also be 0 (or 'off'): the feature is off."""
    if raw.strip().lower() in ("0", "off"):
        return timedelta(0)
    return parse_duration(name, raw)


def _flags(name: str, raw: str, allowed: set[str]) -> frozenset[str]:
    flags = frozenset(part.strip().lower() for part in raw.split(",") if part.strip())
    if not flags <= allowed:
        raise SettingsError(f"{name} may list {', '.join(sorted(allowed))} (comma-separated), got {raw!r}")
    return flags


def _whole(name: str, raw: str, *, minimum: int, unit: str = "days") -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = -1
    if value < minimum:
        raise SettingsError(f"{name} must be a whole number of {unit} ≥ {minimum}, got {raw!r}")
    return value


def _choice(name: str, raw: str, allowed: tuple[str, ...]) -> str:
    value = raw.strip().lower()
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return value


def _weekday(name: str, raw: str) -> int:
    value = raw.strip().lower()
    matches = [i for i, day in enumerate(WEEKDAYS) if len(value) >= 3 and day.startswith(value)]
    if len(matches) != 1:
        raise SettingsError(f"{name} must be a day of the week (monday .. sunday), got {raw!r}")
    return matches[0]


def _clock_time(name: str, raw: str) -> time:
    match = re.fullmatch(r"\s*([01]?\d|2[0-3]):([0-5]\d)\s*", raw)
    if not match:
        raise SettingsError(f"{name} must be a time of day as HH:MM (24-hour), got {raw!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _webhook_url(raw: str, token: str) -> str | None:
    url = raw.strip()
    if not url:
        return None
    if token.partition(":")[2] in url:
        raise SettingsError("WEBHOOK_URL must not contain the bot token (a URL ends up in logs and proxies);"
                            " a generated secret protects the webhook instead")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise SettingsError(f"WEBHOOK_URL has a port that is not a number from 1 to 65535, got {url!r}")
    local = parts.hostname in _LOCAL_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise SettingsError(f"WEBHOOK_URL must start with https:// (Telegram calls webhooks over HTTPS only;"
                            f" http:// only for a Bot API server of your own on localhost), got {url!r}")
    if not parts.hostname or parts.query or parts.fragment or "@" in parts.netloc:
        raise SettingsError(f"WEBHOOK_URL must be https://host[:port][/path], without ?query, #fragment or"
                            f" user@, got {url!r}")
    if not _URL_PATH_RE.match(parts.path):
        raise SettingsError(f"WEBHOOK_URL's path may hold only letters, digits and / . _ ~ -, got {url!r}")
    return url


def _port(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise SettingsError(f"PORT must be a port number from 1 to 65535, got {raw!r}")
    return value


def _listen(raw: str) -> str:
    value = raw.strip()
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if value != "localhost":
            raise SettingsError(f"WEBHOOK_LISTEN must be an IP address (0.0.0.0, 127.0.0.1), got {raw!r}") from None
    return value


def _secret(raw: str) -> str | None:
    value = raw.strip()
    if value and not _SECRET_RE.match(value):
        # Never echo it: it is a secret.
        raise SettingsError("WEBHOOK_SECRET must be 1 to 256 of A-Z a-z 0-9 _ - (what Telegram accepts)")
    return value or None


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a simple KEY=VALUE .env file (comments and blank lines skipped)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """Build Settings from the environment (over an optional .env); raise SettingsError naming the variable."""
    env = {**(read_dotenv(dotenv) if dotenv else {}), **(os.environ if environ is None else environ)}

    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and set it"
                            " (or try doorman without one: python -m bot sandbox)")
    if not _TOKEN_RE.match(token):
        raise SettingsError("TELEGRAM_BOT_TOKEN does not look like a bot token: @BotFather's tokens are the bot's id"
                            " (digits), a colon, then 35 or so letters, digits, '-' or '_', e.g."
                            " 123456789:AAF1-abcdEFGH_ijklMNOPqrstUVWXyz012")

    raw_owner = env.get("OWNER_ID", "").strip()
    if not raw_owner:
        raise SettingsError("OWNER_ID is not set: give your numeric Telegram user id (comma-separate several)")
    reviewers = tuple(_int("OWNER_ID", part) for part in raw_owner.split(",") if part.strip())
    if not reviewers or any(r <= 0 for r in reviewers):
        raise SettingsError(f"OWNER_ID must list positive user ids, got {raw_owner!r}")

    review_chat = env.get("REVIEW_CHAT_ID", "").strip()
    tz_name = env.get("TIMEZONE", "").strip() or "UTC"
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIMEZONE must be an IANA zone like Europe/Berlin, got {tz_name!r}") from None

    prompts_dir = env.get("PROMPTS_DIR", "").strip()
    if prompts_dir and not Path(prompts_dir).is_dir():
        raise SettingsError(f"PROMPTS_DIR must be an existing folder, got {prompts_dir!r}")

    base_url = env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL
    if not base_url.startswith(("http://", "https://")):
        raise SettingsError(f"TELEGRAM_BASE_URL must start with http:// or https://, got {base_url!r}")

    cas_url = env.get("CAS_URL", "").strip() or DEFAULT_CAS_URL
    if not cas_url.startswith(("http://", "https://")):
        raise SettingsError(f"CAS_URL must start with http:// or https://, got {cas_url!r}")
    cas_check = _bool("CAS_CHECK", env.get("CAS_CHECK", ""))
    auto_decline = _flags("AUTO_DECLINE", env.get("AUTO_DECLINE", ""), {"pitch", "creepy", "cas"})
    if "cas" in auto_decline and not cas_check:
        raise SettingsError("AUTO_DECLINE=cas needs CAS_CHECK=true (the list is only asked when CAS_CHECK is on)")

    return Settings(
        token=token,
        reviewers=reviewers,
        review_chat_id=_int("REVIEW_CHAT_ID", review_chat) if review_chat else None,
        database_path=Path(env.get("DATABASE_PATH", "").strip() or "doorman.db"),
        prompts_dir=Path(prompts_dir) if prompts_dir else None,
        timezone=timezone,
        base_url=base_url,
        decline_silent=_bool("DECLINE_SILENT", env.get("DECLINE_SILENT", "")),
        contact_line=env.get("CONTACT_LINE", "").strip(),
        join_answer_timeout=parse_duration("JOIN_ANSWER_TIMEOUT", env.get("JOIN_ANSWER_TIMEOUT", "") or "24h"),
        auto_approve_known=_bool("AUTO_APPROVE_KNOWN", env.get("AUTO_APPROVE_KNOWN", "true")),
        detect_language=_bool("DETECT_LANGUAGE", env.get("DETECT_LANGUAGE", "true")),
        auto_decline=auto_decline,
        raid_threshold=_whole("RAID_THRESHOLD", env.get("RAID_THRESHOLD", "") or "30", minimum=1, unit="requests"),
        snooze_days=_whole("SNOOZE_DAYS", env.get("SNOOZE_DAYS", "") or "3", minimum=1),
        remind_after_days=_whole("REMIND_AFTER_DAYS", env.get("REMIND_AFTER_DAYS", "") or "3", minimum=1),
        expire_after_days=_whole("EXPIRE_AFTER_DAYS", env.get("EXPIRE_AFTER_DAYS", "") or "30", minimum=0),
        retention_days=_whole("RETENTION_DAYS", env.get("RETENTION_DAYS", "") or "0", minimum=0),
        join_timeout_policy=_choice("JOIN_TIMEOUT_POLICY", env.get("JOIN_TIMEOUT_POLICY", "") or "keep",
                                    ("keep", "decline")),
        summary_day=_weekday("SUMMARY_DAY", env.get("SUMMARY_DAY", "") or "monday"),
        summary_time=_clock_time("SUMMARY_TIME", env.get("SUMMARY_TIME", "") or "09:00"),
        assess_model=env.get("ASSESS_MODEL", "").strip() or None,
        assess_timeout=parse_duration("ASSESS_TIMEOUT", env.get("ASSESS_TIMEOUT", "") or "20s"),
        cas_check=cas_check,
        cas_url=cas_url,
        webhook_url=_webhook_url(env.get("WEBHOOK_URL", ""), token),
        port=_port(env.get("PORT", "") or str(DEFAULT_PORT)),
        webhook_listen=_listen(env.get("WEBHOOK_LISTEN", "") or "0.0.0.0"),
        webhook_secret=_secret(env.get("WEBHOOK_SECRET", "")),
        undo_window=_window("UNDO_WINDOW", env.get("UNDO_WINDOW", "") or "30s"),
    )
