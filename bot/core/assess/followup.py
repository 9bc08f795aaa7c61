"""The one follow-up question worth asking before the card goes out, when its answer could change the suggestion.

Never for an accept, a pitch or tracking; never about how they found the owner when that answer already names an
event, a person or a piece of work (a strong tie, in any wording). Otherwise ask for what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.assess.features import Seen

# Follow-ups about how they found the owner (their reply is read with the "how" answer) and about what they want.
ABOUT_HOW = ("where_met", "who_introduced", "which_work", "how_found")
ABOUT_WHY = ("what_for",)
THIN_HOW = {"thin", "platform", "search", "unnamed_referral", "evasive", "greeting", "profile", "event", "met"}
# A tie cue in the "how" answer that the model did not find strong enough lacks its name: ask for it.
TIE_CUES = {"met", "event", "referral", "unnamed_referral", "together", "work", "engaged"}


def _thin(seen: Seen) -> bool:
    """An answer that names nothing: empty, or only a platform, a search, 'a friend', an unnamed event…"""
    if len(seen.words) == 0:
        return True
    covered = {i for h in seen.hits if h.cue in THIN_HOW for i in range(h.start, h.end)}
    return len(covered) == len(seen.words) or (len(seen.words) <= 2 and not any(c.isdigit() for c in seen.raw))


def how_question(how: Seen, choice: str | None) -> str:
    """Which question about the tie fits what they said: where we met, who introduced them, which work."""
    cues = {h.cue for h in how.hits}
    if choice == "met" or cues & {"met", "event"}:
        return "where_met"
    if choice == "referred" or cues & {"referral", "unnamed_referral"}:
        return "who_introduced"
    if choice == "read" or cues & {"work", "engaged", "profile"}:
        return "which_work"
    return "how_found"


def followup_for(action: str, flags: Mapping[str, bool], tie: str, how: Seen, why: Seen,
                 choice: str | None) -> str | None:
    """The follow-up to ask (a key of ABOUT_HOW or ABOUT_WHY), or None when nothing it could say would matter."""
    if action == "accept" or flags["pitch"] or flags["creepy"]:
        return None
    if tie == "strong":
        return "what_for" if flags["generic"] or flags["vague"] else None
    if tie == "none" or _thin(how) or choice in ("met", "referred", "read") or {h.cue for h in how.hits} & TIE_CUES:
        return how_question(how, choice)
    return "what_for"
