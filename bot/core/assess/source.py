"""Whether the link a request came through (a deep-link payload or an invite link's name) contradicts the answer."""

from __future__ import annotations

import re

from bot.core.assess.features import Seen
from bot.core.assess.lexicon import fold

_GLUE = re.compile(r"[\d_\-.]+")
_EVENTISH = re.compile(r"\w(con|conf)(\d|\b)|summit|fest|meetup|talk|expo|workshop|webinar")
_CONTENT = re.compile(r"newsletter|blog|podcast|youtube|yt|video|substack|article")


def source_mismatch(source: str | None, how: Seen, choice: str | None) -> str | None:
    """A short note when the link clearly contradicts how they say they found the owner, else None."""
    if not source or not (how.words or choice):
        return None
    src = fold(source)
    words = set(_GLUE.sub(" ", src).split())
    cues = {h.cue for h in how.hits}
    said = " ".join(how.words[:8]) or choice
    if words & set(how.words):
        return None  # they mention the link's name
    searched = choice == "search" or "search" in cues
    platforms = {" ".join(how.words[h.start:h.end]) for h in how.hits if h.cue == "platform"}
    met = choice == "met" or "met" in cues or "event" in cues
    if _EVENTISH.search(src) and (searched or platforms) and not met:
        return f"came via link '{source}' but says: {said}"
    if _CONTENT.search(src) and (met or searched) and "work" not in cues and choice != "read":
        return f"came via link '{source}' but says: {said}"
    if platforms and any(p.replace(" ", "") in src.replace("_", "") for p in ("linkedin", "instagram", "github",
                                                                              "twitter", "tiktok", "youtube")):
        named = next(p for p in ("linkedin", "instagram", "github", "twitter", "tiktok", "youtube")
                     if p in src.replace("_", ""))
        if named not in {p.replace(" ", "") for p in platforms}:
            return f"came via link '{source}' but says: {said}"
    return None
