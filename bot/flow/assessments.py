"""The assessor's reading of a stored request: made once when the answers are in, stored, and read by the card,
the follow-up, raid batches, AUTO_DECLINE and the weekly summary; made again only when an answer changes."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.core.assess import Assessment, Evidence, Request
from bot.core.questionnaire import HOW_FOUND, MORE_SUFFIX, REASON, question_for
from bot.core.signals import with_signals
from bot.flow.deps import Deps
from bot.flow.signals import signals_for
from db.answers import list_answers
from db.assessments import get_assessment, set_assessment
from db.followups import list_followups

log = logging.getLogger(__name__)


def assessor_request(deps: Deps, request: Mapping, answers: Mapping | None = None) -> Request:
    """What the assessor reads: the typed "how" (and the quick-reply key), the reason with the opening note and
    follow-up replies, and the link's source."""
    answers = list_answers(deps.db, request["id"]) if answers is None else answers
    questions = deps.prompts.questions_for(request)
    how_q, why_q = question_for(questions, HOW_FOUND), question_for(questions, REASON)
    how, choice = "", None
    if how_q is not None and how_q.key in answers:
        answer = answers[how_q.key]
        choice = answer.get("choice")
        how = (answers.get(how_q.key + MORE_SUFFIX) or {}).get("text") or "" if choice else answer.get("text") or ""
    why_parts = [request.get("opening_note") or ""]
    if why_q is not None and why_q.key in answers:
        why_parts.append(answers[why_q.key].get("text") or "")
    how_parts = [how]
    for f in list_followups(deps.db, request["id"]):
        if f["answer"]:
            (how_parts if f.get("topic") == HOW_FOUND else why_parts).append(f["answer"])
    return Request(how=" ".join(p for p in how_parts if p), why=" ".join(p for p in why_parts if p), choice=choice,
                   source=request.get("source"))


def _stored(row: Mapping) -> Assessment:
    return Assessment(tie=row["tie"], generic=bool(row["generic"]), pitch=bool(row["pitch"]),
                      creepy=bool(row["creepy"]), vague=bool(row["vague"]), action=row["action"],
                      reason=row["reason"], summary=row["summary"],
                      evidence=tuple(Evidence(tag, text) for tag, text in row["evidence"]),
                      followup=row["followup"], source_mismatch=row["source_mismatch"],
                      confidence=row["confidence"] or 0.0, assessor=row["assessor"])


def adjusted(deps: Deps, request: Mapping, a: Assessment) -> Assessment:
    """The answers' reading reconsidered with the signals beyond them (bot/core/signals.py)."""
    return with_signals(a, signals_for(deps, request), deps.now(), deps.assessor.model.profile)


def store(deps: Deps, request_id: int, a: Assessment) -> None:
    """Keep an assessment for a request."""
    set_assessment(deps.db, request_id, {
        "assessor": a.assessor, "tie": a.tie, "generic": int(a.generic), "pitch": int(a.pitch),
        "creepy": int(a.creepy), "vague": int(a.vague), "action": a.action, "confidence": a.confidence,
        "reason": a.reason, "summary": a.summary, "followup": a.followup, "source_mismatch": a.source_mismatch,
        "evidence": [[e.tag, e.text] for e in a.evidence]}, deps.now())


def assess_now(deps: Deps, request: Mapping, answers: Mapping | None = None) -> Assessment:
    """Read a request with the local model and store the result."""
    assessment = adjusted(deps, request, deps.assessor.assess(assessor_request(deps, request, answers)))
    store(deps, request["id"], assessment)
    return assessment


def assessment_for(deps: Deps, request: Mapping, answers: Mapping | None = None) -> Assessment:
    """The stored assessment of a request, made (and stored) now if there is none."""
    row = get_assessment(deps.db, request["id"])
    return _stored(row) if row is not None else assess_now(deps, request, answers)


async def ensure_assessed(deps: Deps, request: Mapping) -> Assessment:
    """The stored assessment, or a new one: from the language model when ASSESS_MODEL is set (the local model
    when it fails), else the local model. Called where waiting for a model is fine (after the last answer)."""
    row = get_assessment(deps.db, request["id"])
    if row is not None:
        return _stored(row)
    if deps.llm is None:
        return assess_now(deps, request)
    deps.db.commit()  # a model may take seconds: nothing stays uncommitted (or locked) while it thinks
    assessment = adjusted(deps, request, await deps.llm.assess(assessor_request(deps, request)))
    store(deps, request["id"], assessment)
    return assessment


def auto_decline_flags(deps: Deps, assessment: Assessment, request: Mapping) -> list[str]:
    """The AUTO_DECLINE flags this assessment and the request's CAS verdict raise (empty: the owner decides)."""
    raised = {"pitch": assessment.pitch, "creepy": assessment.creepy,
              # Only when asked for: the signals take five reads, and AUTO_DECLINE is off by default.
              "cas": "cas" in deps.settings.auto_decline and signals_for(deps, request).cas == "listed"}
    return sorted(flag for flag in deps.settings.auto_decline if raised.get(flag))
