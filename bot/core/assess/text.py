"""Text helpers for the assessor: folded answers, names and numbers ("specifics"), the summary line.

Pure: no I/O. Positions passed around are indexes into ``Text.folded`` unless named ``raw``.
"""

from __future__ import annotations

import re

from bot.core.assess.phrasebook import Hit, Phrasebook, Scan, fold

SUMMARY_MAX = 120
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*\n+\s*")
_WORD = re.compile(r"\w+(?:['.\-]\w+)*")
_TOKEN = re.compile(r"\S+")
_STRIP = ".,;:!?()[]{}\"'«»“”„‘’…*_~<>|"
_QUOTED = re.compile(r"(?<!\w)['\"‘“«„]([^'\"’”»“\n]{2,80}?)['\"’”»“](?!\w)")
_GERMAN = re.compile(r"\b(?:und|ich|nicht|der|die|das|mit|ein|eine|ist|wir|dich|mich|auf|bei|habe|hab)\b")
_ABBREVIATION = re.compile(r"(?<!\w)(?:mr|mrs|ms|dr|st|vs|etc|e\.g|i\.e|approx|no|nr|jr|sr|prof|inc|ltd|co|ca)\.$")
_DE_PLACE = {"in", "aus", "nach", "von", "bei", "am", "im", "zu", "zum", "zur", "vom"}
_LETTER = re.compile(r"\w")
_SPACES = re.compile(r"\s+")
_END_STOP = re.compile(r"[.!]+$")
_SOURCE_GLUE = re.compile(r"[\d_\-.]+")
_NON_WORD = re.compile(r"\W")
_EVENT_SOURCE = re.compile(r"\w(con|conf)\b|summit|fest\b|meetup|talk")
_CONTENT_SOURCE = re.compile(r"newsletter|blog|podcast|website|substack")
_SEPARATOR = re.compile(r"\s*[—–:\-]\s*")


class Text:
    """One answer: the raw text, its folded form, its sentences, words and (lazily) the names in it."""

    __slots__ = ("field", "raw", "folded", "where", "sentences", "words", "_entities", "_scan")

    def __init__(self, field: str, raw: str) -> None:
        self.field = field
        self.raw = raw.strip()
        self.folded, self.where = fold(self.raw)
        spans, start = [], 0
        for m in _SENTENCE_END.finditer(self.folded):
            if _ABBREVIATION.search(self.folded, max(0, m.start() - 8), m.start()):
                continue
            if m.start() > start:
                spans.append((start, m.start()))
            start = m.end()
        if start < len(self.folded):
            spans.append((start, len(self.folded)))
        self.sentences: list[tuple[int, int]] = spans
        self.words: list[str] = _WORD.findall(self.folded)
        self._entities: tuple[bool, list[_Entity]] | None = None
        self._scan: Scan | _Part | None = None

    def hits(self, pb: Phrasebook, signal: str) -> list[Hit]:
        """Matches of one phrase list in this answer (the answer is indexed once)."""
        if self._scan is None or self._scan.book is not pb:
            self._scan = pb.scan(self.folded)
        return self._scan.find(signal)


    def raw_pos(self, i: int) -> int:
        """The index in ``raw`` of folded index ``i`` (``len(folded)`` maps to ``len(raw)``)."""
        if self.where is None:
            return i
        return self.where[i] if i < len(self.where) else len(self.raw)

    def orig(self, start: int, end: int) -> str:
        """The raw text behind ``folded[start:end]``."""
        if end <= start:
            return ""
        return self.raw[self.raw_pos(start):self.raw_pos(end - 1) + 1]

    def sentence_at(self, i: int) -> tuple[int, int]:
        for s, e in self.sentences:
            if s <= i < e:
                return s, e
        return 0, len(self.folded)


class _Part:
    """One answer's share of a scan over all the answers joined (one scan is cheaper than four)."""

    def __init__(self, scan: Scan, start: int, end: int) -> None:
        self.book, self._scan, self._start, self._end = scan.book, scan, start, end
        self._found: dict[str, list[Hit]] = {}

    def find(self, signal: str) -> list[Hit]:
        found = self._found.get(signal)
        if found is None:
            s, e = self._start, self._end
            found = self._found[signal] = [Hit(h.signal, h.entry, h.start - s, h.end - s)
                                           for h in self._scan.find(signal) if s <= h.start and h.end <= e]
        return found


def scan_together(pb: Phrasebook, texts: list[Text]) -> None:
    """Index several answers in one pass; "\n.\n" between them keeps phrases from running across."""
    joined, offsets = "", []
    for t in texts:
        offsets.append(len(joined))
        joined += t.folded + "\n.\n"
    scan = pb.scan(joined)
    for t, start in zip(texts, offsets, strict=True):
        t._scan = _Part(scan, start, start + len(t.folded))  # type: ignore[assignment]

class _Entity:
    __slots__ = ("text", "raw_start", "marker", "person")

    def __init__(self, text: str, raw_start: int, marker: bool, person: bool) -> None:
        self.text, self.raw_start, self.marker, self.person = text, raw_start, marker, person


