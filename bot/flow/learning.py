"""The owner's decisions as examples for the assessor (`python -m bot train --with-decisions`)."""

from bot.core.vocabulary import Status
from bot.flow.assessments import assessor_request
from bot.flow.deps import Deps
from db.learning import list_reviewed_requests


def decided_examples(deps: Deps) -> list[dict]:
    """Each request a reviewer decided, as the assessor reads it, with the decision: accept or decline."""
    out = []
    for request in list_reviewed_requests(deps.db):
        r = assessor_request(deps, request)
        if r.how or r.why:
            out.append({"how": r.how, "why": r.why, "choice": r.choice, "source": r.source,
                        "action": "accept" if request["status"] == Status.ACCEPTED else "decline"})
    return out
