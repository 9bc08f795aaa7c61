"""Why the model said what it said, in words: the two or three features that weighed most, quoted from the answers.

A feature is a cue phrase (quoted as found), a word or a pair of words (quoted), a piece of a word (the whole word
is quoted), or the shape of an answer ("names a year", "only a platform name").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.assess.features import Seen
from bot.core.assess.model import Model

TAGS = {"pitch": "sales pitch", "creepy": "tracking", "generic": "template note", "vague": "vague",
        "strong": "strong tie", "weak": "thin link", "none": "no tie"}
SHAPES = {"year": "names a year", "digit": "gives a number", "quoted": "quotes a title", "url": "gives a link",
          "handle": "gives a handle or tag", "eventname": "names an event", "innercaps": "names a product or acronym",
          "question": "asks a question", "empty": "left empty", "only_greeting": "only a greeting",
          "only_thin": "one vague word", "only_evasive": "evasive", "only_platform": "only a platform name",
          "only_unnamed_referral": "an unnamed referral", "only_event": "an event without a name",
          "only_search": "found by search, nothing more", "only_met": "met, nothing named",
          "only_profile": "saw a profile, nothing more"}
FIELDS = {"h": "how", "w": "why"}
CHOICE_WORDS = {"met": "tapped “met in person”", "referred": "tapped “referred”", "read": "tapped “read your work”",
                "search": "tapped “search”", "other": "tapped “other”"}


@dataclass(frozen=True)
class Evidence:
    """One reason behind a label: the label's tag and a short quote or description."""

    tag: str
    text: str


def describe(feature: str, how: Seen, why: Seen) -> str | None:
    """A feature in words, quoted from the answer it came from; None when it cannot be said plainly."""
    block, _, item = feature.partition("|")
    if block == "cues":
        where, _, cue = item.partition(":")
        seen = {"h": [how], "w": [why], "any": [how, why]}.get(where, [])
        for s in seen:
            for hit in s.hits:
                if hit.cue == cue:
                    return f"“{' '.join(s.words[hit.start:hit.end])}”"
        return None
    if block == "words":
        where, _, text = item.partition(":")
        return f"“{text}”"
    if block in ("how_chars", "why_chars"):
        seen = how if block == "how_chars" else why
        piece = item.strip()
        word = next((w for w in seen.words if piece and piece in w), None)
        return f"“{word}”" if word and len(piece) >= 3 else None
    if block == "shape":
        if item.startswith("choice:"):
            return CHOICE_WORDS.get(item.split(":", 1)[1])
        where, _, what = item.partition(":")
        words = SHAPES.get(what)
        return f"{FIELDS.get(where, where)}: {words}" if words else None
    return None


def evidence_for(model: Model, found, flags: Mapping[str, bool], tie: str, how: Seen, why: Seen,
                 choice: str | None, per_label: int = 2) -> tuple[Evidence, ...]:
    """The strongest plain reasons for each raised flag and for the tie, most important label first."""
    out: list[Evidence] = []
    wanted = [(flag, "flag") for flag in ("pitch", "creepy", "generic", "vague") if flags[flag]] + [(tie, "tie")]
    for label, kind in wanted:
        output, cls = (label, "yes") if kind == "flag" else ("tie", label)
        seen: set[str] = set()
        for contribution in model.contributions(output, cls, found, limit=12, blocks=4):
            text = describe(contribution.feature, how, why)
            if text and text not in seen:
                seen.add(text)
                out.append(Evidence(TAGS[label], text))
            if len(seen) == per_label:
                break
    return tuple(out)
