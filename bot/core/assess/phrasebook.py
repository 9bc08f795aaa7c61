"""Phrase lists for the assessor: TOML files of regular expressions, grouped by signal, loaded once.

Each ``*.toml`` file in a phrase-list folder holds tables whose leaves map a language code to a list of
patterns, e.g. ``[generic] en = ["expand my network"]`` or ``[weak.same_city] de = ["gleiche stadt"]``
(signal ``weak.same_city``). Patterns are Python regular expressions matched case- and accent-insensitively
on whole words. Later folders add entries to the same signals, so an owner's folder extends the defaults.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

try:  # the regex parser, used only to index phrases for speed (see Phrasebook)
    import re._constants as _c
    import re._parser as _parser
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'", "“": '"', "”": '"', "„": '"',
                         "«": '"', "»": '"'})


# How common a letter is in running text (English order; other scripts count as rare): phrases are indexed
# under their rarest three letters so that few of them are run on a given text.
_COMMON_LETTERS = {ch: 26 - i for i, ch in enumerate("etaoinshrdlcumwfgypbvkjxqz")} | {" ": 30, "'": 5}


class PhrasebookError(ValueError):
    """A phrase-list file that cannot be used (bad TOML, wrong shape, or a pattern that does not compile)."""


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch.translate(_QUOTES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> tuple[str, list[int] | None]:
    """Lower-case, accent-free copy of ``text`` and, when lengths differ, each folded char's index in ``text``."""
    if text.isascii():
        return text.lower().translate(_QUOTES), None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


def fold_pattern(pattern: str) -> str:
    """Strip accents from a pattern the same way ``fold`` does (case is handled by IGNORECASE)."""
    decomposed = unicodedata.normalize("NFKD", pattern.translate(_QUOTES)).replace("ß", "ss")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Hit:
    """One match of a signal's phrase list in folded text."""

    signal: str
    entry: str  # the phrase-list entry that matched, as written in the file
    start: int
    end: int


