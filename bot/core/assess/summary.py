"""The card's one-line summary: how they found the owner and what they want, in their own words, ≤ 120 characters.

From each answer the most telling clause is kept (one with a cue, else the first), greetings and boilerplate
openings dropped, and an English first-person opening turned into the card's third-person style ("I'd like to get
feedback on my parser" → "wants to get feedback on my parser"). Nothing is added that the answers do not say.
"""

from __future__ import annotations

import re

from bot.core.assess.features import Seen

SUMMARY_MAX = 120
HOW_MAX, WHY_MAX = 55, 80
_CLAUSE = re.compile(r"(?<=[.!?;…])\s+|\s*\n+\s*|\s+[—–]\s+|\s*\|\s*")
_LEADING = re.compile(r"^(?:(?:hi|hello|hey|hiya|dear|greetings|hola|hallo|bonjour|ciao|oi|ola|привет|здравствуйте|"
                      r"merhaba|halo|hej)\b[\s,!.:-]*(?:there|all|sir|madam|team)?[\s,!.:-]*)+", re.IGNORECASE)
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]+")
_WHY_REWRITES = (
    (re.compile(r"^(?:i'?d|i would|we'?d|we would) (?:really |very much )?(?:like|love) to ", re.I), "wants to "),
    (re.compile(r"^(?:i'?d|i would|we'?d|we would) (?:really )?(?:like|love) ", re.I), "wants "),
    (re.compile(r"^(?:i|we) (?:really )?(?:want|need) to ", re.I), "wants to "),
    (re.compile(r"^(?:i|we) (?:really )?(?:want|need) ", re.I), "wants "),
    (re.compile(r"^(?:i'?m|i am|we'?re|we are) (looking for|hoping to|trying to|interested in|hiring|raising) ", re.I),
     r"\1 "),
    (re.compile(r"^(?:can|could|would) you (?:please )?", re.I), "asks you to "),
    (re.compile(r"^(?:i|we) (?:was|were) wondering if you (?:could|would) ", re.I), "asks you to "),
)
_HOW_REWRITES = (
    (re.compile(r"^(?:i|we) (?:have |'ve )?(?:just |actually |also )?(?=\w+(?:ed|t|w|d|ound|aw|ad|et)\b)", re.I), ""),
    (re.compile(r"^(?:i'?m|i am|we'?re|we are) ", re.I), "is "),
)
_CHOICE_WORDS = {"met": "met", "referred": "referred by", "read": "read your work", "search": "found by search"}
_ALREADY_SAID = {"met": ("met", "meet"), "referred": ("refer", "introduc", "recommend", "sent me"),
                 "read": ("read", "watch", "listen", "saw", "your "), "search": ("search", "found", "google")}
TELLING = {"met", "together", "referral", "work", "engaged", "event", "search", "profile", "directory", "same_group",
           "same_city", "same_org", "mutual", "platform", "unnamed_referral", "creepy", "pitch", "job_offer",
           "asks_owner"}


def _clauses(seen: Seen) -> list[str]:
    text = _EMOJI.sub("", seen.raw).strip()
    return [c.strip(" ,;:-") for c in _CLAUSE.split(text) if c and c.strip(" ,;:-")]


def _telling(seen: Seen, clauses: list[str]) -> str:
    """The first clause that holds a telling cue, else the first clause."""
    cue_words = {" ".join(seen.words[h.start:h.end]) for h in seen.hits if h.cue in TELLING}
    for clause in clauses:
        low = " ".join(re.findall(r"\w+(?:['.]\w+)*", clause.lower()))
        if any(w and w in low for w in cue_words):
            return clause
    return clauses[0] if clauses else ""


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:—–-(\"'") + "…"


def _rewrite(text: str, rules) -> str:
    for rx, replacement in rules:
        new = rx.sub(replacement, text, count=1)
        if new != text:
            return new
    return text


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() else text


def how_part(how: Seen, choice: str | None) -> str:
    """How they found the owner, in a few words."""
    telling = _telling(how, _clauses(how))
    clause = _LEADING.sub("", telling).strip() or telling
    clause = _rewrite(clause, _HOW_REWRITES) if clause.isascii() else clause
    words = _CHOICE_WORDS.get(choice or "")
    if words and clause and any(w in clause.lower() for w in _ALREADY_SAID.get(choice or "", ())):
        words = None  # the typed words already say it ("found you on Google" after tapping Search)
    if words and clause:
        clause = f"{words} {_first_lower(clause)}" if choice != "read" else f"{words}: {clause}"
    elif words:
        clause = words
    return _cut(clause.rstrip(".!"), HOW_MAX)


def why_part(why: Seen) -> str:
    """What they want, in a few words."""
    clauses = [_LEADING.sub("", c).strip() or c for c in _clauses(why)]
    clause = _telling(why, clauses)
    rewritten = _rewrite(clause, _WHY_REWRITES)
    return _cut(rewritten.rstrip(".!"), WHY_MAX)


def summarize(how: Seen, why: Seen, choice: str | None) -> str:
    """The summary line: '<how they found you>; <what they want>', at most 120 characters."""
    parts = [p for p in (how_part(how, choice), why_part(why)) if re.search(r"\w", p)]
    text = "; ".join(dict.fromkeys(parts))
    text = text[:1].upper() + text[1:]
    return _cut(text, SUMMARY_MAX) if text else "No answers yet"
