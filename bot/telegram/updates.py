"""Reading a getUpdates batch one update at a time, so that one update the library cannot parse costs only itself."""

import logging

from telegram import Bot, Update

log = logging.getLogger(__name__)


def parse_updates(raw: list, bot: Bot) -> tuple[Update, ...]:
    """Build an Update from each item of a getUpdates result. An item that cannot be parsed is logged (its id and
    the error, not its content) and stands in as an empty Update with the same id: the poll's offset moves past it,
    and no feature's handler matches an update that carries nothing."""
    updates = []
    for item in raw:
        try:
            updates.append(Update.de_json(item, bot))
        except Exception as exc:  # whatever the library trips over in a shape it does not know
            update_id = item.get("update_id") if isinstance(item, dict) else None
            kinds = ", ".join(key for key in item if key != "update_id") if isinstance(item, dict) else "?"
            if not isinstance(update_id, int):
                log.error("an update without an id could not be read and was skipped (%s: %s)", kinds,
                          type(exc).__name__)
                continue
            log.error("update %s could not be read and was skipped (%s: %s: %s)", update_id, kinds,
                      type(exc).__name__, exc)
            placeholder = Update(update_id=update_id)
            placeholder.set_bot(bot)
            updates.append(placeholder)
    return tuple(updates)
