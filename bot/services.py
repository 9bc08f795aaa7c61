"""What handlers need, built once and reached through app.bot_data (never imported as globals)."""

import asyncio
import contextlib
import functools
import tomllib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlite_utils import Database

from bot.phrasebook import Phrasebook, default_phrasebook_dirs, load_phrasebook
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
    phrasebook: Phrasebook
    clock: Callable[[], datetime] = field(default=utc_now)
    _chat_questions: dict = field(default_factory=dict)
    _card_locks: dict = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def card_lock(self, request_id: int) -> AsyncIterator[None]:
        """Serialise sending/editing one request's card (an answer and the start-up catch-up may race)."""
        lock = self._card_locks.setdefault(request_id, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not getattr(lock, "_waiters", None):
                self._card_locks.pop(request_id, None)

    def now(self) -> datetime:
        """The current time (UTC); tests inject their own clock."""
        return self.clock()

    def template_for(self, request: dict, name: str) -> str:
        """The template to use for this request: per-chat (join), per-door (business), then the default."""
        candidates = []
        if request.get("target_chat_id"):
            candidates.append(f"chats/{request['target_chat_id']}/{name}")
        candidates.append(f"{request['kind']}/{name}")
        return next((c for c in candidates if self.renderer.has(c)), name)

    def questions_for(self, request: dict) -> tuple[Question, ...]:
        """The questionnaire for this request: a chat's own questions.toml if it has one, else the default."""
        name = self.template_for(request, "questions.toml")
        if name == "questions.toml":
            return self.questions
        if name not in self._chat_questions:
            self._chat_questions[name] = parse_questions(self.renderer.source(name))
        return self._chat_questions[name]


def build_services(settings: Settings, db: Database, clock: Callable[[], datetime] = utc_now) -> Services:
    """Load templates, questions and labels (owner overrides first) and bundle them with the database."""
    renderer = Renderer(settings.prompts_dir)
    questions = parse_questions(renderer.source("questions.toml"))
    labels = tomllib.loads(renderer.source("labels.toml"))
    phrasebook = _phrasebook(tuple(default_phrasebook_dirs(settings.prompts_dir)))
    return Services(settings, db, renderer, questions, labels, phrasebook, clock)


@functools.lru_cache(maxsize=8)
def _phrasebook(dirs: tuple) -> Phrasebook:
    # Compiling the phrase lists takes ~0.5 s; they only change when the bot restarts, so compile once.
    return load_phrasebook(dirs)


def get_services(bot_data: dict) -> Services:
    """Return the Services stored in an Application's bot_data."""
    return bot_data[SERVICES_KEY]
