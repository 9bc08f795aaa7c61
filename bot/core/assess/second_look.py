"""The suggestion reconsidered once the requester's profile is known: a small learned model that may lower it
(accept → ask, anything → decline), never raise it. Pure.

Its weights are the "signals" part of model.json, learned by `python -m bot train` from the corpus rows that
carry a profile. Only warning signs are features (bot/core/assess/profile.py): a request with none, or with a
profile nobody could read, keeps the answers' suggestion exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.core.assess.explain import Evidence
from bot.core.assess.profile import ProfileModel, profile_features

if TYPE_CHECKING:  # the package imports this module: only the type checker may import it back
    from bot.core.assess import Assessment

SHOWN_SIGNS = 3  # signs named in a lowered suggestion's reason


def lowered(model: ProfileModel, features: list[str], action: str) -> tuple[str | None, str]:
    """Which of the model's outputs fires for these profile features and the answers' suggestion ("decline" or
    "lower"), and the suggestion after it; (None, action) when the model keeps it."""
    if action == "decline" or not features:
        return None, action
    if model.probability("decline", features) >= 0.5:
        return "decline", "decline"
    if action == "accept" and model.probability("lower", features) >= 0.5:
        return "lower", "ask"
    return None, action


def reconsider(a: Assessment, signs: Mapping[str, str], model: ProfileModel | None) -> Assessment:
    """The assessment `a` once the profile is known; `signs` maps each warning sign's feature name to its plain
    words, in the card's order. Unchanged without signs, without a model, or when the model keeps it."""
    if not signs or model is None:
        return a
    features = profile_features(list(signs), a.tie, a.action)
    output, action = lowered(model, features, a.action)
    if output is None:
        return a
    pushed = sorted((s for s in signs if model.weight_of(output, s, features) > 0),
                    key=lambda s: -model.weight_of(output, s, features))
    if model.weight_of(output, "signs", features) > 0 or not pushed:
        # How many signs there are weighed too: name them all, the strongest first.
        pushed += [s for s in signs if s not in pushed]
    pushed = pushed[:SHOWN_SIGNS]
    words = ", ".join(signs[s] for s in pushed)
    reason = f"the profile: {words}" if action == "decline" else f"good answers, doubtful account: {words}"
    return replace(a, action=action, reason=reason, evidence=(Evidence("signals", words), *a.evidence),
                   confidence=round(model.probability(output, features), 3))
