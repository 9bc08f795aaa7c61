"""What the flow needs, built once at start and handed in: settings, the database, prompt files, the clock."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.cas import CasClient
from bot.core.assess import Assessor
from bot.flow.first_questions import FirstQuestions
from bot.flow.locks import KeyedLocks
from bot.langid import SHARED_GUESSER, LanguageGuesser
from bot.llm_assessor import LlmAssessor
from bot.prompt_files import PromptFiles
from bot.settings import Settings
from db.connection import Database


def utc_now() -> datetime:
    """The real clock, in UTC."""
    return datetime.now(UTC)


@dataclass
class Deps:
    """The flow's dependencies; tests inject their own database, clock and prompts folder."""

    settings: Settings
    db: Database
    prompts: PromptFiles
    assessor: Assessor
    clock: Callable[[], datetime] = utc_now
    card_locks: KeyedLocks = field(default_factory=KeyedLocks)
    carrying_out: set[int] = field(default_factory=set)  # decisions this process is carrying out right now
    first_questions: FirstQuestions = field(default_factory=FirstQuestions)
    llm: LlmAssessor | None = None  # ASSESS_MODEL: a language model asked first, the local model as fallback
    cas: CasClient | None = None  # CAS_CHECK: the Combot Anti-Spam list
    # Arms a one-off check at a held decision's deadline (bot/jobs.py); without it the minute sweep catches it.
    arm_carry_out: Callable[[int, datetime], None] = lambda request_id, when: None
    language_guesser: LanguageGuesser = SHARED_GUESSER  # loaded on first use, then shared: the model is read-only

    def now(self) -> datetime:
        """The current time (UTC)."""
        return self.clock()
