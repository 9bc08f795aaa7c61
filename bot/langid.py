"""Telling which language a typed message is in: a character n-gram naive Bayes over a small table (bot/langid.tsv)
learnt from our own texts by bot/cli/train_languages.py.

The table knows the languages we have texts for plus a few others from the corpus (a Dutch message is Dutch, not
German); a message in a language or script it does not know matches too few of its n-grams and stays unsure. It
takes about 2 MB and a few tens of milliseconds to load, on the first message long enough to classify.
"""

import logging
import math
import re
import struct
import threading
from collections.abc import Iterable
from pathlib import Path

from bot.core.languages import clear_language, long_enough

log = logging.getLogger(__name__)

TABLE = Path(__file__).with_name("langid.tsv")
NGRAM_SIZES = (1, 2, 3, 4)
# Weights are costs (minus log-probabilities) in steps of 1/SCALE nat, one byte per language.
SCALE = 8
# Below this share of its n-grams found in the table, a message is in a language or script the table does not know.
MIN_KNOWN = 0.6
# Probabilities come from the cost per n-gram, times this: naive Bayes summed over every n-gram of a message is sure
# of itself even between neighbours it barely tells apart (Galician taken for Portuguese); per n-gram, a close call
# stays unsure. Chosen on the held-out corpus rows and a few sentences in languages the table does not know
# (bench/languages.py).
SHARPNESS = 8
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# rank() adds a message's n-gram rows as single Python ints: each row's costs in fixed-width fields, plus a 1 in the
# field above them that counts the rows added. FIELD bits hold the sum of 2**FIELD // 255 rows without a carry from
# one field into the next (16 million n-grams, a thousand times Telegram's longest message); longer texts are added
# in parts of that many.
FIELD = 32  # bits: 4-byte fields, so that a row is packed by struct in C (the table loads in about 13 ms)
MAX_PACKED_ROWS = (2**FIELD - 1) // 255


def ngrams(text: str) -> list[str]:
    """The character n-grams (1 to 4 characters) of each word of `text`, lower-cased, with a space marking each
    word's start and end."""
    grams: list[str] = []
    for word in WORD_RE.findall(text.lower()):
        padded = f" {word} "
        for n in NGRAM_SIZES:
            # A word holds no spaces: its 1-grams are its letters, without the two padding spaces.
            grams += word if n == 1 else [padded[i:i + n] for i in range(len(padded) - n + 1)]
    return grams


def pack(row: bytes, fields: int) -> int:
    """An n-gram's costs (at most `fields`) as one int: cost i in bits FIELD*i and up, and a 1 in field `fields`."""
    if len(row) > fields:
        raise ValueError(f"a row of {len(row)} costs for {fields} languages")
    return int.from_bytes(struct.pack(f"<{fields + 1}I", *row.ljust(fields, b"\0"), 1), "little")


def unpack(total: int, fields: int) -> list[int]:
    """The first `fields` fields of a sum of packed rows."""
    mask = (1 << FIELD) - 1
    return [total >> FIELD * i & mask for i in range(fields)]


def read_table(path: Path = TABLE) -> tuple[tuple[str, ...], dict[str, bytes]]:
    """The table's languages (its first line) and each n-gram's costs, one byte per language."""
    with open(path, encoding="utf-8") as lines:
        languages = tuple(next(lines).rstrip("\n").split("\t")[1:])
        costs = {}
        for line in lines:
            gram, _, hexed = line.rstrip("\n").rpartition("\t")
            costs[gram] = bytes.fromhex(hexed)
    return languages, costs


class LanguageGuesser:
    """Loads the table on first use (once, whichever thread asks first) and keeps it."""

    def __init__(self, path: Path = TABLE) -> None:
        self.path = path
        self._table: tuple[tuple[str, ...], dict[str, int]] | None = None  # languages, packed rows
        self._missing = False
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """True once the table is in memory (or known to be unavailable)."""
        return self._table is not None or self._missing

    def load(self) -> None:
        """Load the table now (call it off the event loop)."""
        with self._lock:
            if self.loaded:
                return
            try:
                languages, costs = read_table(self.path)
                self._table = languages, {gram: pack(row, len(languages)) for gram, row in costs.items()}
            except (OSError, ValueError, StopIteration) as exc:
                # A broken install still works: requesters keep Telegram's language.
                log.warning("the language table %s cannot be read (%s): typed messages do not change a request's "
                            "language", self.path, exc)
                self._missing = True

    def rank(self, text: str) -> list[tuple[str, float]]:
        """Every language of the table with its probability for `text`, best first; empty when the text has too few
        n-grams the table knows (another language or script) or there is no table."""
        self.load()
        if self._table is None:
            return []
        languages, packed = self._table
        grams = ngrams(text)
        seen, totals = len(grams), [0] * (len(languages) + 1)
        for start in range(0, seen, MAX_PACKED_ROWS):
            part = sum(filter(None, map(packed.get, grams[start:start + MAX_PACKED_ROWS])))
            totals = [a + b for a, b in zip(totals, unpack(part, len(languages) + 1), strict=True)]
        known = totals.pop()  # the field after the costs counts the rows found
        if not seen or known < MIN_KNOWN * seen:
            return []
        best = min(totals)
        weights = [math.exp((best - total) * SHARPNESS / (SCALE * known)) for total in totals]
        whole = sum(weights)
        return sorted(((lang, w / whole) for lang, w in zip(languages, weights, strict=True)), key=lambda r: -r[1])

    def guess(self, text: str | None, available: Iterable[str]) -> str | None:
        """The language `text` is clearly written in, among `available`; None when too short, unsure or without
        the table."""
        if not long_enough(text):
            return None
        return clear_language(self.rank(text), available)


SHARED_GUESSER = LanguageGuesser()
