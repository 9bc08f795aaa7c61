"""The first read of a stored request (bot/core/assess), for the card, the follow-up and AUTO_DECLINE."""

from collections.abc import Mapping

from bot.core.assess import Assessment, assess
from bot.core.questionnaire import HOW_FOUND, REASON, answer_for
from bot.flow.deps import Deps
from db.answers import list_answers
from db.followups import list_followups
from db.people import get_person


def assessment_for(deps: Deps, request: Mapping, answers: Mapping | None = None) -> Assessment:
    """Assess a request from what is stored: answers, opening note, automatic follow-up, source, language."""
    answers = list_answers(deps.db, request["id"]) if answers is None else answers
    questions = deps.prompts.questions_for(request)
    followups = [f["answer"] for f in list_followups(deps.db, request["id"]) if f["answer"]]
    person = get_person(deps.db, request["user_id"])
    return assess(
        {"how": answer_for(questions, answers, HOW_FOUND), "why": answer_for(questions, answers, REASON),
         "note": request.get("opening_note") or "", "followup": " ".join(followups)},
        start_source=request.get("source"), lang=person["language_code"], phrasebook=deps.phrasebook)


def auto_decline_flags(deps: Deps, assessment: Assessment) -> list[str]:
    """The AUTO_DECLINE flags this assessment raises (empty: the owner decides)."""
    raised = {"pitch": assessment.pitch, "creepy": assessment.creepy}
    return sorted(flag for flag in deps.settings.auto_decline if raised.get(flag))
