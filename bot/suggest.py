"""The first read of a request: its answers assessed (bot/assess.py), for the card, follow-ups and auto-decline."""

from bot.assess import Assessment, assess
from bot.screening import answer_for_display
from bot.services import Services
from db.answers import list_answers
from db.followups import list_followups
from db.people import get_person


def assessment_for(svc: Services, request: dict) -> Assessment:
    """Assess a request from what is stored: answers, opening note, automatic follow-up, source, language."""
    answers = list_answers(svc.db, request["id"])
    values = {q.key: answer_for_display(q, answers) or "" for q in svc.questions_for(request)}
    followups = [f["answer"] for f in list_followups(svc.db, request["id"]) if f["answer"]]
    person = get_person(svc.db, request["user_id"])
    return assess(
        {"how": values.get("how", ""), "why": values.get("why", ""), "note": request.get("opening_note") or "",
         "followup": " ".join(followups)},
        start_source=request.get("source"), lang=person["language_code"], phrasebook=svc.phrasebook)


def auto_decline_flags(svc: Services, assessment: Assessment) -> list[str]:
    """The AUTO_DECLINE flags this assessment raises (empty: the owner decides)."""
    raised = {"pitch": assessment.pitch, "creepy": assessment.creepy}
    return sorted(flag for flag in svc.settings.auto_decline if raised.get(flag))
