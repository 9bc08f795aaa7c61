"""What the learned assessor sees in a request: n-grams of both answers, cue phrases and their shape.

Pure and deterministic: the same request always gives the same features, in training and at run time.
Features come in blocks; each block is scaled to unit length on its own, so that no block drowns the others
(a long answer has hundreds of n-grams but only a handful of cue hits).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.core.assess.lexicon import Hit, Lexicon, fold, words

_YEAR = re.compile(r"\b(19|20)\d\d\b")
_NUMBER = re.compile(r"\d")
_QUOTED = re.compile(r"[\"“«„][^\"”»“]{2,80}[\"”»“]|(?<!\w)'[^']{2,80}'(?!\w)")
_URL = re.compile(r"https?://|www\.|\w\.(com|org|io|dev|net|co)\b")
_HANDLE = re.compile(r"(?<!\w)[@#]\w")
_CAPITALISED = re.compile(r"(?<=[\s(\"'“«,;:/])[A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐĄĆĘŁŃÓŚŹŻ][\w'’.-]*\w")
_INNER_CAPS = re.compile(r"\b\w+[a-z][A-Z]\w*|\b[A-Z]{2,}\w*")
_EVENT_NAME = re.compile(r"\w(con|conf|fest|camp|summit|days|week|expo|hack)\b|#\d", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_PERSON = re.compile(r"(?<![\w.])[A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐĄĆĘŁŃÓŚŹŻ][a-zà-öø-ÿа-яёіїєґąćęłńóśźż]+\s+"
                     r"(?:(?:de|da|van|von|di|del|la|le|el|al)\s+)?[A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐĄĆĘŁŃÓŚŹŻ][a-zà-öø-ÿа-яёіїєґąćęłńóśźż'-]+")
LENGTH_EDGES = (1, 2, 3, 5, 8, 13, 21, 34, 55)
# An answer made of nothing but one of these (and a greeting) says little: "google", "a friend", "later".
ONLY_CUES = ("thin", "evasive", "platform", "unnamed_referral", "event", "search", "met", "profile")
# Cues that only mean something when they are the whole answer (see ONLY_CUES): never features on their own.
WHOLE_ANSWER_CUES = {"thin", "greeting"}
# A tie cue with a name beside it (a capitalised name, a number, a title, an event's name) is a strong tie;
# without one it is thin. The model is linear, so the pair is a feature of its own.
NAMEABLE = ("met", "event", "referral", "together", "work", "engaged", "same_group", "same_org")
NAMED_SHAPES = ("digit", "year", "quoted", "eventname", "innercaps", "person")
# How each block's features are valued: "unit" scales the block to length 1 (n-grams: a long answer has many);
# "binary" gives every present feature 1.0 (a cue or a shape counts the same in a short and a long answer).
BLOCK_SCALING = {"how_chars": "unit", "why_chars": "unit", "words": "unit", "shape": "unit", "cues": "unit",
                 "door": "binary"}


@dataclass(frozen=True)
class Request:
    """The parts of a request the assessor reads."""

    how: str = ""  # typed details of "how did you find me" (without the quick-reply label)
    why: str = ""  # the reason, with the opening note and follow-up replies appended
    choice: str | None = None  # the quick-reply key tapped for "how": met, referred, read, search, other
    source: str | None = None  # the deep-link payload or invite-link name


@dataclass(frozen=True)
class Seen:
    """One answer as the assessor reads it: folded text, words, and the cue phrases in it."""

    field: str  # "h" (how) or "w" (why)
    raw: str
    text: str
    words: list[str]
    hits: list[Hit]


def read(field: str, raw: str, lexicon: Lexicon) -> Seen:
    """Fold one answer and find its cue phrases."""
    text = _SPACES.sub(" ", fold(raw)).strip()
    found = words(raw)
    return Seen(field, raw, text, found, lexicon.find(found))


def char_grams(text: str, low: int = 4, high: int = 4) -> set[str]:
    """Character n-grams of the text padded with spaces (" py", "pyc", … "on "): they carry across typos,
    word forms and languages."""
    padded = f" {text} "
    size = len(padded)
    grams: set[str] = set()
    for n in range(low, high + 1):
        grams.update({padded[i:i + n] for i in range(size - n + 1)})
    return grams


def word_grams(found: list[str]) -> set[str]:
    """Words and word pairs."""
    grams = set(found)
    grams.update(f"{a} {b}" for a, b in zip(found, found[1:], strict=False))
    return grams


def _bucket(n: int) -> int:
    return sum(1 for edge in LENGTH_EDGES if n >= edge)


def shape(seen: Seen) -> list[str]:
    """How an answer looks: its length, numbers, years, names and titles, links, questions, and whether it is
    nothing but a greeting, a thin word or an evasion."""
    f, raw = seen.field, seen.raw
    out = [f"{f}:len{_bucket(len(seen.words))}"]
    for name, rx in (("digit", _NUMBER), ("year", _YEAR), ("quoted", _QUOTED), ("url", _URL), ("handle", _HANDLE),
                     ("eventname", _EVENT_NAME), ("innercaps", _INNER_CAPS)):
        if rx.search(raw):
            out.append(f"{f}:{name}")
    names = len(_CAPITALISED.findall(" " + raw))
    if names:
        out.append(f"{f}:names{min(names, 4)}")
    if _PERSON.search(raw):
        out.append(f"{f}:person")
    named = names > 0 or any(f"{f}:{n}" in out for n in NAMED_SHAPES)
    for cue in sorted({h.cue for h in seen.hits if h.cue in NAMEABLE}):
        out.append(f"{f}:{cue}+{'named' if named else 'unnamed'}")
    if "?" in raw:
        out.append(f"{f}:question")
    if raw and raw == raw.lower():
        out.append(f"{f}:lowercase")
    greeting = {i for h in seen.hits if h.cue == "greeting" for i in range(h.start, h.end)}
    if len(greeting) == len(seen.words):
        out.append(f"{f}:only_greeting" if seen.words else f"{f}:empty")
        return out
    for cue in sorted({h.cue for h in seen.hits if h.cue in ONLY_CUES
                       and greeting | set(range(h.start, h.end)) >= set(range(len(seen.words)))}):
        out.append(f"{f}:only_{cue}")
    return out


def extract(request: Request, lexicon: Lexicon, seen: tuple[Seen, Seen] | None = None) -> dict[str, list[str]]:
    """Every feature of a request, by block (`seen`: both answers already read, to save reading them twice)."""
    how, why = seen or (read("h", request.how, lexicon), read("w", request.why, lexicon))
    cues = sorted({f"{s.field}:{h.cue}" for s in (how, why) for h in s.hits if h.cue not in WHOLE_ANSWER_CUES})
    # Order within a block does not matter; blocks are listed most numerous first, the ones that can be put into
    # words (for explanations) last.
    return {
        "how_chars": list(char_grams(how.text)),
        "why_chars": list(char_grams(why.text)),
        "words": [f"h:{g}" for g in word_grams(how.words)] + [f"w:{g}" for g in word_grams(why.words)],
        "shape": shape(how) + shape(why),
        "cues": cues + [f"any:{c.split(':', 1)[1]}" for c in cues],
        # Which button was tapped and whether a link was used: one constant-valued feature each.
        "door": [f"choice:{request.choice or 'none'}"] + (["source"] if request.source else []),
    }


# Blocks that carry meaning beyond single words weigh more, so that the model leans on them before it leans on
# incidental n-grams (a larger value needs a smaller, less penalised weight).
BLOCK_WEIGHT = {"cues": 1.0, "shape": 1.0}


def scale(count: int, block: str = "words") -> float:
    """The value of each present feature of a block that has `count` features (see BLOCK_SCALING)."""
    weight = BLOCK_WEIGHT.get(block, 1.0)
    if BLOCK_SCALING.get(block) == "binary":
        return weight
    return weight / math.sqrt(count) if count else 0.0
