"""An update Telegram delivers twice is handled once: handled update ids are rows."""

from bot.flow.deps import Deps
from db.events import is_update_processed, mark_update_processed


def already_handled(deps: Deps, update_id: int) -> bool:
    """True when this update id was handled before."""
    return is_update_processed(deps.db, update_id)


def mark_handled(deps: Deps, update_id: int) -> None:
    """Remember that this update id has been handled."""
    mark_update_processed(deps.db, update_id, deps.now())
