"""Fixtures: a real SQLite file per test, the fake Bot API, an injected clock, and the real Application."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.world import BASE_URL, BOT_ID, OWNER, REVIEWER, TOKEN, Clock, Driver, VirtualTime

from bot.app import build_application
from bot.settings import Settings
from bot.telegram.ratelimit import PacedRateLimiter
from db import open_db
from fakegram import FakeBotAPI


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "t.db"


@pytest.fixture
def db(db_path):
    database = open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def fake_api():
    api = FakeBotAPI(token=TOKEN, bot_id=BOT_ID, bot_username="doorman_test_bot")
    yield api
    assert api.unknown_methods == [], f"the bot called methods the fake does not know: {api.unknown_methods}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Decisions are carried out at once here; tests/test_undo.py turns the 30-second undo window on.
    return Settings(token=TOKEN, reviewers=(OWNER, REVIEWER), database_path=tmp_path / "t.db", base_url=BASE_URL,
                    contact_line="Write to me at @owner", undo_window=timedelta(0))


@pytest.fixture
def make_app(fake_api, clock):
    """Build (and initialise) an Application; call again with the same db to simulate a restart."""
    built = []

    async def factory(settings: Settings, db):
        # The shipped limiter, on a clock that moves only when it waits: pacing is exercised, never waited out.
        virtual = VirtualTime()
        limiter = PacedRateLimiter(clock=virtual.clock, sleep=virtual.sleep)
        app = build_application(settings, db=db, clock=clock, transport=fake_api.transport, backoff=0.01,
                                rate_limiter=limiter)
        await app.initialize()
        built.append(app)
        return app

    yield factory


@pytest.fixture
async def app(make_app, settings, db):
    application = await make_app(settings, db)
    yield application
    await application.shutdown()


@pytest.fixture
def driver(app, fake_api, owner, reviewer) -> Driver:
    # Reviewers have pressed Start in the bot once (Telegram requires it before the bot may write to them).
    for person in (owner, reviewer):
        fake_api.private_message(person, "/start")
    return Driver(app, fake_api)


@pytest.fixture
def stranger(fake_api) -> dict:
    return fake_api.user(5001, "Ada", "Lovelace", username="ada", language_code="en")


@pytest.fixture
def owner(fake_api) -> dict:
    return fake_api.user(OWNER, "Olga", "Owner", username="olga")


@pytest.fixture
def reviewer(fake_api) -> dict:
    return fake_api.user(REVIEWER, "Rita", "Reviewer", username="rita")
