"""An update Telegram delivers twice is handled once: handled update ids are rows."""

import asyncio

from bot.flow.deps import Deps
from db.errors import is_busy
from db.events import is_update_processed, mark_update_processed

# Pauses while another process holds the database's write lock: about a minute in all.
BUSY_DELAYS = (0.25, 0.5, 1, 2, 4, 8, 15, 30)


def database_busy(error: BaseException | None) -> bool:
    """True when an error only means the database is locked by someone else for now."""
    return is_busy(error)


def already_handled(deps: Deps, update_id: int) -> bool:
    """True when this update id was handled before."""
    return is_update_processed(deps.db, update_id)


async def mark_handled(deps: Deps, update_id: int) -> None:
    """Remember that this update id has been handled, committed with the rest of the update's writes. Its work is
    done by then: a busy database only delays the record (running the update again would repeat what it sent)."""
    for delay in (*BUSY_DELAYS, None):
        try:
            mark_update_processed(deps.db, update_id, deps.now())
            deps.db.end_update()
            return
        except Exception as exc:
            if delay is None or not is_busy(exc):
                raise
            await asyncio.sleep(delay)
