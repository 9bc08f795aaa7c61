"""What the learned assessor sees in a requester's profile and behaviour, as features: pure.

A profile is whatever is known about the account and how it asked besides the answers (bot/core/signals.py
gathers it at run time; a corpus row may carry one under "profile"). Only what is known *and* stands out becomes
a feature: an unknown photo, like a photo, adds nothing, so a request without a profile is read from its answers
alone, exactly as before.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

# A web address or a Telegram link: a scheme, www., t.me/, or a name ending in a common top-level domain (not
# "Node.js": two-letter endings are country codes only, listed).
LINK_RE = re.compile(
    r"(?i)\b(?:https?://|www\.|t\.me/|telegram\.me/)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|me|ru|xyz|top|shop|"
    r"site|online|info|biz|app|link|club|store|pro|live|tech|dev|page|jobs|wine|art|studio|agency|digital|"
    r"ly|ee|gg|co|ai|tv|cc|nl|de|fr|it|es|pt|pl|uk|ca|in|cn|br|ua|kz|by|eu|us|au|ch|at|be|se|no|dk|fi|cz|tr|jp|kr)"
    r"\b(?![.\w])")
MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z]\w{3,31}")
MANY_EMOJI = 3
AGES = ("new", "young")  # "< 1 month", "< 1 year"; older or unknown is neither
EARLIER = ("declined", "blocked", "expired")
CAS = ("listed", "clear", "failed")


@dataclass(frozen=True)
class Profile:
    """The account and its behaviour; None (or 0, or empty) means unknown or nothing to note."""

    photo: bool | None = None
    username: bool | None = None
    premium: bool | None = None
    age: str | None = None  # new | young | None
    name: str = ""
    bio: str | None = None
    pasted: int = 0  # long answers that arrived faster than anyone types
    edited: int = 0
    places_in_day: int = 1  # the owner's chats (or the bot's door) asked within a day, this one included
    earlier: tuple[str, ...] = ()  # statuses of the person's earlier requests to this owner
    cas: str | None = None  # listed | clear | failed | None (not checked)


def _emoji_count(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch) == "So")


def text_marks(text: str | None) -> list[str]:
    """What stands out in a name or bio: 'link', '@mention', 'many emoji'."""
    if not text:
        return []
    marks = []
    if LINK_RE.search(text):
        marks.append("link")
    if MENTION_RE.search(text):
        marks.append("@mention")
    if _emoji_count(text) >= MANY_EMOJI:
        marks.append("many emoji")
    return marks


def warning_features(p: Profile) -> list[str]:
    """The profile's warning signs as feature names ('no_photo', 'bio:link', 'earlier:declined', …)."""
    out = []
    if p.cas == "listed":
        out.append("cas_listed")
    if p.photo is False:
        out.append("no_photo")
    if p.username is False:
        out.append("no_username")
    if p.age in AGES:
        out.append(f"age:{p.age}")
    out += [f"name:{m}" for m in text_marks(p.name)]
    out += [f"bio:{m}" for m in text_marks(p.bio)]
    if p.pasted:
        out.append("pasted")
    if p.edited:
        out.append("edited")
    if p.places_in_day >= 2:
        out.append("places:2" if p.places_in_day == 2 else "places:3")  # 3: three or more
    out += [f"earlier:{s}" for s in EARLIER if s in p.earlier]
    return out


AGE_WORDS = {"new": "< 1 month", "young": "< 1 year"}
FIXED_WORDS = {"cas_listed": "listed in CAS", "no_photo": "no photo", "no_username": "no username"}


def _words(feature: str, p: Profile) -> str:
    kind, _, detail = feature.partition(":")
    if kind in ("name", "bio"):
        return f"{detail} in {kind}"
    if kind == "age":
        return f"account probably {AGE_WORDS[detail]}"
    if kind == "earlier":
        return f"{detail} before"
    if kind == "places":
        return f"asked {p.places_in_day} places in a day"
    if feature == "pasted":
        return "long answer in seconds (pasted?)" if p.pasted == 1 else f"{p.pasted} answers pasted?"
    if feature == "edited":
        return "edited an answer" if p.edited == 1 else f"edited {p.edited} answers"
    return FIXED_WORDS[feature]


def sign_words(p: Profile) -> dict[str, str]:
    """The profile's warning signs: each one's feature name (what the model reads) and its plain words (what the
    owner reads), in the card's order."""
    return {f: _words(f, p) for f in warning_features(p)}


