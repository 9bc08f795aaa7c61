"""Telling which language a typed message is in, with py3langid's model (shipped in its wheel, nothing downloaded).

The model costs about 0.9 s and 75 MB (plus numpy, 15 MB) to load, so it is loaded only when a message long enough
to classify first arrives; a classification then takes about a millisecond.
"""

import logging
import threading
from collections.abc import Iterable

from bot.core.languages import clear_language, long_enough

log = logging.getLogger(__name__)


class LanguageGuesser:
    """Loads the model on first use (once, whichever thread asks first) and keeps it."""

    def __init__(self) -> None:
        self._identifier = None
        self._missing = False
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """True once the model is in memory (or known to be unavailable)."""
        return self._identifier is not None or self._missing

    def load(self) -> None:
        """Load the model now (slow: call it off the event loop)."""
        with self._lock:
            if self.loaded:
                return
            try:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier
            except ImportError as exc:
                # An install that skipped the dependency still works: requesters keep Telegram's language.
                log.warning("py3langid is not installed (%s): typed messages do not change a request's language; "
                            "pip install -e . to get it", exc)
                self._missing = True
                return
            self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def guess(self, text: str | None, available: Iterable[str]) -> str | None:
        """The language `text` is clearly written in, among `available`; None when too short, unsure or without
        the model."""
        if not long_enough(text):
            return None
        self.load()
        if self._identifier is None:
            return None
        return clear_language(self._identifier.rank(text), available)


SHARED_GUESSER = LanguageGuesser()
