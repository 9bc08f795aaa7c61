"""How moments are stored: UTC ISO-8601 to the second ('2026-11-23T09:00:00+00:00'), so they sort as text."""

from datetime import UTC, datetime


def stamp(moment: datetime) -> str:
    """A moment as the database stores it."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_stamp(text: str | None) -> datetime | None:
    """A stored moment read back (None stays None)."""
    return datetime.fromisoformat(text) if text else None
