"""``python -m bot forget USER_ID``: erase everything stored about one person (what /forget does), after asking."""

import argparse
import sys
from datetime import UTC, datetime
from typing import IO

from bot.cli.database import add_database_option, open_for_command
from bot.core.text import full_name
from bot.core.vocabulary import Kind, bot_actor
from db.people import find_person
from db.privacy import ERASED_PERSON, forget_person, list_request_ids_of

ACTOR = bot_actor("python -m bot forget")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot forget",
                                     description="Erase everything stored about one person; the counts stay.")
    parser.add_argument("person", help="their Telegram user id (or @username)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_database_option(parser)
    return parser


def main(argv: list[str], stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout) -> int:
    """Run the command; the exit code (1: not confirmed, 2: no such person or database)."""
    args = _parser().parse_args(argv)
    db = open_for_command(args.database)
    if db is None:
        return 2
    try:
        person = find_person(db, args.person)
        if person is None or person["user_id"] == ERASED_PERSON:
            print(f"doorman: nobody known as {args.person}", file=sys.stderr)
            return 2
        count = len(list_request_ids_of(db, person["user_id"]))
        name = full_name(person)
        if not args.yes:
            stdout.write(f"Erase everything stored about {name} (id {person['user_id']}) and {count} requests? [y/N] ")
            stdout.flush()
            if stdin.readline().strip().lower() not in ("y", "yes"):
                print("Nothing was erased.", file=stdout)
                return 1
        # Only the bot can answer Telegram: the running bot declines their open join requests (or at its next start).
        requests, withdrawn = forget_person(db, person["user_id"], datetime.now(UTC), ACTOR.user_id, ACTOR.name,
                                            close_joins_later=True)
    finally:
        db.close()
    joins = sum(1 for r in requests if r["id"] in withdrawn and r["kind"] == Kind.JOIN)
    print(f"Erased user {person['user_id']} and {len(requests)} requests"
          f"{f' ({len(withdrawn)} open, now withdrawn)' if withdrawn else ''}. A running bot redraws their cards"
          " within a minute" + (f" and declines their join request{'s' if joins != 1 else ''} on Telegram"
                                " (or does so when it next starts)" if joins else "") + ".", file=stdout)
    return 0
