"""First read of a screening request: the tie, four flags, a suggested action with its reason, a summary.

Pure: no telegram, no I/O, no clock. Every flag is explainable: ``Assessment.signals`` says which phrase
(from the lists in prompts/assess/*.toml, see bot.phrasebook) or which structural signal raised it.
Definitions: shared/screening-labels.md. Text helpers (names, numbers, sentences, summary) are in
bot.assess_text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.assess.phrasebook import Hit, Phrasebook, fold
from bot.core.assess.text import (
    Text,
    is_german,
    markers,
    names,
    quick_reply,
    scan_together,
    source_mismatch,
    summarize,
)

# Weak-tie kinds, in the order their reason is preferred on the card; the first two cap the tie at weak.
WEAK_KINDS = ("directory", "search", "same_employer", "same_school", "same_group", "same_city",
              "mutual_connections", "unnamed_referral", "profile", "content")
_CAPPING = {"directory", "search"}
# Under tracking only a real shared context counts, not the channel used to find the person.
_SHARED = {"same_employer", "same_school", "same_group", "same_city", "mutual_connections", "together"}
_QR_WEAK = {"met", "referred", "read", "search"}  # quick replies that are a thin link by themselves

_ATTACH = re.compile(r"\s*(?:['\"‘“«„]|#\d|(?:on|about|called|titled|named|uber|über|zu|sobre|sur|о|об|про)\s+"
                     r"(?:(?:the|a|an|der|die|das|el|la|le|les|o|a)\s+)?(\S+))", re.IGNORECASE)  # "talk on X"
_QUALIFIED_EVENT = re.compile(r"\bthe (?!same\b|a\b|an\b)\w+ (\w+ )?$")  # "the Oslo Kotlin [meetup]"
_TITLE_OR_NUMBER = re.compile(r"['\"‘“«„]|\d")
_NON_SPACE = re.compile(r"\S+")
_CHANNEL_BEFORE = re.compile(r"(?:\b(?:on|via|through|from|in|auf|uber|en|por|sur|no|na|pelo|в|на)\s+)$")
_WORD = re.compile(r"\w+(?:['.\-]\w+)*")
_DIGIT_OR_TAG = re.compile(r"[\d#]")


@dataclass(frozen=True)
class Signal:
    """Why a flag was raised: the phrase (or structural signal) and the answer it was found in."""

    flag: str  # "generic" | "pitch" | "creepy" | "vague" | "tie" | "specific"
    phrase: str
    field: str  # "how" | "why" | "note" | "followup" | "start_source"


@dataclass(frozen=True)
class Assessment:
    tie: str  # "strong" | "weak" | "none"
    tie_reason: str
    generic: bool
    pitch: bool
    creepy: bool
    vague: bool
    action: str  # "accept" | "ask" | "decline"
    reason: str
    summary: str
    signals: tuple[Signal, ...]
    source_mismatch: str | None


class _Ctx:
    """The answers of one request, folded once, with memoised phrase-list hits."""

    def __init__(self, answers: Mapping[str, str], lang: str | None, pb: Phrasebook) -> None:
        self.pb = pb
        how_raw = (answers.get("how") or "").strip()
        self.qr, details = quick_reply(pb, how_raw)
        self.how = Text("how", details if self.qr else how_raw)
        self.why = Text("why", answers.get("why") or "")
        self.note = Text("note", answers.get("note") or "")
        self.followup = Text("followup", answers.get("followup") or "")
        self.texts = [t for t in (self.how, self.why, self.note, self.followup) if t.raw]
        scan_together(pb, [self.how, self.why, self.note, self.followup])
        self.notes = [t for t in (self.why, self.note, self.followup) if t.raw]
        joined = " ".join(t.folded for t in self.texts)
        self.de = (lang or "").lower().startswith("de") or (lang is None and is_german(joined))

    def hits(self, signal: str, t: Text) -> list[Hit]:
        return t.hits(self.pb, signal)

    def markers(self, t: Text, start: int = 0, end: int | None = None) -> list[str]:
        return markers(self.pb, t, self.de, start, end)


@dataclass(frozen=True)
class _Evidence:
    kind: str  # "met" | "together" | "referral" | "work"
    reason: str
    t: Text
    start: int
    end: int


def _strong(c: _Ctx) -> list[_Evidence]:
    """Cues of a strong tie that come with a name (an event, a place, a person, a piece of work)."""
    out: list[_Evidence] = []
    whole = len(c.how.folded)
    if c.qr == "met" and c.markers(c.how):  # "Met in person — at PyCon"
        out.append(_Evidence("met", "met at a named event or place", c.how, 0, whole))
    if c.qr == "referred" and names(c.pb, c.how, c.de, 0, whole):  # "Referred by someone — Anna Berg"
        out.append(_Evidence("referral", "named referral", c.how, 0, whole))
    for t in c.texts:
        met_cues = c.hits("strong.met", t)
        for h in met_cues:
            s, e = t.sentence_at(h.start)
            if c.markers(t, s, e):
                out.append(_Evidence("met", "met at a named event or place", t, h.start, h.end))
        if c.qr == "met" or met_cues:
            for h in c.hits("event", t):
                s, e = t.sentence_at(h.start)
                if c.markers(t, s, e) or _QUALIFIED_EVENT.search(t.folded, s, h.start):
                    out.append(_Evidence("met", "met at a named event or place", t, h.start, h.end))
        for h in c.hits("strong.referral", t):
            s, e = t.sentence_at(h.start)
            if names(c.pb, t, c.de, s, e):
                out.append(_Evidence("referral", "named referral", t, h.start, h.end))
        for h in c.hits("strong.together", t):
            if c.markers(t):
                out.append(_Evidence("together", "worked or studied together", t, h.start, h.end))
    work = [ev for t in c.texts for ev in _work(c, t)]
    if c.qr == "read" and c.markers(c.how):  # "Read your work — your post 'Boring Tech Wins'"
        work.append(_Evidence("work", "named piece of your work", c.how, 0, whole))
    concrete = any(c.hits("work_concrete", x) for x in c.texts)
    return out + (work if concrete else [])


def _work_patterns(pb: Phrasebook) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """"your [up to five words] talk|post|…" (or "you gave the talk…"), and "your 'Some Title'"."""
    owner = f"(?:{pb.alternatives('possessive')}|{pb.alternatives('work_owner')})"
    ref = rf"(?<!\w){owner}\s+(?P<inside>(?:[\w'\"-]+\s+){{0,5}}?){pb.alternatives('work_noun')}(?!\w)"
    titled = rf"(?<!\w){pb.alternatives('possessive')}\s+['\"]\w"
    return re.compile(ref, re.IGNORECASE), re.compile(titled, re.IGNORECASE)


def _work(c: _Ctx, t: Text) -> list[_Evidence]:
    """Named pieces of the owner's work: "your 'Salt' series", "your GDC talk", "played Lanternfall"."""
    found: list[_Evidence] = []
    rx, titled = c.pb.derived("assess.work", _work_patterns)
    for m in titled.finditer(t.folded):  # "your 'three-column' exercise"
        found.append(_Evidence("work", "named piece of your work", t, m.start(), m.end()))
    for m in rx.finditer(t.folded):
        s, e = m.span("inside")
        inside = t.orig(s, e)
        named = bool(inside and (_TITLE_OR_NUMBER.search(inside) or c.markers(t, s, e)))
        after = t.raw[t.raw_pos(m.end()):][:60]
        nxt = [x.end() for x in itertools.islice(_NON_SPACE.finditer(t.folded, m.end(), m.end() + 60), 3)]
        named = named or bool(nxt and c.markers(t, m.end(), nxt[-1]))  # "your repo (PR #88)"
        attached = _ATTACH.match(after)
        if attached and not named:  # a title in quotes, "#12", or a topic: "on idempotency keys"
            word = fold((attached.group(1) or "").strip(".,;:!?)"))[0]
            named = not word or not (c.pb.is_word("platform", word) or c.pb.is_word("not_a_name", word))
        if named:
            found.append(_Evidence("work", "named piece of your work", t, m.start(), m.end()))
    for h in c.hits("work_numbered", t):  # "Issue 57 about negotiating equity"
        found.append(_Evidence("work", "named piece of your work", t, h.start, h.end))
    for h in c.hits("engage_verb", t):
        nxt = [m.end() for m in itertools.islice(_NON_SPACE.finditer(t.folded, h.end, h.end + 60), 3)]
        if nxt and c.markers(t, h.end, nxt[-1]):  # "played Lanternfall", "you opened issue #412"
            found.append(_Evidence("work", "named piece of your work", t, h.start, nxt[0]))
    return found


