"""The questionnaire: questions.toml parsed, the next step derived from stored answers, answer checks.

A question may declare a `role`: "how_found" (how they found the owner) or "reason" (why they want to connect).
The assessor, the card and the weekly summary find those answers by role, never by key, so an owner may rename
keys freely. Without any roles, the first question is "how_found" and the second "reason".
"""

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.untrusted import visible_chars

KEY_RE = re.compile(r"^[a-z0-9_]{1,12}$")
MORE_SUFFIX = ":more"
HOW_FOUND, REASON = "how_found", "reason"
ROLES = (HOW_FOUND, REASON)


@dataclass(frozen=True)
class Choice:
    """A quick-reply answer shown as a button."""

    key: str
    label: str
    ask_more: bool = False


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire, as configured in questions.toml."""

    key: str
    label: str
    template: str
    choices: tuple[Choice, ...] = ()
    more_template: str | None = None
    min_length: int = 1
    max_length: int = 1000
    role: str | None = None
    # The choices' labels in other languages, in the choices' order: (("de", ("…", …)), …)
    translations: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def choice(self, key: str) -> Choice | None:
        """Return the choice with that key, if any."""
        return next((c for c in self.choices if c.key == key), None)

    def labels_in(self, language: str | None) -> tuple[str, ...]:
        """The choices' labels in that language (the questions.toml `label`s when it has none)."""
        return dict(self.translations).get(language or "", tuple(c.label for c in self.choices))

    def label_in(self, choice: Choice, language: str | None) -> str:
        """One choice's label in that language."""
        return self.labels_in(language)[self.choices.index(choice)]


@dataclass(frozen=True)
class Step:
    """What to do next with a requester: ask a question, ask for more about a choice, or finish."""

    kind: str  # "ask" | "more" | "done"
    question: Question | None = None
    choice: Choice | None = None

    @property
    def answer_key(self) -> str | None:
        """The key under which the answer to this step is stored."""
        if self.question is None:
            return None
        return self.question.key + (MORE_SUFFIX if self.kind == "more" else "")


def parse_questions(text: str) -> tuple[Question, ...]:
    """Parse questions.toml; raise ValueError with a readable message when it is malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"questions.toml is not valid TOML: {exc}") from None
    questions = []
    for n, raw in enumerate(data.get("questions", []), start=1):
        key = raw.get("key", "")
        if not KEY_RE.match(key):
            raise ValueError(f"questions.toml question {n}: key must be 1-12 of a-z 0-9 _, got {key!r}")
        if not raw.get("template"):
            raise ValueError(f"questions.toml question {key!r}: template is required")
        choices = []
        for c in raw.get("choices", []):
            if not KEY_RE.match(c.get("key", "")) or not c.get("label"):
                raise ValueError(f"questions.toml question {key!r}: each choice needs a short key and a label")
            choices.append(Choice(c["key"], c["label"], bool(c.get("ask_more", False))))
        if any(c.ask_more for c in choices) and not raw.get("more_template"):
            raise ValueError(f"questions.toml question {key!r}: ask_more choices need a more_template")
        role = raw.get("role")
        if role is not None and role not in ROLES:
            raise ValueError(f"questions.toml question {key!r}: role must be one of {', '.join(ROLES)}, got {role!r}")
        min_length, max_length = int(raw.get("min_length", 1)), int(raw.get("max_length", 1000))
        if not 0 <= min_length <= max_length:
            raise ValueError(f"questions.toml question {key!r}: need 0 <= min_length <= max_length")
        questions.append(
            Question(key, raw.get("label", key), raw["template"], tuple(choices),
                     raw.get("more_template"), min_length, max_length, role, _translations(key, raw, choices))
        )
    if not questions:
        raise ValueError("questions.toml defines no [[questions]]")
    if len({q.key for q in questions}) != len(questions):
        raise ValueError("questions.toml: question keys must be unique")
    roles = [q.role for q in questions if q.role]
    if len(set(roles)) != len(roles):
        raise ValueError("questions.toml: each role may be given to one question only")
    return tuple(questions)


def _translations(key: str, raw: Mapping, choices: list[Choice]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A question's `labels.<lang> = [...]`: one label per choice, in the choices' order."""
    labels = raw.get("labels", {})
    if not isinstance(labels, Mapping):
        raise ValueError(f"questions.toml question {key!r}: labels must be a table like labels.de = [...]")
    found = []
    for language, texts in labels.items():
        if not re.match(r"^[a-z]{2,3}$", language):
            raise ValueError(f"questions.toml question {key!r}: labels.{language}: not a language code like de")
        if (not isinstance(texts, list) or len(texts) != len(choices)
                or not all(isinstance(t, str) and t.strip() for t in texts)):
            raise ValueError(f"questions.toml question {key!r}: labels.{language} needs one label per choice "
                             f"({len(choices)})")
        found.append((language, tuple(texts)))
    return tuple(found)


def question_for(questions: tuple[Question, ...], role: str) -> Question | None:
    """The question that plays `role` ("how_found" or "reason"): declared, else by position (first, second)."""
    if any(q.role for q in questions):
        return next((q for q in questions if q.role == role), None)
    position = ROLES.index(role)
    return questions[position] if position < len(questions) else None


def next_step(questions: tuple[Question, ...], answers: Mapping[str, Mapping]) -> Step:
    """Derive the next step from the stored answers: the first question not yet fully answered."""
    for question in questions:
        answer = answers.get(question.key)
        if answer is None:
            return Step("ask", question)
        choice = question.choice(answer.get("choice") or "")
        if choice and choice.ask_more and question.key + MORE_SUFFIX not in answers:
            return Step("more", question, choice)
    return Step("done")


def check_answer(step: Step, text: str) -> str | None:
    """Return a problem key ('too_short') when the typed answer cannot be accepted, else None. After the last
    question ('done') the text answers a follow-up: anything visible will do."""
    minimum = step.question.min_length if step.kind == "ask" else 2 if step.kind == "more" else 1
    if visible_chars(text) < minimum:
        return "too_short"
    return None


def answer_for_display(question: Question, answers: Mapping[str, Mapping]) -> str | None:
    """Join a choice and its 'tell me more' into one line: 'Met in person — at PyCon'."""
    answer = answers.get(question.key)
    if answer is None:
        return None
    more = answers.get(question.key + MORE_SUFFIX)
    text = answer.get("text") or ""
    return f"{text} — {more['text']}" if more and more.get("text") else text


def answer_for(questions: tuple[Question, ...], answers: Mapping[str, Mapping], role: str) -> str:
    """The displayed answer of the question playing `role` ('' when there is none)."""
    question = question_for(questions, role)
    return (answer_for_display(question, answers) or "") if question else ""
