"""``python -m bot assess``: the assessor offline, on JSON lines.

``assess`` reads ``{"id", "how", "why", "start_source", "lang"}`` lines (extra keys ignored; "choice" (the
quick-reply key), "note" and "followup" are used when present) from stdin and writes one JSON line per request.
``assess --score FILE`` runs on a labelled file and prints precision/recall/F1 per flag and accuracy for tie and
action; its last line is ``accuracy(action)=0.NN``. ``--prompts DIR`` (or env PROMPTS_DIR) uses the owner's cue
phrases and trained model from ``DIR/assess`` when there are any.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.core.assess import Assessment, Assessor, LexiconError, ModelError, Request
from bot.core.assess.profile import field_problems, profile_from_row, sign_words
from bot.core.assess.second_look import reconsider
from bot.prompt_files import read_assessor

FLAGS = ("generic", "pitch", "creepy", "vague")
CLASSES = {"tie": ("strong", "weak", "none"), "action": ("accept", "ask", "decline")}
OUTPUT_KEYS = ("id", "tie", "generic", "pitch", "creepy", "vague", "action", "reason", "summary", "followup",
               "evidence")
_TEXT_KEYS = ("how", "why", "note", "followup", "start_source", "lang", "choice")


class InputError(ValueError):
    """A line of input that cannot be used; the message names the line."""


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def read_requests(lines: Iterable[str], name: str = "stdin") -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, request)`` for each non-blank JSON line; raise InputError on a bad one."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}, line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise InputError(f"{name}, line {number}: expected a JSON object, got {type(row).__name__}")
        for key in _TEXT_KEYS:
            if row.get(key) is not None and not isinstance(row[key], str):
                raise InputError(f"{name}, line {number}: {key!r} must be a string or null")
        if "profile" in row:
            problems = field_problems(row["profile"]) if isinstance(row["profile"], dict) else [
                "'profile' must be an object"]
            if problems:
                raise InputError(f"{name}, line {number}: {'; '.join(problems)}")
        yield number, row


def row_request(row: Mapping[str, Any]) -> Request:
    """The assessor's view of an input line: the note and follow-up replies are read with the reason."""
    why = " ".join(row[k] for k in ("note", "why", "followup") if row.get(k))
    return Request(how=row.get("how") or "", why=why, choice=row.get("choice"), source=row.get("start_source"))


def assess_row(row: Mapping[str, Any], assessor: Assessor) -> Assessment:
    """Assess one input line (and reconsider it with its "profile", when it has one: see prompts/assess/README.md)."""
    a = assessor.assess(row_request(row))
    if isinstance(row.get("profile"), dict):
        a = reconsider(a, sign_words(profile_from_row(row["profile"])), assessor.model.profile)
    return a


def output_line(row: Mapping[str, Any], a: Assessment) -> str:
    values = {"id": row.get("id"), "tie": a.tie, "generic": a.generic, "pitch": a.pitch, "creepy": a.creepy,
              "vague": a.vague, "action": a.action, "reason": a.reason, "summary": a.summary,
              "followup": a.followup, "evidence": [f"{e.tag}: {e.text}" for e in a.evidence]}
    return json.dumps({k: values[k] for k in OUTPUT_KEYS}, ensure_ascii=False)


@dataclass
class Scores:
    """Counts for one labelled run; the metrics are computed from them."""

    n: int = 0
    pairs: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict)  # label -> [(gold, predicted)]

    def add(self, gold: Mapping[str, Any], a: Assessment) -> None:
        self.n += 1
        for label in FLAGS + tuple(CLASSES):
            # A row with a profile is judged against the suggestion once the profile is known.
            wanted = gold.get("profile_action", gold[label]) if label == "action" and "profile" in gold else gold[label]
            self.pairs.setdefault(label, []).append((wanted, getattr(a, label)))

    def prf(self, label: str, positive: Any = True) -> tuple[float, float, float, int]:
        """Precision, recall, F1 and support of ``positive`` for ``label``."""
        pairs = self.pairs.get(label, [])
        tp = sum(g == positive and p == positive for g, p in pairs)
        fp = sum(g != positive and p == positive for g, p in pairs)
        fn = sum(g == positive and p != positive for g, p in pairs)
        precision = tp / (tp + fp) if tp + fp else float(fn == 0)
        recall = tp / (tp + fn) if tp + fn else float(fp == 0)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1, tp + fn

    def accuracy(self, label: str) -> float:
        pairs = self.pairs.get(label, [])
        return sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0


