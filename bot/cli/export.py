"""``python -m bot export``: requests, answers and decisions as CSV or JSON Lines, to stdout or a file."""

import argparse
import sys
from datetime import UTC, date, datetime
from typing import IO

from bot.cli.database import add_database_option, open_for_command
from bot.core.export import FORMATS, render_export
from db.privacy import list_export


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot export",
                                     description="Export requests, answers and decisions (what /export sends).")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="csv (default) or jsonl (one JSON a line)")
    parser.add_argument("--since", type=date.fromisoformat, help="only requests made on or after this date "
                        "(YYYY-MM-DD, UTC)")
    parser.add_argument("--output", help="write to this file instead of stdout")
    add_database_option(parser)
    return parser


def main(argv: list[str], stdout: IO[str] = sys.stdout) -> int:
    """Run the command; the exit code."""
    args = _parser().parse_args(argv)
    db = open_for_command(args.database)
    if db is None:
        return 2
    try:
        since = datetime.combine(args.since, datetime.min.time(), UTC) if args.since else None
        text = render_export(list_export(db, since), args.format)
    finally:
        db.close()
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    else:
        stdout.write(text)
    return 0
