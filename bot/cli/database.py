"""Which database a command-line tool works on: --database, else DATABASE_PATH (environment or .env)."""

import argparse
import os
import sys
from pathlib import Path

from bot.settings import read_dotenv
from db.connection import Database, DatabaseFileError, open_db


class NoDatabase(Exception):
    """The database file is missing or unusable; the message says which and why."""


def database_path(given: str | None) -> Path:
    """--database if given, else DATABASE_PATH from the environment (over .env), else doorman.db."""
    if given:
        return Path(given)
    env = {**read_dotenv(Path(".env")), **os.environ}
    return Path(env.get("DATABASE_PATH", "").strip() or "doorman.db")


def open_existing(path: Path) -> Database:
    """Open an existing database (never creating one where a typo pointed); raise NoDatabase otherwise."""
    if not path.is_file():
        raise NoDatabase(f"no database at {path} (set DATABASE_PATH or pass --database)")
    try:
        db = open_db(path)
    except DatabaseFileError as exc:
        raise NoDatabase(str(exc)) from None
    # A running bot holds the write lock for a moment per update; a command line can wait longer than the bot.
    db.execute("PRAGMA busy_timeout = 5000")
    return db


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """The --database option every command-line tool takes."""
    parser.add_argument("--database", help="the SQLite file (default: DATABASE_PATH, else doorman.db)")


def open_for_command(given: str | None) -> Database | None:
    """The tool's database, or None after saying on stderr why there is none."""
    try:
        return open_existing(database_path(given))
    except NoDatabase as exc:
        print(f"doorman: {exc}", file=sys.stderr)
        return None
