"""The assessor: cue phrases, features, the learned model's behaviour on requests written for these tests, the
suggestion rules, the summary line and the follow-up. (Not the shared evaluation files: those only measure.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.core.assess import Assessment, Request, decide_action
from bot.core.assess.corpus import row_problems
from bot.core.assess.features import char_grams, extract, read
from bot.core.assess.lexicon import Lexicon, LexiconError, fold, parse_lexicon
from bot.core.assess.model import Model, ModelError
from bot.core.assess.summary import SUMMARY_MAX
from bot.prompt_files import package_prompts_dir, read_assessor, read_lexicon

CORPUS = package_prompts_dir() / "assess" / "corpus"


@pytest.fixture(scope="module")
def assessor():
    return read_assessor(None)


def read_it(assessor, how: str, why: str, choice: str | None = None, source: str | None = None) -> Assessment:
    return assessor.assess(Request(how, why, choice, source))


# --- cue phrases ------------------------------------------------------------------------------------------

def test_phrases_match_whole_words_after_folding():
    lex = Lexicon({"met": ["we met", "rencontré"], "pitch": ["seo"]})
    assert [h.cue for h in lex.find(fold("Wé MET at the café").split())] == ["met"]
    assert lex.find(fold("on s'est rencontres").split()) == []  # a phrase is whole words, not a prefix
    assert [h.cue for h in lex.find(fold("Je vous ai rencontré").split())] == ["met"]
    assert lex.find(["seoul"]) == [], "seo is not in seoul"


def test_a_star_matches_any_ending_and_phrases_may_share_words():
    lex = Lexicon({"referral": ["recommend* you", "told me"], "pitch": ["our platform"], "generic": ["our"]})
    hits = lex.find(fold("She recommended you and told me about our platform").split())
    assert sorted((h.cue, h.phrase) for h in hits) == [
        ("generic", "our"), ("pitch", "our platform"), ("referral", "recommend* you"), ("referral", "told me")]


def test_owner_phrases_are_marked_and_bad_files_name_themselves(tmp_path):
    lex = parse_lexicon([("shipped", '[pitch]\nen = ["seo"]\n')], [("mine", '[pitch]\nen = ["pottery class"]\n')])
    assert [(h.phrase, h.owners) for h in lex.find(["seo", "pottery", "class"])] == [
        ("seo", False), ("pottery class", True)]
    with pytest.raises(LexiconError, match="broken.toml"):
        parse_lexicon([("broken.toml", "[pitch\n")])
    with pytest.raises(LexiconError, match=r"\[pitch\]"):
        parse_lexicon([("x.toml", 'pitch = "seo"\n')])


def test_the_shipped_cues_cover_many_languages():
    lex = read_lexicon(None)
    for cue in ("generic", "pitch", "creepy", "met", "referral", "work", "evasive"):
        assert len(lex.cues[cue]) >= 40, cue
    table = (package_prompts_dir() / "assess" / "cues.toml").read_text(encoding="utf-8")
    import tomllib

    assert {"en", "de", "fr", "es", "pt", "it", "ru", "uk", "pl", "tr"} <= set(tomllib.loads(table)["pitch"])


# --- features ---------------------------------------------------------------------------------------------

def test_features_are_deterministic_and_in_blocks(assessor):
    request = Request("Met Ana Costa at RustConf 2025", "Advice on my thesis?", "met", "rustconf")
    first, second = extract(request, assessor.lexicon), extract(request, assessor.lexicon)
    assert {k: sorted(v) for k, v in first.items()} == {k: sorted(v) for k, v in second.items()}
    assert set(first) == {"how_chars", "why_chars", "words", "shape", "cues", "door"}
    shape = set(first["shape"])
    assert {"h:year", "h:person", "h:eventname", "w:question"} <= shape
    assert set(first["door"]) == {"choice:met", "source"}
    assert " met" in char_grams("met ana")


def test_a_tie_cue_with_or_without_a_name(assessor):
    shape = set(extract(Request("we met at a conference", "hello"), assessor.lexicon)["shape"])
    assert "h:met+unnamed" in shape and "h:met+named" not in shape
    assert "w:only_greeting" in shape
    assert "h:met+named" in set(extract(Request("we met at RustConf", "hello"), assessor.lexicon)["shape"])


# --- the model file ---------------------------------------------------------------------------------------

def test_a_model_of_another_format_or_with_missing_weights_is_refused(assessor):
    with pytest.raises(ModelError, match="format"):
        Model({"format": 99, "version": "x", "vocab": [], "outputs": {}})
    data = json.loads((package_prompts_dir() / "assess" / "model.json").read_text(encoding="utf-8"))
    data["vocab"]["words"] = data["vocab"]["words"].rsplit("\n", 1)[0]
    with pytest.raises(ModelError, match="weights for"):
        Model(data)


def test_probabilities_are_calibrated_numbers(assessor):
    a = read_it(assessor, "LinkedIn", "Our agency can triple your leads, book a free demo this week")
    assert all(0.0 <= p <= 1.0 for p in a.probabilities.values())
    tie = [a.probabilities[f"tie_{c}"] for c in ("strong", "weak", "none")]
    assert abs(sum(tie) - 1) < 0.01  # each rounded to three places
    assert a.assessor.startswith("model ")


# --- judgement on requests written for these tests --------------------------------------------------------

@pytest.mark.parametrize("how", [
    "We met at PyCon after your asyncio talk",
    "Met the owner at PyCon after the asyncio talk",
    "met her at pycon, right after her asyncio talk",
    "PyCon 2025, in the hallway after the asyncio talk",
])
def test_a_named_event_is_a_strong_tie_in_any_wording(assessor, how):
    a = read_it(assessor, how, "I'd like feedback on the Rust parser I showed you there")
    assert (a.tie, a.action, a.followup) == ("strong", "accept", None), a


@pytest.mark.parametrize("how, why, flag", [
    ("Instagram", "We help coaches get 30 booked calls a month with our ad system. Free strategy call?", "pitch"),
    ("google", "Our agency builds websites from $499, check our portfolio and packages", "pitch"),
    ("I parked across from your building for a few evenings to see when you get home", "need to talk", "creepy"),
    ("found your home address from the plate on your car", "would like to meet in person", "creepy"),
    ("LinkedIn", "I'd like to add you to my professional network.", "generic"),
    ("a friend", "networking", "vague"),
])
def test_flags_on_clear_cases(assessor, how, why, flag):
    a = read_it(assessor, how, why)
    assert getattr(a, flag), a
    assert any(e.tag for e in a.evidence), "every raised flag comes with a reason in words"


def test_a_pitch_is_declined_even_from_a_strong_tie(assessor):
    a = read_it(assessor, "We worked together at Zalando on the checkout team in 2019",
                "My new agency does SEO and paid ads, I'd love to offer you a free audit and a discount")
    assert a.pitch and a.action == "decline" and a.followup is None


def test_a_job_offer_to_the_owner_is_not_a_pitch(assessor):
    a = read_it(assessor, "Your talk on Postgres partitioning at FOSDEM",
                "We're hiring a staff database engineer at Klarna, full time, remote in the EU. Could we talk?")
    assert not a.pitch and a.action == "accept"


def test_a_vague_request_gets_one_targeted_follow_up(assessor):
    assert read_it(assessor, "a friend", "networking").followup == "who_introduced"
    assert read_it(assessor, "google", "just wanted to connect").followup == "how_found"
    assert read_it(assessor, "met you at an event", "to chat").followup == "where_met"


@pytest.mark.parametrize("flags, tie, accept, action", [
    ({"pitch": True, "creepy": False, "generic": False, "vague": False}, "strong", 0.9, "decline"),
    ({"pitch": False, "creepy": True, "generic": False, "vague": False}, "weak", 0.9, "decline"),
    ({"pitch": False, "creepy": False, "generic": True, "vague": False}, "none", 0.9, "decline"),
    ({"pitch": False, "creepy": False, "generic": False, "vague": True}, "weak", 0.9, "ask"),
    ({"pitch": False, "creepy": False, "generic": False, "vague": False}, "strong", 0.1, "accept"),
    ({"pitch": False, "creepy": False, "generic": False, "vague": False}, "weak", 0.7, "accept"),
    ({"pitch": False, "creepy": False, "generic": False, "vague": False}, "none", 0.3, "ask"),
])
def test_the_suggestion_follows_the_label_rules(flags, tie, accept, action):
    assert decide_action(flags, tie, accept) == action


# --- summary line -----------------------------------------------------------------------------------------

def test_the_summary_is_short_in_the_card_style_and_made_of_their_words(assessor):
    a = read_it(assessor, "Hi! We met at RustConf in Montreal", "I'd like to get feedback on my parser for TOML")
    assert a.summary == "Met at RustConf in Montreal; wants to get feedback on my parser for TOML"
    long = read_it(assessor, "x" * 500, "y " * 400)
    assert len(long.summary) <= SUMMARY_MAX and long.summary.endswith("…")


def test_summaries_of_the_corpus_fit_and_invent_nothing(assessor):
    allowed = {"met", "referred", "by", "read", "your", "work", "found", "search", "wants", "to", "asks", "you",
               "looking", "for", "hoping", "trying", "interested", "in", "hiring", "raising", "is"}
    for path in sorted(CORPUS.glob("*.jsonl"))[:3]:
        for line in path.read_text(encoding="utf-8").splitlines()[:60]:
            row = json.loads(line)
            a = read_it(assessor, row["how"], row["why"], row["choice"], row["start_source"])
            assert 0 < len(a.summary) <= SUMMARY_MAX
            said = set(re.findall(r"\w+", fold(row["how"] + " " + row["why"]))) | allowed
            assert set(re.findall(r"\w+", fold(a.summary))) <= said, (row["id"], a.summary)


# --- the corpus -------------------------------------------------------------------------------------------

def test_the_corpus_is_big_varied_and_every_row_is_consistent():
    rows = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            row = json.loads(line)
            assert row_problems(row) == [], f"{path.name}:{number}"
            rows.append(row)
    assert len(rows) >= 1000
    assert len({r["lang"] for r in rows}) >= 10
    assert len({r["owner"] for r in rows}) >= 25
    for label in ("generic", "pitch", "creepy", "vague"):
        assert sum(r[label] for r in rows) >= 100, label


def test_read_folds_and_finds_cues_once(assessor):
    seen = read("w", "Our SEO Agency — FREE audit!", assessor.lexicon)
    assert seen.words[:3] == ["our", "seo", "agency"] and any(h.cue == "pitch" for h in seen.hits)
    assert Path(package_prompts_dir() / "assess" / "README.md").is_file(), "the label conventions ship with it"


def test_the_packed_scores_equal_the_weight_by_weight_arithmetic(assessor, monkeypatch):
    import base64

    from bot.cli.train import read_corpus
    from bot.core.assess import model as model_module
    from bot.prompt_files import model_path

    data = json.loads(model_path(None).read_text(encoding="utf-8"))
    model = assessor.model
    columns = [base64.b64decode(part["weights"]) for spec in data["outputs"].values()
               for part in spec["classes"].values()]
    rows = [bytes(values) for values in zip(*((b ^ 0x80 for b in column) for column in columns), strict=True)]

    def reference(found):
        totals = [0.0] * len(model.linears)
        for idx, block_scale in found:
            if idx:
                for k, column in enumerate(zip(*(rows[i] for i in idx), strict=True)):
                    totals[k] += (sum(column) - 128 * len(idx)) * block_scale
        return {linear: totals[k] * model.units[k] + model.biases[k] for k, linear in enumerate(model.linears)}

    requests = [Request(r.get("how") or "", r.get("why") or "", r.get("choice"), r.get("source"))
                for r in read_corpus([CORPUS])][::5] + [Request(), Request("x " * 3000, "y" * 4000)]
    for request in requests:
        found = model.indexes(extract(request, assessor.lexicon))
        assert model.all_scores(found) == reference(found)
        for output, spec in model.outputs.items():
            for cls in spec["classes"]:
                k = model.column[(output, cls)]
                pushed = sorted(((rows[i][k] - 128) * s, i) for idx, s in found for i in idx if rows[i][k] > 128)
                assert [c.feature for c in model.contributions(output, cls, found, limit=3)] == \
                    [model.feature(i) for _, i in sorted(pushed, reverse=True)[:3]]
    monkeypatch.setattr(model_module, "MAX_ROWS", 5)  # more features than a field holds: added in parts
    for request in requests[:50]:
        found = model.indexes(extract(request, assessor.lexicon))
        assert model.all_scores(found) == reference(found)
    assert len(requests) > 300