def score(rows: Iterable[tuple[int, Mapping[str, Any]]], assessor: Assessor, name: str = "input") -> Scores:
    """Assess each labelled row and count agreements; raise InputError on a row without its labels."""
    scores = Scores()
    for number, row in rows:
        for label in FLAGS:
            if not isinstance(row.get(label), bool):
                raise InputError(f"{name}, line {number}: label {label!r} must be true or false")
        for label, values in CLASSES.items():
            if row.get(label) not in values:
                raise InputError(f"{name}, line {number}: label {label!r} must be one of {', '.join(values)}")
        scores.add(row, assess_row(row, assessor))
    return scores


def report(scores: Scores, seconds: float | None = None) -> list[str]:
    lines = [f"{'label':<10} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for label in FLAGS:
        p, r, f, s = scores.prf(label)
        lines.append(f"{label:<10} {p:>9.2f} {r:>7.2f} {f:>6.2f} {s:>8}")
    for label, values in CLASSES.items():
        lines.append(f"{label:<10} accuracy={scores.accuracy(label):.2f}")
        for value in values:
            p, r, f, s = scores.prf(label, value)
            lines.append(f"  {value:<8} {p:>9.2f} {r:>7.2f} {f:>6.2f} {s:>8}")
    if seconds:
        lines.append(f"{scores.n} requests in {seconds * 1000:.0f} ms ({scores.n / seconds:.0f} assessments/s)")
    lines.append(f"accuracy(action)={scores.accuracy('action'):.2f}")
    return lines


def main(argv: Sequence[str], stdin: IO[str], stdout: IO[str], *, stderr: IO[str] | None = None,
         env: Mapping[str, str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for bad usage or input)."""
    stderr = stderr if stderr is not None else sys.stderr
    env = env if env is not None else os.environ
    parser = _Parser(prog="python -m bot assess", description=__doc__.split("\n\n")[0])
    parser.add_argument("--score", metavar="FILE", help="score against the labels in this JSON-lines file")
    parser.add_argument("--prompts", metavar="DIR", help="owner's prompts folder (its assess/ lists are added)")
    try:
        args = parser.parse_args(list(argv))
    except _UsageError as exc:
        print(f"assess: {exc}\n{parser.format_usage().strip()}", file=stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    prompts = args.prompts or env.get("PROMPTS_DIR", "").strip() or None
    if prompts and not Path(prompts).is_dir():
        print(f"assess: prompts folder not found: {prompts}", file=stderr)
        return 2
    try:
        assessor = read_assessor(Path(prompts) if prompts else None)
    except (LexiconError, ModelError) as exc:
        print(f"assess: {exc}", file=stderr)
        return 2
    try:
        if args.score:
            path = Path(args.score)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                print(f"assess: cannot read {path}: {exc.strerror or exc}", file=stderr)
                return 2
            rows = list(read_requests(text.splitlines(), str(path)))
            started = time.perf_counter()
            scores = score(rows, assessor, str(path))
            elapsed = time.perf_counter() - started
            stdout.write("\n".join(report(scores, elapsed)) + "\n")
        else:
            for _, row in read_requests(stdin):
                stdout.write(output_line(row, assess_row(row, assessor)) + "\n")
    except InputError as exc:
        print(f"assess: {exc}", file=stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], sys.stdin, sys.stdout))