def _weak(c: _Ctx, creepy: bool) -> list[tuple[str, Signal]]:
    out: list[tuple[str, Signal]] = []
    if c.qr in _QR_WEAK:
        out.append(("search" if c.qr == "search" else c.qr, Signal("tie", f"quick reply: {c.qr}", "how")))
    # When "how" says there is no connection, the other answers do not make one up.
    texts = c.texts
    if any(c.hits(x, c.how) for x in ("none", "evasive")):
        texts = [t for t in c.texts if t.field in ("how", "followup")]
    for kind in WEAK_KINDS:
        for t in texts if kind != "unnamed_referral" else [x for x in texts if x.field in ("how", "followup")]:
            for h in c.hits(f"weak.{kind}", t):
                out.append((kind, Signal("tie", t.orig(h.start, h.end), t.field)))
                break
    for t in texts:
        for h in c.hits("platform", t):
            before = t.folded[max(0, h.start - 12):h.start]
            if t.field == "how" or len(t.words) <= 3 or _CHANNEL_BEFORE.search(before):
                out.append(("platform", Signal("tie", t.orig(h.start, h.end), t.field)))
                break
        for h in c.hits("strong.together", t) + c.hits("strong.met", t)[:1]:
            kind = "together" if h.signal == "strong.together" else "met"
            out.append((kind, Signal("tie", t.orig(h.start, h.end), t.field)))
        for h in c.hits("event", t)[:1] if t.field == "how" else []:
            out.append(("event", Signal("tie", t.orig(h.start, h.end), t.field)))
    if not out and c.how.raw and not any(c.hits(x, t) for x in ("none", "evasive") for t in c.texts):
        found = c.markers(c.how)
        if found:  # "At PyCon 2025": names a place or event, says nothing more
            out.append(("named_context", Signal("tie", found[0], "how")))
    if creepy:
        out = [(k, s) for k, s in out if k in _SHARED]
    return out


