"""The shared vocabulary (bot/core/vocabulary.py) as SQL literals, so no status is spelled out in a query."""

from collections.abc import Iterable

from bot.core.vocabulary import OPEN_STATUSES, OUTCOMES, REVIEWED


def sql_list(values: Iterable[str]) -> str:
    """A parenthesised SQL list of string literals: ('asking', 'pending'). Only for our own constants."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


OPEN = sql_list(OPEN_STATUSES)
DECIDED = sql_list(OUTCOMES)
REVIEWED_SQL = sql_list(REVIEWED)
