"""The words the whole bot shares: request kinds, statuses, decisions, standings and who acted.

Each is stored in SQLite as its string value; StrEnum members compare equal to those strings.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

# Telegram lets a bot write to someone who asked to join a chat for this long after the request (user_chat_id).
JOIN_WINDOW = timedelta(minutes=5)


class Kind(StrEnum):
    """Which door a request came through."""

    JOIN = "join"  # a chat join request
    DIRECT = "direct"  # /start, a deep link or a first message to the bot
    BUSINESS = "business"  # a stranger writing to the owner's own account


class Status(StrEnum):
    """Where a request stands."""

    ASKING = "asking"  # the questionnaire runs
    PENDING = "pending"  # answered (or timed out / unreachable): waiting for a reviewer
    ACCEPTED = "accepted"
    DECLINED = "declined"
    BLOCKED = "blocked"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # handled elsewhere (another admin, or the requester withdrew)


OPEN_STATUSES: tuple[Status, ...] = (Status.ASKING, Status.PENDING)
# What a request can end as, in the order the weekly summary lists them.
OUTCOMES: tuple[Status, ...] = (Status.ACCEPTED, Status.DECLINED, Status.BLOCKED, Status.EXPIRED, Status.WITHDRAWN)
# Outcomes a reviewer chose; expiry and "handled elsewhere" would skew the time a reviewer takes to decide.
REVIEWED: tuple[Status, ...] = (Status.ACCEPTED, Status.DECLINED, Status.BLOCKED)


def is_open(status: str) -> bool:
    """True while a request still waits for answers or a decision."""
    return status in OPEN_STATUSES


class Decision(StrEnum):
    """What a reviewer (or the bot on its own) decides about a request."""

    ACCEPT = "accept"
    DECLINE = "decline"
    BLOCK = "block"
    IGNORE = "ignore"  # decline without a word to the requester, whatever DECLINE_SILENT says
    EXPIRE = "expire"

    @property
    def status(self) -> Status:
        """The status a request ends in after this decision."""
        return _DECISION_STATUS[self]


_DECISION_STATUS = {Decision.ACCEPT: Status.ACCEPTED, Decision.DECLINE: Status.DECLINED,
                    Decision.BLOCK: Status.BLOCKED, Decision.IGNORE: Status.DECLINED, Decision.EXPIRE: Status.EXPIRED}
REVIEWER_DECISIONS: tuple[Decision, ...] = (Decision.ACCEPT, Decision.DECLINE, Decision.BLOCK, Decision.IGNORE)


class Standing(StrEnum):
    """What the owner decided about a person, remembered across requests."""

    UNKNOWN = "unknown"  # asked like anyone else
    ALLOWED = "allowed"  # known: let through without questions
    BLOCKED = "blocked"  # ignored


def standing_after(status: str) -> Standing | None:
    """The standing a decided request leaves its requester with (None: unchanged)."""
    return {Status.ACCEPTED: Standing.ALLOWED, Status.BLOCKED: Standing.BLOCKED,
            Status.DECLINED: Standing.UNKNOWN}.get(status)


@dataclass(frozen=True)
class Actor:
    """Who decided: a reviewer (their Telegram id and name) or the bot itself (id 0, with why)."""

    user_id: int
    name: str

    @property
    def is_bot(self) -> bool:
        """True when doorman acted on its own (a policy, not a person)."""
        return self.user_id == 0


def bot_actor(why: str) -> Actor:
    """doorman acting on its own, e.g. bot_actor("expired") → "doorman (expired)"."""
    return Actor(0, f"doorman ({why})")


NO_ANSWER_POLICY = bot_actor("no answer policy")
EXPIRY = bot_actor("expired")
KNOWN_PERSON = bot_actor("known person")


def auto_decline_actor(flags: list[str]) -> Actor:
    """doorman declining on its own because of AUTO_DECLINE flags."""
    return bot_actor(f"auto-decline: {', '.join(flags)}")


def outcome_word(status: str, kind: str, ignored: bool = False) -> str:
    """Which word (a key of labels.toml's [outcome]) names a decided status: a join request is approved, not
    accepted; a decline by Ignore is "ignored"."""
    if ignored and status == Status.DECLINED:
        return "ignored"
    return "approved" if status == Status.ACCEPTED and kind == Kind.JOIN else status
