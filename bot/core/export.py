"""/export and `python -m bot export`: requests, answers and decisions shaped as CSV or JSON Lines (pure)."""

import csv
import json
from collections.abc import Mapping, Sequence

FORMATS = ("csv", "jsonl")
COLUMNS = ("id", "kind", "status", "user_id", "first_name", "last_name", "username", "source", "opening_note", "bio",
           "target_chat_id", "created_at", "answered_at", "decided_at", "decided_by", "decided_by_name",
           "decision_note", "erased_at")
# A spreadsheet runs a cell starting with one of these as a formula: requesters choose their own words and names.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_formats(args: Sequence[str]) -> tuple[str, ...] | None:
    """The formats `/export [csv|jsonl]` asks for (both by default); None for anything else."""
    if not args:
        return FORMATS
    if len(args) == 1 and args[0].lower() in FORMATS:
        return (args[0].lower(),)
    return None


def _answer_keys(rows: Sequence[Mapping]) -> list[str]:
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row["answers"]))
    return list(keys)


class _Lines(list):
    """Collects what csv.writer writes (the pure core builds strings, it opens no buffer)."""

    def write(self, text: str) -> None:
        self.append(text)


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Sequence[Mapping]) -> str:
    """One line per request: the request's columns, one `answer_<key>` column per question, and the follow-ups
    as 'question → answer' separated by ' | '."""
    keys = _answer_keys(rows)
    out = _Lines()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, *(f"answer_{k}" for k in keys), "followups"])
    for row in rows:
        followups = " | ".join(f"{f['question']} → {f['answer'] or ''}" for f in row["followups"])
        writer.writerow([_cell(row[c]) for c in COLUMNS] + [_cell(row["answers"].get(k)) for k in keys]
                        + [_cell(followups)])
    return "".join(out)


def to_jsonl(rows: Sequence[Mapping]) -> str:
    """One JSON object per request and line, answers as {key: text} and follow-ups as a list."""
    return "".join(json.dumps({**{c: row[c] for c in COLUMNS}, "answers": row["answers"],
                               "followups": row["followups"]}, ensure_ascii=False) + "\n" for row in rows)


def render_export(rows: Sequence[Mapping], fmt: str) -> str:
    """The export of `rows` in one format (csv or jsonl)."""
    return to_csv(rows) if fmt == "csv" else to_jsonl(rows)