def profile_features(signs: list[str], tie: str, action: str) -> list[str]:
    """Every feature the model that may lower a suggestion reads: the warning signs (warning_features), how many
    there are, and each sign beside the answers' tie and suggestion (empty when nothing stands out)."""
    if not signs:
        return []
    count = len(signs)
    out = [*signs, *(f"signs>={n}" for n in (2, 3, 4) if count >= n)]
    out += [f"{tie}+{s}" for s in signs] + [f"{action}+{s}" for s in signs]
    out += [f"{action}+signs>={n}" for n in (2, 3) if count >= n]
    return out


class ProfileModel:
    """Two yes/no linear models over profile features: "decline" (the profile makes it a decline) and "lower"
    (an accept becomes an ask)."""

    def __init__(self, data: Mapping) -> None:
        self.outputs: dict[str, tuple[float, dict[str, float]]] = {
            name: (float(spec["bias"]), {f: float(w) for f, w in spec["weights"].items()})
            for name, spec in data["outputs"].items()}
        self.meta = {k: v for k, v in data.items() if k != "outputs"}

    def probability(self, output: str, features: list[str]) -> float:
        """How likely the output is for these features (0 when the model has no such output)."""
        if output not in self.outputs:
            return 0.0
        bias, weights = self.outputs[output]
        score = bias + sum(weights.get(f, 0.0) for f in features)
        return 1 / (1 + math.exp(-max(min(score, 50.0), -50.0)))

    def weight_of(self, output: str, sign: str, features: list[str]) -> float:
        """How much one warning sign pushed an output: its own feature and its pairings with the context ("signs":
        the counts of signs, signs>=N)."""
        _, weights = self.outputs.get(output, (0.0, {}))
        return sum(weights.get(f, 0.0) for f in features if _about(f) == sign)


def _about(feature: str) -> str:
    """The sign a feature is about: "accept+no_photo" → "no_photo"; "signs>=3", "ask+signs>=2" → "signs"."""
    name = feature.rpartition("+")[2]
    return "signs" if name.startswith("signs>=") else name


def profile_from_row(data: Mapping) -> Profile:
    """A corpus row's "profile" object as a Profile (fields it leaves out are unknown)."""
    return Profile(photo=data.get("photo"), username=data.get("username"), premium=data.get("premium"),
                   age=data.get("age"), name=data.get("name") or "", bio=data.get("bio"),
                   pasted=data.get("pasted", 0), edited=data.get("edited", 0),
                   places_in_day=data.get("places_in_day", 1), earlier=tuple(data.get("earlier", ())),
                   cas=data.get("cas"))


PROFILE_KEYS = {"photo": "bool", "username": "bool", "premium": "bool", "age": AGES, "name": "str", "bio": "str",
                "pasted": "count", "edited": "count", "places_in_day": "count", "earlier": EARLIER, "cas": CAS}
ORDER = ("accept", "ask", "decline")


def field_problems(profile: Mapping) -> list[str]:
    """What is wrong with the fields of a profile object (empty when usable)."""
    problems = []
    for key, value in profile.items():
        kind = PROFILE_KEYS.get(key)
        if kind is None:
            problems.append(f"profile has an unknown field {key!r}")
        elif value is None:
            continue
        elif kind == "bool" and not isinstance(value, bool):
            problems.append(f"profile {key} must be true, false or null")
        elif kind == "str" and not isinstance(value, str):
            problems.append(f"profile {key} must be a string or null")
        elif kind == "count" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            problems.append(f"profile {key} must be a whole number")
        elif kind == EARLIER and (not isinstance(value, list) or any(v not in EARLIER for v in value)):
            problems.append(f"profile earlier must be a list of {', '.join(EARLIER)}")
        elif isinstance(kind, tuple) and kind != EARLIER and value not in kind:
            problems.append(f"profile {key} must be one of {', '.join(kind)} or null")
    return problems


def profile_problems(row: Mapping) -> list[str]:
    """What is wrong with a corpus row's "profile" and "profile_action" (empty when absent or usable)."""
    if "profile" not in row and "profile_action" not in row:
        return []
    profile, action = row.get("profile"), row.get("profile_action")
    if not isinstance(profile, dict) or action not in ORDER:
        return ["a profile needs both \"profile\" (an object) and \"profile_action\" (accept, ask or decline)"]
    problems = field_problems(profile)
    if ORDER.index(action) < ORDER.index(row.get("action", "accept")):
        problems.append("a profile can lower the suggestion, never raise it: profile_action must not be milder "
                        "than action")
    return problems
