"""The first read of a request: tie, four flags, a suggested action with its reason and evidence, a summary
line, and the one follow-up question worth asking.

Pure: the learned model (bot/core/assess/model.py) and the cue phrases (bot/core/assess/lexicon.py) are handed in
as data. Label definitions: prompts/assess/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.assess.explain import TAGS, Evidence, evidence_for
from bot.core.assess.features import Request, extract, read
from bot.core.assess.followup import followup_for
from bot.core.assess.lexicon import Lexicon, LexiconError, parse_lexicon
from bot.core.assess.model import FLAGS, Model, ModelError
from bot.core.assess.source import source_mismatch
from bot.core.assess.summary import summarize

__all__ = ["Assessment", "Assessor", "Evidence", "Lexicon", "LexiconError", "Model", "ModelError", "Request",
           "decide_action", "parse_lexicon"]

OWNED = ("pitch", "creepy", "generic")  # flags an owner's own cue phrases raise directly
REASONS = {"pitch": "sells something to you", "creepy": "rests on watching or tracking you",
           "generic": "a template note", "vague": "too thin to judge"}
TIE_WORDS = {"strong": "strong tie", "weak": "thin link", "none": "no connection stated"}


@dataclass(frozen=True)
class Assessment:
    """What the card suggests about one request, and why."""

    tie: str  # strong | weak | none
    generic: bool
    pitch: bool
    creepy: bool
    vague: bool
    action: str  # accept | ask | decline
    reason: str
    summary: str
    evidence: tuple[Evidence, ...] = ()
    followup: str | None = None  # which follow-up question would settle it (see followup.py)
    source_mismatch: str | None = None
    confidence: float = 0.0  # the model's probability for the suggested action
    probabilities: dict = field(default_factory=dict)
    assessor: str = ""  # "model <version>" or "llm <model id>"

    def flags(self) -> list[str]:
        """The flags raised, in the order the card lists them."""
        return [flag for flag in FLAGS if getattr(self, flag)]


def decide_action(flags: Mapping[str, bool], tie: str, accept_probability: float) -> str:
    """The suggestion as the label conventions define it: decline a pitch, tracking, or no tie with a template or
    vague note; never accept a template or vague note; accept a strong tie; otherwise the model judges whether
    the reason is specific enough to accept."""
    if flags["pitch"] or flags["creepy"] or (tie == "none" and (flags["generic"] or flags["vague"])):
        return "decline"
    if flags["generic"] or flags["vague"]:
        return "ask"
    if tie == "strong":
        return "accept"
    return "accept" if accept_probability >= 0.5 else "ask"


def reason_for(action: str, flags: Mapping[str, bool], tie: str) -> str:
    """The suggestion's reason in a few words: 'sells something to you; thin link'."""
    parts = [REASONS[f] for f in ("pitch", "creepy", "generic", "vague") if flags[f]]
    parts.append(TIE_WORDS[tie])
    if action == "accept" and tie != "strong":
        parts.append("a specific request")
    return "; ".join(parts)


class Assessor:
    """Cue phrases and a learned model: everything needed to read a request."""

    def __init__(self, lexicon: Lexicon, model: Model) -> None:
        self.lexicon, self.model = lexicon, model

    @property
    def name(self) -> str:
        """Which assessor speaks, for the card and the database."""
        return f"model {self.model.version}"

    def assess(self, request: Request) -> Assessment:
        """Read one request."""
        how, why = read("h", request.how, self.lexicon), read("w", request.why, self.lexicon)
        model = self.model
        found = model.indexes(extract(request, self.lexicon, (how, why)))
        scores = model.all_scores(found)
        probs = {flag: model.probabilities(flag, found, scores)["yes"] for flag in FLAGS}
        flags = {flag: probs[flag] >= model.outputs[flag]["threshold"] for flag in FLAGS}
        # A phrase the owner listed for a flag raises it, whatever the model learned.
        yours = [(h.cue, s.words[h.start:h.end]) for s in (how, why) for h in s.hits if h.owners and h.cue in OWNED]
        for cue, _ in yours:
            flags[cue] = True
        tie_probs = model.probabilities("tie", found, scores)
        tie = max(tie_probs, key=tie_probs.get)
        accept = model.probabilities("accept", found, scores)["yes"]
        action = decide_action(flags, tie, accept)
        # How sure: for a decline, the flag behind it; for an accept or ask, the accept model (or its opposite).
        confidence = max((probs[f] for f in ("pitch", "creepy") if flags[f]), default=None)
        if confidence is None:
            confidence = accept if action == "accept" else (1 - accept if action == "ask" else tie_probs["none"])
        evidence = tuple(Evidence(TAGS[cue], f"your list: “{' '.join(words)}”") for cue, words in yours) + \
            evidence_for(self.model, found, flags, tie, how, why, request.choice)
        return Assessment(
            tie=tie, action=action, reason=reason_for(action, flags, tie),
            summary=summarize(how, why, request.choice), evidence=evidence,
            followup=followup_for(action, flags, tie, how, why, request.choice),
            source_mismatch=source_mismatch(request.source, how, request.choice),
            confidence=round(confidence, 3),
            probabilities={**{f: round(p, 3) for f, p in probs.items()},
                           **{f"tie_{c}": round(p, 3) for c, p in tie_probs.items()}, "accept": round(accept, 3)},
            assessor=self.name, **flags)