def is_german(folded: str) -> bool:
    return len(_GERMAN.findall(folded)) >= 2


def _entities(pb: Phrasebook, t: Text, de: bool) -> list[_Entity]:
    """Names, acronyms, numbers, tags, URLs and quoted titles in ``t`` (platform names and pronouns excluded)."""
    if t._entities is not None and t._entities[0] == de:
        return t._entities[1]
    raw = t.raw
    out: list[_Entity] = []
    quotes = [(m.start(), m.end()) for m in _QUOTED.finditer(raw) if _LETTER.search(m.group(1))]
    out.extend(_Entity(raw[s:e], s, True, False) for s, e in quotes)

    placed = False  # German capitalises every noun: there, a capitalised word counts after "in", "aus"…

    def close(run: list[tuple[str, int, bool]]) -> None:
        if not run:
            return
        whole = fold(" ".join(w for w, _, _ in run))[0]
        if pb.is_word("platform", whole):
            return
        person = all(w[:1].isupper() and w[1:].islower() and w.isalpha() for w, _, _ in run)
        kept = [(w, s) for i, (w, s, initial) in enumerate(run)
                if not (i == 0 and initial and not _inner_caps(w))
                and (not de or _inner_caps(w) or (i == 0 and placed))]
        if kept or person:
            start = kept[0][1] if kept else run[0][1]
            out.append(_Entity(" ".join(w for w, _, _ in run), start, bool(kept), person))

    for s, e in t.sentences:
        rs, re_ = t.raw_pos(s), t.raw_pos(e - 1) + 1
        run: list[tuple[str, int, bool]] = []
        initial, prev = True, ""
        for m in _TOKEN.finditer(raw, rs, re_):
            tok = m.group()
            core = tok.strip(_STRIP)
            if not core:
                continue
            cs = m.start() + tok.find(core)
            if any(qs <= cs < qe for qs, qe in quotes):
                close(run)
                run, initial = [], False
                continue
            kind = _kind(core)
            if kind == "cap" and not _common_word(pb, core):
                if not run:
                    placed = de and prev in _DE_PLACE
                run.append((core, cs, initial))
                if tok.rstrip() != tok.rstrip(_STRIP) or tok.endswith(("'", ")")):
                    close(run)
                    run = []
            else:
                close(run)
                run = []
                if kind in ("number", "tag", "url") and not pb.is_word("platform", fold(core)[0]):
                    out.append(_Entity(core, cs, True, False))
            prev = core.lower()
            initial = False
        close(run)
    out.sort(key=lambda x: x.raw_start)
    t._entities = (de, out)
    return out


def _common_word(pb: Phrasebook, word: str) -> bool:
    folded = fold(word)[0]
    return pb.is_word("not_a_name", folded) or pb.is_word("platform", folded)


def _inner_caps(word: str) -> bool:
    """An upper-case letter after the first: "JSConf", "KMP", "iOS" (not "Berlin")."""
    rest = word[1:]
    return rest != rest.lower()


_DIGIT = re.compile(r"\d").search


def _kind(core: str) -> str | None:
    if "://" in core or core.startswith("www."):
        return "url"
    if core[0] in "#@" and len(core) > 1:
        return "tag"
    if _DIGIT(core):
        return "number"
    if core[0].isupper() or _inner_caps(core):
        return "cap"
    return None


def markers(pb: Phrasebook, t: Text, de: bool, start: int = 0, end: int | None = None) -> list[str]:
    """The specifics in ``folded[start:end]`` of ``t``: names, numbers, tags, titles."""
    rs, re_ = t.raw_pos(start), (len(t.raw) if end is None else t.raw_pos(end))
    return [x.text for x in _entities(pb, t, de) if x.marker and rs <= x.raw_start < re_]


def names(pb: Phrasebook, t: Text, de: bool, start: int, end: int) -> list[str]:
    """Person-like names ("Priya Raman", "Lucía Fernández") in ``folded[start:end]`` of ``t``."""
    rs, re_ = t.raw_pos(start), t.raw_pos(end)
    return [x.text for x in _entities(pb, t, de) if x.person and rs <= x.raw_start < re_]


def quick_reply(pb: Phrasebook, how_raw: str) -> tuple[str | None, str]:
    """Which quick-reply button the "how" answer starts with, and the details typed after it."""
    folded, where = fold(how_raw)
    for kind in ("met", "referred", "read", "search", "other"):
        hit = pb.match_start(f"quick_reply.{kind}", folded)
        if hit is None:
            continue
        rest = folded[hit.end:]
        if not rest.strip(" .!"):
            return kind, ""
        sep = _SEPARATOR.match(rest)
        if sep:
            at = hit.end + sep.end()
            return kind, how_raw[where[at] if where and at < len(where) else at:].strip()
    return None, how_raw


# --- summary ---------------------------------------------------------------------------------------------

_SYMBOLS = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D\u20E3]+")


