"""The labelled corpus the assessor learns from (prompts/assess/corpus/*.jsonl): what a row must hold.

A row is one request as a stranger answered it and how it should be read; the label conventions are in
prompts/assess/README.md. The action follows from the other labels except where the reason is judged specific.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.assess.profile import profile_problems

KEYS = ("id", "owner", "lang", "choice", "how", "why", "start_source", "tie", "generic", "pitch", "creepy", "vague",
        "action", "summary")
CHOICES = (None, "met", "referred", "read", "search", "other")
FLAGS = ("generic", "pitch", "creepy", "vague")
TIES = ("strong", "weak", "none")
ACTIONS = ("accept", "ask", "decline")
SUMMARY_MAX = 120


def must_decline(row: Mapping) -> bool:
    """The labels that make a request a decline: a pitch, tracking, or no tie with a template or vague note."""
    return bool(row["pitch"] or row["creepy"] or (row["tie"] == "none" and (row["generic"] or row["vague"])))


def row_problems(row: Mapping) -> list[str]:
    """What is wrong with one corpus row (empty when it is usable)."""
    missing = [k for k in KEYS if k not in row]
    if missing:
        return [f"missing {', '.join(missing)}"]
    problems = []
    for flag in FLAGS:
        if not isinstance(row[flag], bool):
            problems.append(f"{flag} must be true or false")
    if row["tie"] not in TIES:
        problems.append("tie must be strong, weak or none")
    if row["action"] not in ACTIONS:
        problems.append("action must be accept, ask or decline")
    if row["choice"] not in CHOICES:
        problems.append("choice must be null or met, referred, read, search, other")
    if not isinstance(row["how"], str) or not isinstance(row["why"], str):
        problems.append("how and why must be strings")
    elif not row["why"].strip() or (row["choice"] is None and not row["how"].strip()):
        problems.append("how (or a choice) and why must not be empty")
    if row["start_source"] is not None and not isinstance(row["start_source"], str):
        problems.append("start_source must be null or a string")
    if not isinstance(row["summary"], str) or not 0 < len(row["summary"]) <= SUMMARY_MAX:
        problems.append(f"summary must be 1 to {SUMMARY_MAX} characters")
    if problems:
        return problems
    declines = must_decline(row)
    if declines and row["action"] != "decline":
        problems.append("a pitch, tracking, or no tie with a template or vague note must be declined")
    if row["action"] == "decline" and not declines:
        problems.append("decline needs a pitch, tracking, or no tie with a template or vague note")
    if row["action"] == "accept" and (row["generic"] or row["vague"]):
        problems.append("accept needs a note that is neither a template nor vague")
    if not declines and not (row["generic"] or row["vague"]) and row["tie"] == "strong" and row["action"] != "accept":
        problems.append("a strong tie with a real note (no pitch, no tracking) is accepted")
    return problems + profile_problems(row)