_WEAK_REASON = {"directory": "directory listing", "search": "found via search", "same_employer": "same employer",
                "same_school": "same school", "same_group": "same group or community", "same_city": "same city",
                "mutual_connections": "mutual connections", "unnamed_referral": "unnamed referral",
                "profile": "saw a profile", "content": "knows your work, nothing named",
                "platform": "platform only", "together": "worked together, nothing named",
                "met": "met, nothing named", "event": "event, nothing named", "read": "read your work, nothing named",
                "referred": "unnamed referral", "named_context": "names a place or event, no link stated"}


def _tie(c: _Ctx, strong: list[_Evidence], creepy: bool) -> tuple[str, str, list[Signal]]:
    weak = _weak(c, creepy)
    how_caps = [s for k, s in weak if k in _CAPPING and s.field == "how"]
    if strong and not how_caps:
        ev = strong[0]
        return "strong", ev.reason, [Signal("tie", ev.t.orig(ev.start, ev.end), ev.t.field)]
    if weak:  # a search or directory in "how" is the reason, even when a strong cue was capped
        kind, sig = next(((k, s) for k, s in weak if k in _CAPPING and s.field == "how"), weak[0])
        return "weak", _WEAK_REASON[kind], [sig]
    for t in c.texts:
        for signal, reason in (("evasive", "evasive answer"), ("none", "says there is no connection")):
            for h in c.hits(signal, t):
                return "none", reason, [Signal("tie", t.orig(h.start, h.end), t.field)]
    return "none", "no connection stated", []


def _flag(c: _Ctx, signal: str, texts: list[Text]) -> list[Signal]:
    return [Signal(signal, t.orig(h.start, h.end), t.field) for t in texts for h in c.hits(signal, t)]


def _pitch(c: _Ctx) -> list[Signal]:
    """Sales phrases; in an answer that offers the owner a job, only a sale outside the job sentences counts."""
    out = []
    for t in c.texts:
        hits = c.hits("pitch", t)
        jobs = c.hits("job_offer", t)
        if jobs:
            job_sentences = {t.sentence_at(j.start) for j in jobs}
            hits = [h for h in hits if t.sentence_at(h.start) not in job_sentences]
            hits = hits if len(hits) >= 2 else []
        out.extend(Signal("pitch", t.orig(h.start, h.end), t.field) for h in hits)
    return out


def _owner_sentence(c: _Ctx, t: Text, s: int, e: int, strong: list[_Evidence]) -> bool:
    """A sentence written for the owner: a strong-tie cue, or names/numbers addressed to "you", no sales."""
    if any(ev.t is t and s <= ev.start < e for ev in strong):
        return True
    if any(s <= h.start < e for h in c.hits("pitch", t)):
        return False
    return len(c.markers(t, s, e)) >= 2 and any(s <= h.start < e for h in c.hits("you", t))


def _generic(c: _Ctx, pitch: bool, strong: list[_Evidence]) -> list[Signal]:
    found = _flag(c, "generic", c.notes)
    if found:
        for t in c.notes:
            for s, e in t.sentences:
                if not any(s <= h.start < e for h in c.hits("generic", t)) and _owner_sentence(c, t, s, e, strong):
                    return []
        return found
    if pitch and not strong and not c.markers(c.how) and not any(c.hits("owner_specific", t) for t in c.texts):
        # A sales pitch that says nothing about the owner is a mass mailing.
        return [Signal("generic", "sales pitch with nothing about you", "why")]
    return []


