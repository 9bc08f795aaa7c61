"""Cue phrases (prompts/assess/cues.toml) found in an answer's words: fast dictionary lookups, no regexes.

A phrase is a few words; a word ending in "*" matches any word that starts with it. Text and phrases are
folded the same way (lower case, accents removed), so "Café" finds "cafe".
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'", "“": '"', "”": '"', "„": '"', "«": '"',
                         "»": '"', "-": " ", "‐": " ", "–": " ", "—": " ", "_": " "})
WORD = re.compile(r"\w+(?:['.]\w+)*")
MIN_STEM = 3


class LexiconError(ValueError):
    """A cue file that cannot be used (bad TOML or wrong shape); the message names the file."""


@lru_cache(maxsize=16384)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> str:
    """Lower-case, accent-free text with quotes unified and hyphens/underscores as spaces."""
    text = text.translate(_QUOTES)
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_char, text))


def words(text: str) -> list[str]:
    """The folded words of a text."""
    return WORD.findall(fold(text))


@dataclass(frozen=True)
class Hit:
    """A cue phrase found in a list of words: which cue, the phrase as written, and the words it covers."""

    cue: str
    phrase: str
    start: int
    end: int
    owners: bool = False  # a phrase the owner added (PROMPTS_DIR/assess/cues.toml)


class Lexicon:
    """Cue phrases indexed by their first word, their first two words, or the first letters of a stem."""

    def __init__(self, cues: Mapping[str, Iterable[str]], owners: Mapping[str, Iterable[str]] | None = None) -> None:
        self.cues: dict[str, tuple[str, ...]] = {cue: tuple(dict.fromkeys(phrases)) for cue, phrases in cues.items()}
        self.owners: set[tuple[str, str]] = {(cue, p) for cue, phrases in (owners or {}).items() for p in phrases}
        self._one: dict[str, list[tuple[str, str]]] = {}  # one exact word -> (cue, phrase)
        self._two: dict[tuple[str, str], list[tuple[str, str, tuple[str, ...]]]] = {}  # two exact first words
        self._stem: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}  # a stem among the first two words
        for cue, phrases in self.cues.items():
            for phrase in phrases:
                tokens = tuple(t.replace("stemmark", "*") for t in WORD.findall(fold(phrase.replace("*", "stemmark"))))
                if not tokens:
                    continue
                if any(t.endswith("*") for t in tokens[:2]):
                    self._stem.setdefault(tokens[0][:MIN_STEM], []).append((cue, phrase, tokens))
                elif len(tokens) == 1:
                    self._one.setdefault(tokens[0], []).append((cue, phrase))
                else:
                    self._two.setdefault(tokens[:2], []).append((cue, phrase, tokens))

    def find(self, text_words: list[str]) -> list[Hit]:
        """Every cue phrase in the words, left to right (overlaps allowed: several cues may share words)."""
        hits = []
        n = len(text_words)
        one, two, stem = self._one, self._two, self._stem
        for i, word in enumerate(text_words):
            for cue, phrase in one.get(word, ()):
                hits.append(Hit(cue, phrase, i, i + 1, (cue, phrase) in self.owners))
            if i + 1 < n:
                for cue, phrase, tokens in two.get((word, text_words[i + 1]), ()):
                    end = i + len(tokens)
                    if end <= n and (end == i + 2 or _all_match(tokens, text_words, i, 2)):
                        hits.append(Hit(cue, phrase, i, end, (cue, phrase) in self.owners))
            for cue, phrase, tokens in stem.get(word[:MIN_STEM], ()):
                end = i + len(tokens)
                if end <= n and _all_match(tokens, text_words, i, 0):
                    hits.append(Hit(cue, phrase, i, end, (cue, phrase) in self.owners))
        return hits


def _all_match(tokens: tuple[str, ...], text_words: list[str], at: int, skip: int) -> bool:
    return all(_matches(tokens[k], text_words[at + k]) for k in range(skip, len(tokens)))


def _matches(token: str, word: str) -> bool:
    return word.startswith(token[:-1]) if token.endswith("*") else word == token


def parse_lexicon(sources: Iterable[tuple[str, str]], owners: Iterable[tuple[str, str]] = ()) -> Lexicon:
    """Build a Lexicon from ``(where, TOML text)`` pairs (shipped), then ``owners`` pairs (the owner's additions,
    which also decide their flag on their own: see Assessor)."""
    merged: dict[str, list[str]] = {}
    mine: dict[str, list[str]] = {}
    for where, text, is_owner in [(w, t, False) for w, t in sources] + [(w, t, True) for w, t in owners]:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise LexiconError(f"{where}: {exc}") from exc
        for cue, table in data.items():
            if not isinstance(table, dict) or not all(
                    isinstance(v, list) and all(isinstance(p, str) for p in v) for v in table.values()):
                raise LexiconError(f"{where}: [{cue}] must map languages to lists of phrases")
            for phrases in table.values():
                merged.setdefault(cue, []).extend(p for p in phrases if p.strip())
                if is_owner:
                    mine.setdefault(cue, []).extend(p for p in phrases if p.strip())
    return Lexicon(merged, mine)
