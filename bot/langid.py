"""Telling which language a typed message is in, with py3langid's model (shipped in its wheel, nothing downloaded).

The model costs about 0.9 s and 75 MB (plus numpy, 15 MB) to load, so it is loaded only when a message long enough
to classify first arrives; a classification then takes well under a millisecond.
"""

import threading
from collections.abc import Iterable

from bot.core.languages import clear_language, long_enough


class LanguageGuesser:
    """Loads the model on first use (once, whichever thread asks first) and keeps it."""

    def __init__(self) -> None:
        self._identifier = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return self._identifier is not None

    def load(self) -> None:
        """Load the model now (slow: call it off the event loop)."""
        with self._lock:
            if self._identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def guess(self, text: str | None, available: Iterable[str]) -> str | None:
        """The language `text` is clearly written in, among `available`; None when too short or unsure."""
        if not long_enough(text):
            return None
        self.load()
        return clear_language(self._identifier.rank(text), available)


SHARED_GUESSER = LanguageGuesser()
