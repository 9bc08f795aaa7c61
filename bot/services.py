"""What handlers need, built once and reached through app.bot_data (never imported as globals)."""

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlite_utils import Database

from bot.render import Renderer
from bot.screening import Question, parse_questions
from bot.settings import Settings

SERVICES_KEY = "doorman.services"


def utc_now() -> datetime:
    """The real clock, in UTC."""
    return datetime.now(UTC)


@dataclass
class Services:
    """Settings, storage, templates and the clock, shared by every handler."""

    settings: Settings
    db: Database
    renderer: Renderer
    questions: tuple[Question, ...]
    labels: dict
    clock: Callable[[], datetime] = field(default=utc_now)

    def now(self) -> datetime:
        """The current time (UTC); tests inject their own clock."""
        return self.clock()


def build_services(settings: Settings, db: Database, clock: Callable[[], datetime] = utc_now) -> Services:
    """Load templates, questions and labels (owner overrides first) and bundle them with the database."""
    renderer = Renderer(settings.prompts_dir)
    questions = parse_questions(renderer.source("questions.toml"))
    labels = tomllib.loads(renderer.source("labels.toml"))
    return Services(settings, db, renderer, questions, labels, clock)


def get_services(bot_data: dict) -> Services:
    """Return the Services stored in an Application's bot_data."""
    return bot_data[SERVICES_KEY]