class Phrasebook:
    """Compiled phrase lists.

    Speed: Python's regex engine tries an alternation of hundreds of phrases one phrase at a time at every
    word, which is slow. So each phrase is compiled on its own, in lower case (the text is folded) and without
    a leading look-behind, which lets the engine jump to the phrase's first letters; and each phrase is indexed
    under a three- or four-letter piece of text it cannot match without. A text is cut into such pieces once
    (``scan``) and only the phrases whose piece occurs are run. Phrases without such a piece (short words like
    "hi") run together as one alternation.
    """

    def __init__(self, entries: Mapping[str, Sequence[str]]) -> None:
        self.entries: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in entries.items()}
        self._single: dict[str, list[re.Pattern[str]]] = {}
        self._always: dict[str, list[int]] = {}
        self._whole: dict[str, re.Pattern[str]] = {}
        self._index: dict[str, set[tuple[str, int]]] = {}  # a few letters -> the (signal, entry) indexed there
        required: dict[tuple[str, int], set[str]] = {}
        for signal, patterns in self.entries.items():
            folded = [fold_pattern(p) for p in patterns]
            # Text is folded to lower case, so phrases are too: without IGNORECASE and without a leading
            # look-behind, the regex engine can skip ahead to the phrase's first letters (about ten times faster).
            self._single[signal] = [re.compile(rf"(?:{_lower(p)})(?!\w)") for p in folded]
            body = "|".join(f"(?:{p})" for p in folded) or "(?!x)x"
            self._whole[signal] = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
            for i, p in enumerate(folded):
                needs = _index_strings(p)
                if needs is None:
                    self._always.setdefault(signal, []).append(i)
                else:
                    required[(signal, i)] = needs
        # Index each phrase under the rarest piece of each string it needs.
        common: dict[str, int] = {}
        for strings in required.values():
            for r in strings:
                for g in {r[j:j + 3] for j in range(len(r) - 2)}:
                    common[g] = common.get(g, 0) + 1
        for (signal, i), strings in required.items():
            for r in strings:
                n = 4 if len(r) >= 4 else 3  # four letters pick out far fewer phrases than three
                gram = min((r[j:j + n] for j in range(len(r) - n + 1)),
                           key=lambda g: (" " in g, sum(_COMMON_LETTERS.get(ch, 0) for ch in g), common.get(g, 0)))
                self._index.setdefault(gram, set()).add((signal, i))
        self._index_keys = frozenset(self._index)
        # Phrases without an index piece (short words like "hi", "tu") run together as one alternation.
        self._always_rx = {signal: re.compile(
            "(?:" + "|".join(f"(?:{_lower(fold_pattern(self.entries[signal][i]))})" for i in ids) + r")(?!\w)")
            for signal, ids in self._always.items()}
        self._derived: dict[Any, Any] = {}
        self._words: dict[tuple[str, str], bool] = {}

    def signals(self) -> list[str]:
        return sorted(self.entries)

    def scan(self, folded: str) -> Scan:
        """Prepare ``folded`` text (see ``fold``) for several ``find`` calls."""
        return Scan(self, folded)

    def find(self, signal: str, folded: str) -> list[Hit]:
        """Every non-overlapping match of ``signal`` in ``folded`` text, left to right."""
        return Scan(self, folded).find(signal)

    def search(self, signal: str, folded: str) -> Hit | None:
        """The first match of ``signal`` in ``folded`` text."""
        hits = self.find(signal, folded)
        return hits[0] if hits else None

    def match_start(self, signal: str, folded: str) -> Hit | None:
        """A match of ``signal`` at the very start of ``folded``."""
        rx = self._whole.get(signal)
        m = rx.match(folded) if rx else None
        return self._hit(signal, folded, m.start(), m.end()) if m else None

    def is_word(self, signal: str, folded_word: str) -> bool:
        """Whether the whole of ``folded_word`` is one of ``signal``'s entries (memoised)."""
        key = (signal, folded_word)
        known = self._words.get(key)
        if known is None:
            if len(self._words) > 100_000:  # a long-running bot sees endless distinct words
                self._words.clear()
            rx = self._whole.get(signal)
            known = self._words[key] = bool(rx and rx.fullmatch(folded_word))
        return known

    def derived(self, key: Any, build: Callable[[Phrasebook], Any]) -> Any:
        """A value computed once from this phrasebook (e.g. a regex composed from several lists)."""
        if key not in self._derived:
            self._derived[key] = build(self)
        return self._derived[key]

    def alternatives(self, signal: str) -> str:
        """The signal's entries as one non-capturing alternation, for composing larger patterns."""
        entries = self.entries.get(signal)
        return "(?:" + "|".join(f"(?:{fold_pattern(e)})" for e in entries) + ")" if entries else "(?!x)x"

    def _hit(self, signal: str, folded: str, start: int, end: int) -> Hit:
        for i, rx in enumerate(self._single[signal]):
            if rx.fullmatch(folded, start, end) or rx.match(folded, start):
                return Hit(signal, self.entries[signal][i], start, end)
        return Hit(signal, "", start, end)  # pragma: no cover - the alternation matched, so one entry does


class Scan:
    """One folded text, with the phrases worth running on it picked out by its three- and four-letter pieces."""

    def __init__(self, book: Phrasebook, folded: str) -> None:
        self.book, self.folded = book, folded
        self._candidates: dict[str, list[int]] = {}
        pieces = {folded[i:i + 4] for i in range(len(folded) - 3)}
        pieces.update([p[:3] for p in pieces])
        if len(folded) >= 3:
            pieces.add(folded[-3:])
        grams = book._index_keys.intersection(pieces)
        if grams:
            for signal, i in set().union(*map(book._index.__getitem__, grams)):
                self._candidates.setdefault(signal, []).append(i)
        self._found: dict[str, list[Hit]] = {}

    def find(self, signal: str) -> list[Hit]:
        if signal in self._found:
            return self._found[signal]
        book, folded = self.book, self.folded
        singles = book._single.get(signal, [])
        spans = [(s, i, e) for i in self._candidates.get(signal, ()) for s, e in _word_matches(singles[i], folded)]
        always = book._always_rx.get(signal)
        if always is not None:
            for s, e in _word_matches(always, folded):
                i = next((i for i in book._always[signal] if singles[i].fullmatch(folded, s, e)),
                         book._always[signal][0])
                spans.append((s, i, e))
        if not spans:
            self._found[signal] = []
            return []
        spans.sort()
        hits: list[Hit] = []
        last = -1
        for start, i, end in spans:  # leftmost first, then earlier list entries, no overlaps
            if start >= last and end > start:
                hits.append(Hit(signal, book.entries[signal][i], start, end))
                last = end
        self._found[signal] = hits
        return hits


