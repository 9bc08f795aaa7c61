"""Which language a requester is asked in: Telegram's language_code, or what their first clear message was written in.

The texts live in prompts/: English at the top of each folder, other languages in a folder named after the
language (requester/de/, business/requester/de/). A language is available when such a folder exists.
"""

import re
from collections.abc import Iterable, Sequence

DEFAULT = "en"
CODE_RE = re.compile(r"^[a-z]{2,3}$")
# A typed message is classified only when it is this long and the classifier is this sure of it.
MIN_WORDS = 4
MIN_CONFIDENCE = 0.9
# How the card names a requester's language (the owner reads English); a language without a name shows its code.
NAMES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French", "pt": "Portuguese", "ru": "Russian",
         "uk": "Ukrainian", "it": "Italian", "tr": "Turkish", "nl": "Dutch", "pl": "Polish", "ja": "Japanese",
         "zh": "Chinese", "ko": "Korean", "ar": "Arabic", "fa": "Persian", "he": "Hebrew", "hi": "Hindi",
         "id": "Indonesian", "cs": "Czech", "sv": "Swedish", "fi": "Finnish", "da": "Danish", "no": "Norwegian",
         "el": "Greek", "ro": "Romanian", "hu": "Hungarian", "be": "Belarusian", "kk": "Kazakh", "uz": "Uzbek"}


def base_code(code: str | None) -> str | None:
    """'pt-BR' → 'pt', 'de' → 'de'; None for anything that is not a language code."""
    base = (code or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return base if CODE_RE.match(base) else None


def language_for(code: str | None, available: Iterable[str]) -> str:
    """The language to ask in for Telegram's language_code: its own when there are texts for it, else English."""
    base = base_code(code)
    return base if base is not None and base in set(available) else DEFAULT


def language_name(code: str | None) -> str:
    """The English name of a language for the card ('German'), or its code when it has no name here."""
    return NAMES.get(code or "", code or "")


def long_enough(text: str | None) -> bool:
    """True when a message has enough words to tell its language from."""
    return len((text or "").split()) >= MIN_WORDS


def clear_language(ranking: Sequence[tuple[str, float]], available: Iterable[str]) -> str | None:
    """The language of a message from a classifier's ranking (all languages, best first, probabilities): the best
    one when it is available and, among the available ones, has at least MIN_CONFIDENCE; else None."""
    if not ranking:
        return None
    choices = set(available)
    best, best_p = ranking[0]
    among = sum(p for lang, p in ranking if lang in choices)
    if best not in choices or among <= 0:
        return None
    return best if best_p / among >= MIN_CONFIDENCE else None
