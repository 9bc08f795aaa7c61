"""`python -m bot assess`: JSON lines in and out, and `--score` against labels."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.assess import OUTPUT_KEYS, main

REPO = Path(__file__).resolve().parents[1]

REQUESTS = [
    {"id": "a", "how": "We met at JSConf Budapest after your talk", "why": "You said to send you my WebGL bug "
     "repro; it crashes on Safari 17 with 10k particles. Could you take a look?", "start_source": None,
     "lang": "en", "extra": "ignored"},
    {"id": 2, "how": "LinkedIn", "why": "Our SEO agency can get you to page one in 60 days. Free audit?",
     "start_source": "linkedin", "lang": "en"},
    {"id": "c", "how": "hi", "why": "hi"},
]
LABELS = [
    {"tie": "strong", "generic": False, "pitch": False, "creepy": False, "vague": False, "action": "accept"},
    {"tie": "weak", "generic": False, "pitch": True, "creepy": False, "vague": False, "action": "decline"},
    # wrong on purpose, so that accuracy(action) is 2/3
    {"tie": "none", "generic": False, "pitch": False, "creepy": False, "vague": True, "action": "ask"},
]


def call(argv, stdin="", env=None):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, io.StringIO(stdin), out, stderr=err, env=env or {})
    return code, out.getvalue(), err.getvalue()


def jsonl(rows):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def test_writes_one_line_per_request_and_skips_blank_lines():
    code, out, err = call([], jsonl(REQUESTS[:2]) + "\n   \n" + jsonl(REQUESTS[2:]))
    assert code == 0 and err == ""
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", 2, "c"]
    assert all(list(r) == list(OUTPUT_KEYS) for r in rows)
    assert rows[0]["action"] == "accept" and rows[0]["tie"] == "strong"
    assert rows[1]["pitch"] is True and rows[1]["action"] == "decline"
    assert rows[2]["vague"] is True and rows[2]["summary"] == "Hi"
    assert all(len(r["summary"]) <= 120 and r["reason"] for r in rows)


@pytest.mark.parametrize("bad,message", [
    ("{not json", "line 2: not valid JSON"),
    ("[1, 2]", "line 2: expected a JSON object"),
    ('{"id": 1, "how": 5}', "line 2: 'how' must be a string or null"),
    ('{"id": 1, "how": "x", "why": "y", "profile": {"photo": "no"}}', "line 2: profile photo must be true, false"),
    ('{"id": 1, "how": "x", "why": "y", "profile": {"mood": 1}}', "line 2: profile has an unknown field 'mood'"),
])
def test_malformed_line_is_reported_with_its_number(bad, message):
    code, out, err = call([], jsonl(REQUESTS[:1]) + bad + "\n" + jsonl(REQUESTS[1:]))
    assert code == 2
    assert message in err and err.count("\n") == 1
    assert len(out.splitlines()) <= 1


def test_score_prints_metrics_and_ends_with_action_accuracy(tmp_path):
    path = tmp_path / "labelled.jsonl"
    path.write_text(jsonl([{**r, **lab} for r, lab in zip(REQUESTS, LABELS, strict=True)]), encoding="utf-8")
    code, out, err = call(["--score", str(path)])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[-1] == "accuracy(action)=0.67"
    assert re.match(r"pitch\s+1\.00\s+1\.00\s+1\.00\s+1$", next(x for x in lines if x.startswith("pitch")))
    assert "tie        accuracy=1.00" in lines
    assert any(re.match(r"\s+decline\s", x) for x in lines)
    assert any("assessments/s" in x for x in lines)


def test_a_profile_is_read_with_the_request_and_scored_against_profile_action(tmp_path):
    good = REQUESTS[0]
    listed = {**good, "id": "listed", "profile": {"cas": "listed", "photo": True}}
    throwaway = {**good, "id": "throwaway", "profile": {"photo": False, "username": False, "age": "new",
                                                        "pasted": 1, "places_in_day": 3}}
    quiet = {**good, "id": "quiet", "profile": {"photo": False}}
    code, out, err = call([], jsonl([good, listed, throwaway, quiet]))
    assert code == 0, err
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert [rows[k]["action"] for k in ("a", "listed", "throwaway", "quiet")] == ["accept", "decline", "ask", "accept"]
    assert rows["listed"]["reason"].startswith("the profile: listed in CAS")
    assert rows["throwaway"]["evidence"][0].startswith("signals: ")
    path = tmp_path / "labelled.jsonl"
    path.write_text(jsonl([{**listed, **LABELS[0], "profile_action": "decline"},
                           {**throwaway, **LABELS[0], "profile_action": "accept"}]), encoding="utf-8")
    code, out, err = call(["--score", str(path)])
    assert code == 0, err
    assert out.splitlines()[-1] == "accuracy(action)=0.50", "judged against profile_action when there is a profile"


def test_score_needs_the_labels(tmp_path):
    path = tmp_path / "unlabelled.jsonl"
    path.write_text(jsonl(REQUESTS), encoding="utf-8")
    code, _, err = call(["--score", str(path)])
    assert code == 2 and "line 1" in err and "label" in err


def test_score_of_a_missing_file_is_a_usage_error(tmp_path):
    code, _, err = call(["--score", str(tmp_path / "nope.jsonl")])
    assert code == 2 and "cannot read" in err


def test_bad_arguments_exit_2():
    code, _, err = call(["--frobnicate"])
    assert code == 2 and "usage:" in err


def test_owner_cue_phrases_from_prompts_option_or_env(tmp_path):
    (tmp_path / "assess").mkdir()
    (tmp_path / "assess" / "cues.toml").write_text('[pitch]\nen = ["my pottery class"]\n', encoding="utf-8")
    line = jsonl([{"id": 1, "how": "Instagram", "why": "Join my pottery class, Saturdays in Leeds"}])
    assert json.loads(call([], line)[1])["pitch"] is False
    assert json.loads(call(["--prompts", str(tmp_path)], line)[1])["pitch"] is True
    assert json.loads(call([], line, env={"PROMPTS_DIR": str(tmp_path)})[1])["pitch"] is True
    code, _, err = call(["--prompts", str(tmp_path / "missing")], line)
    assert code == 2 and "not found" in err


def test_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "bot", "assess"], input=jsonl(REQUESTS), capture_output=True,
                          text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", 2, "c"]