def _thin(c: _Ctx, t: Text) -> str | None:
    """Why an answer is too thin to judge, or None."""
    if not t.raw:
        return "no answer"
    if not c.markers(t):
        for h in c.hits("evasive", t):
            return t.orig(h.start, h.end)
    if c.pb.is_word("thin", t.folded.strip(" .!?,;:")):
        return t.raw
    fillers = c.hits("filler", t)
    words = [m for m in _WORD.finditer(t.folded) if not any(h.start <= m.start() < h.end for h in fillers)]
    if len(words) <= 2 and not _DIGIT_OR_TAG.search(t.folded) and not c.markers(t):
        return t.raw
    return None


def _vague(c: _Ctx, generic: bool, pitch: bool, strong: list[_Evidence]) -> list[Signal]:
    out = []
    follow_ok = bool(c.followup.raw) and _thin(c, c.followup) is None
    how_thin = f"quick reply only: {c.qr}" if c.qr and not c.how.raw else _thin(c, c.how)
    if how_thin and not follow_ok:
        supplied = any(ev.t.field != "how" for ev in strong) or (
            not generic and not pitch and c.why.raw and len(c.markers(c.why)) >= 2 and len(c.why.words) >= 10)
        if not supplied:
            out.append(Signal("vague", how_thin, "how"))
    why = c.why if c.why.raw else c.note
    deferred = c.hits("deferral", why) and len(why.words) <= 6 and len(c.how.words) >= 6
    why_thin = None if deferred else _thin(c, why)
    if why_thin and not follow_ok:
        out.append(Signal("vague", why_thin, why.field))
    return out


def assess(answers: Mapping[str, str], *, start_source: str | None, lang: str | None,
           phrasebook: Phrasebook) -> Assessment:
    """Label one screening request (see shared/screening-labels.md for the definitions)."""
    c = _Ctx(answers, lang, phrasebook)
    creepy_s = _flag(c, "creepy", c.texts)
    pitch_s = _pitch(c)
    creepy, pitch = bool(creepy_s), bool(pitch_s)
    strong = _strong(c)
    tie, tie_reason, tie_s = _tie(c, strong, creepy)
    generic_s = _generic(c, pitch, strong)
    generic = bool(generic_s)
    vague_s = _vague(c, generic, pitch, strong)
    vague = bool(vague_s)
    # A specific, relevant reason: names or numbers (two at least) and a concrete ask or offer.
    reason_texts = ([c.how] if c.hits("deferral", c.why) and c.how.raw else [c.why]) + \
        [t for t in (c.note, c.followup) if t.raw]
    named = [m for t in reason_texts for m in c.markers(t)]
    asks = any("?" in t.raw or c.hits("request", t) for t in reason_texts)
    specific = len(named) >= 2 and asks and sum(len(t.words) for t in reason_texts) >= 10
    # The suggestion, as screening-labels.md defines it.
    if pitch or creepy or (tie == "none" and (generic or vague)):
        action = "decline"
    elif not generic and not vague and (tie == "strong" or specific):
        action = "accept"
    else:
        action = "ask"
    parts = [p for p, on in (("sales pitch", pitch), ("tracking (no shared context)", creepy),
                             ("template note", generic), ("vague answer", vague)) if on]
    parts.append(f"{tie} tie ({tie_reason})")
    if action == "accept" and tie != "strong":
        parts.append("specific request")
    signals = creepy_s + pitch_s + generic_s + vague_s + tie_s
    if specific:
        signals.append(Signal("specific", ", ".join(named[:4]), reason_texts[0].field))
    how_raw = (answers.get("how") or "").strip()
    how_full = c.how if c.how.raw == how_raw else Text("how", how_raw)  # with the quick-reply label
    return Assessment(
        tie=tie, tie_reason=tie_reason, generic=generic, pitch=pitch, creepy=creepy, vague=vague,
        action=action, reason=", ".join(parts),
        summary=summarize(phrasebook, how_full, c.why, c.note, c.followup,
                          flagged=[x.phrase for x in creepy_s + pitch_s], de=c.de),
        signals=tuple(signals),
        source_mismatch=source_mismatch(phrasebook, start_source, c.qr, c.how, how_raw),
    )


def followup_question(a: Assessment) -> str | None:
    """The one follow-up worth asking: "how" (where we met / what you read), "why" (what to talk about), or None."""
    if a.pitch or a.creepy or a.action == "accept":
        return None
    how_vague = any(s.flag == "vague" and s.field == "how" for s in a.signals)
    why_vague = any(s.flag == "vague" and s.field != "how" for s in a.signals)
    if a.tie == "none" or how_vague:
        return "how"
    if a.generic or why_vague:
        return "why"
    if a.tie == "weak":
        return "how"
    return None
