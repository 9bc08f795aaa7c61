"""Text that users control, made safe: valid Unicode at the edge, isolated where a card shows it, and measured by
what it shows."""

import re
import unicodedata

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): inside user text an RLO reverses
# whatever follows it on the line, and a stray PDI would close the isolate a card puts around the text.
_BIDI_CONTROLS_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
FSI, PDI = "\u2068", "\u2069"
# Letters that draw nothing (Hangul fillers, the braille blank); format characters (zero-width space and joiners,
# word joiner, BOM, direction marks, soft hyphen) are found by their category, Cf.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def valid_text(text: str | None) -> str | None:
    """Text that can be stored and sent: each lone surrogate (which UTF-8 cannot encode) becomes U+FFFD."""
    return _SURROGATE_RE.sub("\ufffd", text) if text else text


def isolated(text: str | None) -> str | None:
    """User text to set among ours: its bidi controls removed and the rest wrapped in an isolate (FSI … PDI), so
    neither its own direction nor a control can reorder what is around it. None and '' stay as they are."""
    return f"{FSI}{_BIDI_CONTROLS_RE.sub('', text)}{PDI}" if text else text


def visible_chars(text: str | None) -> int:
    """How long the text is as it shows: format characters and blank letters removed, then surrounding whitespace."""
    shown = "".join(c for c in text or "" if c not in _BLANK_LETTERS and unicodedata.category(c) != "Cf")
    return len(shown.strip())
