"""Whether a rush of requests is on, or a request came in one (raid mode's test, for everything that must
behave differently during one: batched cards, a skipped profile call)."""

from collections.abc import Mapping

from bot.flow.deps import Deps
from db.raids import count_recent_requests, count_requests_after
from db.time import parse_stamp


def raid_active(deps: Deps) -> bool:
    """More requests arrived in the last minute than RAID_THRESHOLD."""
    return count_recent_requests(deps.db, deps.now()) > deps.settings.raid_threshold


def belongs_to_raid(deps: Deps, request: Mapping) -> bool:
    """A raid is on, or the request came in one: its card goes on a batched card, not a card of its own. A raid's
    requests are all recorded in its first seconds and then asked and answered over minutes, long after the
    arrival rate says the raid is over; one card each then would flood the owner's chat."""
    if raid_active(deps):
        return True
    # The minute from its arrival on: a raid's first requests arrive before the flood does.
    return count_requests_after(deps.db, parse_stamp(request["created_at"])) > deps.settings.raid_threshold
