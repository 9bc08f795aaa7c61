"""How old a Telegram account probably is, estimated from its user id: ids grow over time, so a small table of
approximate id → date anchors, read between (and past the newest anchor, along its trend), gives a rough date.

An estimate only, never a fact: ids were handed out in ranges, and the anchors are approximate public data
points (accounts whose creation date was known). The card says "account probably < 1 month", nothing firmer."""

from datetime import UTC, date, datetime, timedelta

# (user id, approximate creation date), ascending: refresh the newest rows now and then.
ANCHORS: tuple[tuple[int, date], ...] = (
    (2_768_409, date(2013, 11, 1)),
    (101_260_938, date(2015, 3, 6)),
    (181_783_990, date(2016, 4, 18)),
    (297_621_225, date(2016, 11, 22)),
    (400_169_472, date(2017, 7, 31)),
    (805_158_066, date(2017, 12, 15)),
    (1_974_255_900, date(2021, 10, 12)),
    (5_000_000_000, date(2022, 1, 15)),
    (6_000_000_000, date(2023, 1, 15)),
    (7_000_000_000, date(2024, 3, 1)),
    (8_000_000_000, date(2025, 4, 1)),
)
MONTH = timedelta(days=31)
YEAR = timedelta(days=365)


def estimated_creation(user_id: int) -> date | None:
    """The approximate day an account with this id was made (None for ids below the table: very old)."""
    if user_id < ANCHORS[0][0]:
        return None
    for (low_id, low_day), (high_id, high_day) in zip(ANCHORS, ANCHORS[1:], strict=False):
        if user_id <= high_id:
            return low_day + (high_day - low_day) * ((user_id - low_id) / (high_id - low_id))
    (low_id, low_day), (high_id, high_day) = ANCHORS[-2:]
    return high_day + (high_day - low_day) * ((user_id - high_id) / (high_id - low_id))


def age_band(user_id: int, now: datetime) -> str | None:
    """'< 1 month' or '< 1 year' when the id says the account is probably that new; None when older or unknown."""
    made = estimated_creation(user_id)
    if made is None:
        return None
    age = now.astimezone(UTC).date() - made
    if age < MONTH:
        return "< 1 month"
    if age < YEAR:
        return "< 1 year"
    return None
