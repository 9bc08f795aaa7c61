"""Training: the shipped weights are what the corpus gives, and an owner's decisions make a model of their own."""

import base64
import io
import json
from array import array

import pytest
from helpers.flows import answer_all

from bot.cli.train import main as train_main
from bot.cli.train import read_corpus, train
from bot.prompt_files import model_path, package_prompts_dir, read_assessor, read_lexicon

SHIPPED = package_prompts_dir() / "assess" / "model.json"


def weights(model: dict) -> dict[tuple[str, str], array]:
    return {(name, cls): array("b", base64.b64decode(part["weights"]))
            for name, spec in model["outputs"].items() for cls, part in spec["classes"].items()}


def test_the_shipped_model_is_what_the_corpus_trains():
    """Retrain from the corpus: the same features, the same int8 weights (a one-step difference is allowed on a
    handful, for floating-point differences between machines), the same calibration."""
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    rows = read_corpus([package_prompts_dir() / "assess" / "corpus"])
    fresh, report = train(rows, read_lexicon(None))
    assert sum(len(v.split("\n")) for v in shipped["vocab"].values()) > 10_000
    assert fresh["version"] == shipped["version"], "model.json was trained on another corpus: python -m bot train"
    assert fresh["vocab"] == shipped["vocab"]
    old, new = weights(shipped), weights(fresh)
    assert old.keys() == new.keys()
    for key in old:
        diffs = [abs(a - b) for a, b in zip(old[key], new[key], strict=True) if a != b]
        assert max(diffs, default=0) <= 1 and len(diffs) <= len(old[key]) // 1000, key
    for name, spec in shipped["outputs"].items():
        for k in ("threshold", "platt", "temperature"):
            if k in spec:
                assert fresh["outputs"][name][k] == pytest.approx(spec[k], abs=0.02), (name, k)
    assert shipped["cross_validation"]["rows"] == len(rows) == report["rows"]
    assert report["action_accuracy"] > 0.8 and report["tie_accuracy"] > 0.8
    assert fresh["signals"]["outputs"].keys() == shipped["signals"]["outputs"].keys() == {"decline", "lower"}
    for name, spec in shipped["signals"]["outputs"].items():
        again = fresh["signals"]["outputs"][name]
        assert again["bias"] == pytest.approx(spec["bias"], abs=0.02)
        assert again["weights"].keys() == spec["weights"].keys(), name
        assert again["weights"] == pytest.approx(spec["weights"], abs=0.02), name
    # Out of fold, the learned second look beats the rule it replaced, which beats ignoring the profile …
    assert report["profile_action_accuracy"] > report["profile_rule_accuracy"] > report["profile_unchanged_accuracy"]
    # … and from answers read out of fold too.
    assert report["profile_end_to_end_accuracy"] > report["profile_answers_only_accuracy"]


async def test_decisions_become_training_examples_and_the_bot_uses_the_owners_model(
        driver, db, db_path, fake_api, reviewer, tmp_path):
    from helpers.world import OWNER

    for i, (how, why) in enumerate([("Met in person", "I'd like your feedback on my parser"),
                                    ("Met in person", "Could you mentor me this spring?")]):
        person = fake_api.user(6000 + i, f"Person{i}")
        await driver.send(person, "/start")
        await answer_all(driver, person, how=how, why=why)
        card = driver.card(OWNER)
        action = "v1:accept:" if i == 0 else "v1:decline:"
        await driver.press(reviewer, OWNER, card["message_id"], driver.button(card, action))
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    out, err = io.StringIO(), io.StringIO()
    code = train_main(["--with-decisions", "--db", str(db_path), "--prompts", str(prompts)], out, err, env={})
    assert code == 0, err.getvalue()
    assert "and 2 of your decisions" in out.getvalue()
    written = json.loads((prompts / "assess" / "model.json").read_text(encoding="utf-8"))
    assert written["trained_on"]["owner_decisions"] == 2 and written["version"].endswith("+2d")
    assert model_path(prompts) == prompts / "assess" / "model.json"
    assert read_assessor(prompts).name.endswith("+2d")


def test_training_refuses_bad_data_with_the_line(tmp_path):
    corpus = tmp_path / "prompts" / "assess" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "mine.jsonl").write_text('{"id": 1}\n', encoding="utf-8")
    err = io.StringIO()
    assert train_main(["--prompts", str(tmp_path / "prompts")], io.StringIO(), err, env={}) == 2
    assert "mine.jsonl, line 1: missing" in err.getvalue()
    row = json.loads(next(iter(sorted((package_prompts_dir() / "assess" / "corpus").glob("*.jsonl")))).open()
                     .readline())
    (corpus / "mine.jsonl").write_text(json.dumps({**row, "action": "accept", "tie": "strong", "generic": False,
                                                   "pitch": False, "creepy": False, "vague": False,
                                                   "profile": {"photo": False}, "profile_action": "ask"}) + "\n"
                                       + json.dumps({**row, "action": "decline", "tie": "none", "generic": True,
                                                     "profile": {"cas": "listed"}, "profile_action": "accept"})
                                       + "\n", encoding="utf-8")
    err = io.StringIO()
    assert train_main(["--prompts", str(tmp_path / "prompts")], io.StringIO(), err, env={}) == 2
    assert "mine.jsonl, line 2: a profile can lower the suggestion, never raise it" in err.getvalue()
    err = io.StringIO()
    assert train_main(["--with-decisions", "--db", str(tmp_path / "none.db")], io.StringIO(), err, env={}) == 2
    assert "database not found" in err.getvalue()
