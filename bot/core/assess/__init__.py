"""The first read of a request: tie, flags, a suggested action with its reason, a summary line, a follow-up."""

from bot.core.assess.phrasebook import Phrasebook, PhrasebookError, fold
from bot.core.assess.rules import Assessment, Signal, assess, followup_question

__all__ = ["Assessment", "Phrasebook", "PhrasebookError", "Signal", "assess", "fold", "followup_question"]