def _word_matches(rx: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Spans where ``rx`` matches starting at a word boundary (the check the pattern leaves out for speed)."""
    out: list[tuple[int, int]] = []
    pos = 0
    while (m := rx.search(text, pos)) is not None:
        start = m.start()
        if start and _WORD_CHAR(text, start - 1):
            pos = start + 1
            continue
        out.append((start, m.end()))
        pos = m.end() if m.end() > start else start + 1
    return out


_WORD_CHAR = re.compile(r"\w").match


def _lower(pattern: str) -> str:
    """A folded pattern in lower case; escapes such as \\W, \\S or \\N{...} are left as they are."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            end = pattern.index("}", i) + 1 if pattern[i + 1] == "N" and "}" in pattern[i:] else i + 2
            out.append(pattern[i:end])
            i = end
        else:
            out.append(pattern[i].casefold() if len(pattern[i].casefold()) == 1 else pattern[i].lower())
            i += 1
    return "".join(out)


def _index_strings(pattern: str) -> set[str] | None:
    """Strings (3+ letters) of which a match of ``pattern`` must contain one, or None when unknown."""
    try:
        required = _required(list(_parser.parse(pattern, re.IGNORECASE)))
    except Exception:  # an unusual construct: just always run this pattern
        return None
    if not required or any(len(s) < 3 for s in required):
        return None
    return required


def _required(items: list[Any]) -> set[str] | None:
    """Strings of which any match must contain one (the most selective set found), or None."""
    best: set[str] | None = None
    run = ""

    def offer(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and all(candidate) and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    for op, av in items:
        if op is _c.LITERAL:
            run += chr(av).casefold()
            continue
        offer({run} if run else None)
        run = ""
        if op is _c.SUBPATTERN:
            offer(_required(list(av[-1])))
        elif op is _c.BRANCH:
            options = [_required(list(alt)) for alt in av[1]]
            if all(options):
                offer(set().union(*options))  # type: ignore[arg-type]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            offer(_required(list(av[2])))
    offer({run} if run else None)
    return best


def _leaves(table: Mapping[str, Any], prefix: str, where: str) -> dict[str, list[str]]:
    """Flatten nested tables to ``{"weak.same_city": [patterns…]}``; leaves map language codes to lists."""
    out: dict[str, list[str]] = {}
    values = list(table.values())
    if prefix and values and all(isinstance(v, list) for v in values):
        for lang, items in table.items():
            if not all(isinstance(s, str) for s in items):
                raise PhrasebookError(f"{where}: [{prefix}] {lang} must be a list of strings")
            out.setdefault(prefix, []).extend(items)
        return out
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            for sig, items in _leaves(value, name, where).items():
                out.setdefault(sig, []).extend(items)
        elif isinstance(value, list) and all(isinstance(s, str) for s in value):
            out.setdefault(name, []).extend(value)
        else:
            raise PhrasebookError(f"{where}: {name} must be a table of lists of strings")
    return out


def _check(pattern: str, signal: str, where: str) -> None:
    if "(?P<" in pattern or "(?P=" in pattern:
        raise PhrasebookError(f"{where}: [{signal}] {pattern!r}: named groups are not allowed")
    try:
        re.compile(fold_pattern(pattern), re.IGNORECASE)
        re.compile(_lower(fold_pattern(pattern)))
    except re.error as exc:
        raise PhrasebookError(f"{where}: [{signal}] {pattern!r}: {exc}") from exc


def parse_phrasebook(sources: Iterable[tuple[str, str]]) -> Phrasebook:
    """Build a Phrasebook from ``(where, TOML text)`` pairs, in order; later entries are added to earlier ones."""
    merged: dict[str, list[str]] = {}
    for where, text in sources:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PhrasebookError(f"{where}: {exc}") from exc
        for signal, patterns in _leaves(data, "", where).items():
            for p in patterns:
                _check(p, signal, where)
            merged.setdefault(signal, []).extend(p for p in patterns if p not in merged.get(signal, ()))
    return Phrasebook(merged)