def _clean(s: str) -> str:
    """Without emoji and stray punctuation at either end."""
    if not s.isascii():
        s = _SYMBOLS.sub("", s)
    s = _SPACES.sub(" ", s).strip(" -—–,;:")
    return _END_STOP.sub("", s).strip()


def _trunc(s: str, n: int) -> str:
    if len(s) <= n:
        return s
    cut = s[:max(1, n - 1)]
    space = cut.rfind(" ")
    if space > n // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:—–-(\"'") + "…"


def _sentences(t: Text) -> list[str]:
    return [_clean(t.orig(s, e)) for s, e in t.sentences]


def _best(pb: Phrasebook, t: Text, flagged: list[str], de: bool) -> str:
    """The most telling sentence: one with a flagged phrase, else the one with the most specifics."""
    best, score = "", -1.0
    all_fillers = t.hits(pb, "filler")
    for s, e in t.sentences:
        fillers = [h for h in all_fillers if s <= h.start < e]
        lead = s
        for h in fillers:  # drop a leading "Hi!" / "Hello dear"
            if t.folded[lead:h.start].strip(" ,!.-—") == "":
                lead = h.end
        if len(_WORD.findall(t.folded, lead, e)) < 3:
            lead = s
        text = _clean(t.orig(lead, e))
        words = [w for w in _WORD.finditer(t.folded, s, e)
                 if not any(h.start <= w.start() < h.end for h in fillers)]
        if not text or not words:
            if not best:
                best = text or best
            continue
        value = 2 * len(markers(pb, t, de, s, e)) + (5 if any(p and p in text for p in flagged) else 0) + \
            min(len(words), 15) / 15
        if value > score:
            best, score = text, value
    return best


def _fit(parts: list[str], budget: int) -> list[str]:
    """Shorten the longest parts first so that all of them share the budget fairly."""
    room = budget - 2 * (len(parts) - 1)
    if sum(map(len, parts)) <= room:
        return parts
    order = sorted(range(len(parts)), key=lambda i: len(parts[i]))
    out = list(parts)
    left = room
    for n, i in enumerate(order):
        share = left // (len(parts) - n)
        if len(parts[i]) > share:
            out[i] = _trunc(parts[i], max(share, 12))
        left -= len(out[i])
    return out


def summarize(pb: Phrasebook, how: Text, why: Text, note: Text, followup: Text, *, flagged: list[str],
              de: bool) -> str:
    """At most 120 characters made only of the answers' own words: how they found you; why."""
    how_part = _best(pb, how, flagged, de) if flagged else (_sentences(how) or [""])[0]
    reason = why if why.raw else note
    deferred = bool(reason.hits(pb, "deferral")) and len(reason.words) <= 6
    if deferred and how.raw:
        how_part = _clean(how.raw)
        why_part = ""
    else:
        why_part = _best(pb, reason, flagged, de) if reason.raw else ""
    parts = [p for p in (how_part, why_part, _best(pb, followup, flagged, de) if followup.raw else "")
             if _WORD.search(p)]
    parts = [p for i, p in enumerate(parts) if p not in parts[:i]]
    return _trunc("; ".join(_fit(parts, SUMMARY_MAX)), SUMMARY_MAX)


# --- start source ----------------------------------------------------------------------------------------

_ENGINES = {"google", "bing", "duckduckgo", "internet", "online", "web", "yandex", "яндекс", "гугл"}


def source_mismatch(pb: Phrasebook, start_source: str | None, qr: str | None, how: Text,
                    how_label: str = "") -> str | None:
    """A note when the deep-link / invite-link name clearly contradicts the "how" answer."""
    if not start_source or not (how.raw or qr):
        return None
    src = fold(start_source.strip())[0]
    src_words = _SOURCE_GLUE.sub(" ", src).strip()
    said = _trunc(_clean(how_label or how.raw), 50)

    def norm(s: str) -> str:
        return _NON_WORD.sub("", s)

    platforms = {norm(how.folded[h.start:h.end]) for h in how.hits(pb, "platform")}
    search = qr == "search" or bool(how.hits(pb, "weak.search"))
    met = qr == "met" or bool(how.hits(pb, "strong.met") or how.hits(pb, "event"))
    content = qr == "read" or bool(how.hits(pb, "weak.content"))
    src_platform = pb.search("platform", src) or pb.search("platform", src_words)
    message = f"came via link '{start_source}' but says: {said}"
    if src_platform:
        name = norm(src[src_platform.start:src_platform.end]) if pb.search("platform", src) else norm(
            src_words[src_platform.start:src_platform.end])
        others = platforms - {name} - _ENGINES
        return message if others and name not in platforms else None
    if pb.search("event", src_words) or _EVENT_SOURCE.search(src_words):
        mentioned = any(w in how.folded for w in src_words.split() if len(w) > 2)
        return message if (search or platforms) and not met and not mentioned else None
    if _CONTENT_SOURCE.search(src):
        return message if (met or platforms - _ENGINES) and not content and not search else None
    return None
