"""Optional: ask a large language model (through Simon Willison's `llm` library) for the same labels the local
model gives, once per request, bounded by a timeout. Off unless ASSESS_MODEL names a model; any error, refusal or
timeout leaves the decision to the local model, and the card says which one spoke.

What is sent: the label definitions below, the two answers (how they found the owner, why they want to connect,
with the opening note and follow-up replies) and the link's source. Nothing else: no names, ids or usernames.
Where it goes is up to the `llm` model chosen (a hosted API such as OpenAI's, or a local model through a plugin).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace

from bot.core.assess import Assessment, Assessor, Request, reason_for
from bot.core.assess.explain import TAGS
from bot.core.assess.features import read
from bot.core.assess.followup import followup_for
from bot.core.assess.summary import SUMMARY_MAX

log = logging.getLogger(__name__)

FLAGS = ("generic", "pitch", "creepy", "vague")
SCHEMA = {
    "type": "object",
    "properties": {
        "tie": {"type": "string", "enum": ["strong", "weak", "none"]},
        **{flag: {"type": "boolean"} for flag in FLAGS},
        "action": {"type": "string", "enum": ["accept", "ask", "decline"]},
        "summary": {"type": "string", "maxLength": SUMMARY_MAX},
    },
    "required": ["tie", *FLAGS, "action", "summary"],
}
SYSTEM = """You screen connection requests for a busy person (the owner). Label the request as JSON.
tie: strong = a specific personal link (met at a named event or place, worked or studied together on something
named, introduced by a named person, or engaged with a named piece of the owner's work saying something concrete);
weak = a real but thin link (same large group, city, employer or school; saw a profile; a directory; mutual
connections; found by search; an unnamed friend; a bare platform or place name); none = no link or evasive.
generic: boilerplate that could be sent unchanged to anyone. pitch: sells or promotes something TO the owner (a job
offer to the owner, or asking the owner for a job, advice, money or a purchase, is not a pitch). creepy: the contact
rests on watching or tracking the owner. vague: too thin to judge, judged on the whole request.
action: decline if pitch or creepy or (tie none and (generic or vague)); accept if not generic, not vague, and a
strong tie or a specific relevant request; ask otherwise.
summary: one line in English, at most 120 characters, only facts from the answers: how they found the owner and
what they want."""


class LlmError(Exception):
    """The model's answer cannot be used."""


def prompt_text(request: Request) -> str:
    """The request as the model reads it (no names or ids of the requester)."""
    return json.dumps({"how_they_found_the_owner": request.how, "quick_reply": request.choice,
                       "why_they_want_to_connect": request.why, "link_source": request.source}, ensure_ascii=False)


def parse_answer(text: str) -> dict:
    """The model's JSON labels, checked against the schema; LlmError when they do not fit."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LlmError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise LlmError("not a JSON object")
    if data.get("tie") not in ("strong", "weak", "none") or data.get("action") not in ("accept", "ask", "decline"):
        raise LlmError("tie or action out of range")
    if not all(isinstance(data.get(flag), bool) for flag in FLAGS):
        raise LlmError("a flag is not true or false")
    if not isinstance(data.get("summary"), str) or not data["summary"].strip():
        raise LlmError("no summary")
    return data


class LlmAssessor:
    """One `llm` model, asked with a schema and a timeout; the local assessor supplies evidence and follow-ups."""

    def __init__(self, model_id: str, timeout: float, local: Assessor) -> None:
        self.model_id, self.timeout, self.local = model_id, timeout, local

    def ask(self, request: Request) -> dict:
        """Ask the model (blocking); its checked labels."""
        import llm

        model = llm.get_model(self.model_id)
        response = model.prompt(prompt_text(request), system=SYSTEM, schema=SCHEMA, stream=False)
        return parse_answer(response.text())

    async def assess(self, request: Request) -> Assessment:
        """The model's reading of a request, or the local model's when it fails or takes too long."""
        local = self.local.assess(request)
        try:
            data = await asyncio.wait_for(asyncio.to_thread(self.ask, request), self.timeout)
        except TimeoutError:
            log.warning("assessor model %s took longer than %s s; the local model decides", self.model_id,
                        self.timeout)
            return replace(local, assessor=f"{local.assessor}; {self.model_id} timed out")
        except Exception as exc:  # any failure of a plugin or a hosted API: the local model decides
            log.warning("assessor model %s failed (%s); the local model decides", self.model_id, exc)
            return replace(local, assessor=f"{local.assessor}; {self.model_id} failed")
        flags = {flag: data[flag] for flag in FLAGS}
        how, why = read("h", request.how, self.local.lexicon), read("w", request.why, self.local.lexicon)
        return replace(
            local, tie=data["tie"], action=data["action"], summary=data["summary"].strip()[:SUMMARY_MAX],
            reason=reason_for(data["action"], flags, data["tie"]),
            followup=followup_for(data["action"], flags, data["tie"], how, why, request.choice),
            evidence=tuple(e for e in local.evidence if e.tag in _tags(flags, data["tie"])),
            confidence=0.0, assessor=f"llm {self.model_id}", **flags)


def _tags(flags: dict, tie: str) -> set[str]:
    return {TAGS[f] for f, on in flags.items() if on} | {TAGS[tie]}
