"""``python -m bot train``: learn the assessor's weights from the labelled corpus (and the owner's decisions).

Needs the ``[train]`` extra (scikit-learn); the bot itself never imports it. Reads
``prompts/assess/corpus/*.jsonl`` and ``<PROMPTS_DIR>/assess/corpus/*.jsonl``; with ``--with-decisions`` also the
accept/decline decisions stored in ``DATABASE_PATH``, which teach the suggestion this owner's taste. Writes one
JSON model file: the shipped ``prompts/assess/model.json`` by default, or ``<PROMPTS_DIR>/assess/model.json``
when the owner's corpus or decisions are used (the bot prefers that file when it exists).

Calibration and thresholds come from out-of-fold predictions of a grouped cross-validation (a fold never
shares a kind of owner with its training folds); ``--report`` prints that cross-validation's scores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bot.core.assess.corpus import FLAGS, TIES, row_problems
from bot.core.assess.features import Request, extract, scale
from bot.core.assess.lexicon import Lexicon
from bot.core.assess.model import FORMAT, encode_weights
from bot.core.assess.profile import ProfileModel, profile_features, profile_from_row, warning_features
from bot.core.assess.second_look import lowered
from bot.prompt_files import package_prompts_dir, read_lexicon

C = 8.0  # inverse regularisation: chosen by grouped cross-validation on the corpus
MIN_DF = 3  # a feature seen in one or two requests teaches nothing general
FOLDS = 5
PRUNE = 1  # int8 steps
BLOCK_ORDER = ("how_chars", "why_chars", "words", "shape", "cues", "door")  # as features.extract() gives them
OWNER_WEIGHT = 2.0  # one of the owner's own decisions counts as much as two corpus rows
PROFILE_C = 1.0  # the profile model has few rows and few features: keep its weights modest
PROFILE_MIN_DF = 2


class TrainError(Exception):
    """A corpus or database that cannot be trained on; the message says which file and line."""


@dataclass
class Example:
    """One training request: its features, labels (None when unknown) and weight."""

    blocks: dict[str, list[str]]
    labels: dict[str, Any]
    group: str
    weight: float = 1.0


def corpus_dirs(prompts_dir: Path | None) -> list[Path]:
    """The shipped corpus, then the owner's."""
    dirs = [package_prompts_dir() / "assess" / "corpus"]
    if prompts_dir is not None and (prompts_dir / "assess" / "corpus").is_dir():
        dirs.append(prompts_dir / "assess" / "corpus")
    return dirs


def read_corpus(dirs: Sequence[Path]) -> list[dict]:
    """Every row of every ``*.jsonl`` in the folders; raise TrainError naming the first bad line."""
    rows = []
    for folder in dirs:
        for path in sorted(Path(folder).glob("*.jsonl")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise TrainError(f"{path}, line {number}: not valid JSON ({exc.msg})") from None
                problems = row_problems(row) if isinstance(row, dict) else ["not a JSON object"]
                if problems:
                    raise TrainError(f"{path}, line {number}: {'; '.join(problems)}")
                rows.append(row)
    return rows


def corpus_digest(rows: list[dict]) -> str:
    """A short fingerprint of the corpus, so a model names the data it was trained on."""
    text = "\n".join(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def examples(rows: list[dict], lexicon: Lexicon) -> list[Example]:
    """Corpus rows as training examples. "accept" (is the reason specific enough to accept?) is only learned
    from requests the labels do not decline: a decline follows from the flags and the tie."""
    return [Example(extract(Request(r["how"], r["why"], r["choice"], r["start_source"]), lexicon),
                    {**{k: r[k] for k in (*FLAGS, "tie", "action")},
                     "accept": None if r["action"] == "decline" else r["action"] == "accept"}, r["owner"])
            for r in rows]


def decision_examples(database: Path, lexicon: Lexicon, prompts_dir: Path | None = None) -> list[Example]:
    """The owner's own accept/decline decisions, as examples for "is this worth accepting" only."""
    from bot.app import build_deps
    from bot.flow.learning import decided_examples
    from bot.settings import Settings
    from db import open_db

    db = open_db(database)
    try:
        settings = Settings(token="0:unused", reviewers=(1,), database_path=database, prompts_dir=prompts_dir)
        decided = decided_examples(build_deps(settings, db))
    finally:
        db.close()
    return [Example(extract(Request(d["how"], d["why"], d["choice"], d["source"]), lexicon),
                    {"action": d["action"], "accept": d["action"] == "accept"}, "owner decisions", OWNER_WEIGHT)
            for d in decided]


def vocabulary(train: list[Example]) -> list[str]:
    """Features seen in at least MIN_DF training examples, in a stable order."""
    counts: dict[str, int] = {}
    for ex in train:
        for block, items in ex.blocks.items():
            for item in items:
                key = f"{block}|{item}"
                counts[key] = counts.get(key, 0) + 1
    return sorted(k for k, n in counts.items() if n >= MIN_DF)


def vocabulary_all(exs: list[Example]) -> list[str]:
    """Every feature of the examples (each fold then keeps those its own training part sees MIN_DF times)."""
    return sorted({f"{block}|{item}" for ex in exs for block, items in ex.blocks.items() for item in items})


def matrix(exs: list[Example], vocab: list[str]):
    """The examples as a sparse matrix over `vocab`, each block scaled as features.scale() says."""
    from scipy import sparse

    index = {f: i for i, f in enumerate(vocab)}
    data, rows, cols = [], [], []
    for r, ex in enumerate(exs):
        for block, items in ex.blocks.items():
            value = scale(len(items), block)
            for item in items:
                c = index.get(f"{block}|{item}")
                if c is not None:
                    data.append(value)
                    rows.append(r)
                    cols.append(c)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(exs), len(vocab)))


def _restrict(x, train_rows: list[int], test_rows: list[int]):
    """A fold's training and test matrices, keeping the columns its training part sees MIN_DF times."""
    import numpy as np

    x_train = x[train_rows]
    df = np.asarray((x_train > 0).sum(axis=0)).ravel()
    keep = np.flatnonzero(df >= MIN_DF)
    return x_train[:, keep], x[test_rows][:, keep]


def _fit(x, y, weights, classes):
    from sklearn.linear_model import LogisticRegression

    if len(classes) == 2:
        model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=5000)
    else:
        model = LogisticRegression(C=C, class_weight="balanced", solver="lbfgs", max_iter=5000)
    model.fit(x, y, sample_weight=weights)
    return model


def _class_scores(model, x) -> dict[str, Any]:
    """Each class's linear score (a yes/no model has one: the score of "yes")."""
    scores = model.decision_function(x)
    classes = [str(c) for c in model.classes_]
    if len(classes) == 2:
        return {"yes": scores}
    return {cls: scores[:, i] for i, cls in enumerate(classes)}


def _labelled(exs: list[Example], output: str) -> list[int]:
    return [i for i, ex in enumerate(exs) if ex.labels.get(output) is not None]


OUTPUTS = (*FLAGS, "tie", "accept")
BINARY = (*FLAGS, "accept")


def _target(ex: Example, output: str) -> str:
    value = ex.labels[output]
    return ("yes" if value else "no") if output in BINARY else value


def _fold_ids(exs: list[Example]) -> list[int]:
    """Fold of each example: owner kinds spread over FOLDS folds, never split (owner decisions in every fold)."""
    kinds = sorted({ex.group for ex in exs if ex.group != "owner decisions"})
    fold_of = {kind: i % FOLDS for i, kind in enumerate(kinds)}
    return [fold_of.get(ex.group, i % FOLDS) for i, ex in enumerate(exs)]


def out_of_fold(exs: list[Example]) -> dict[str, dict[str, list[float]]]:
    """Every output's class scores for each example, from a model that never saw its kind of owner."""
    import numpy as np

    folds = _fold_ids(exs)
    x_all = matrix(exs, vocabulary_all(exs))
    result: dict[str, dict[str, Any]] = {}
    for fold in range(FOLDS):
        train_ids = [i for i, f in enumerate(folds) if f != fold]
        train = [exs[i] for i in train_ids]
        test_ids = [i for i, f in enumerate(folds) if f == fold]
        x_train, x_test = _restrict(x_all, train_ids, test_ids)
        for output in OUTPUTS:
            rows = _labelled(train, output)
            y = [_target(train[i], output) for i in rows]
            w = [train[i].weight for i in rows]
            model = _fit(x_train[rows], y, w, sorted(set(y)))
            for cls, values in _class_scores(model, x_test).items():
                column = result.setdefault(output, {}).setdefault(cls, np.full(len(exs), np.nan))
                column[test_ids] = values
    return result


def platt(scores, truth) -> tuple[float, float]:
    """Platt scaling: p = sigmoid(a * score + b), fitted on out-of-fold scores."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e6, solver="lbfgs").fit([[s] for s in scores], truth)
    return float(model.coef_[0][0]), float(model.intercept_[0])


def temperature(scores: dict[str, Any], truth: list[str]) -> float:
    """The softmax temperature that fits out-of-fold scores best (log loss)."""
    import numpy as np
    from scipy.optimize import minimize_scalar

    classes = list(scores)
    s = np.stack([scores[c] for c in classes], axis=1)
    idx = np.array([classes.index(t) for t in truth])

    def loss(t: float) -> float:
        z = s / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(idx)), idx].mean())

    return float(minimize_scalar(loss, bounds=(0.05, 20), method="bounded").x)


def best_threshold(probs, truth) -> float:
    """The probability cut with the best F1 on out-of-fold predictions."""
    best, best_f1 = 0.5, -1.0
    for step in range(20, 81):
        cut = step / 100
        tp = sum(1 for p, t in zip(probs, truth, strict=True) if p >= cut and t)
        fp = sum(1 for p, t in zip(probs, truth, strict=True) if p >= cut and not t)
        fn = sum(1 for p, t in zip(probs, truth, strict=True) if p < cut and t)
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = cut, f1
    return best


def calibration(exs: list[Example], oof: dict) -> dict[str, dict]:
    """Platt scaling and an F1-best threshold for each flag; a temperature for tie and action."""
    import numpy as np

    found: dict[str, dict] = {}
    for output in BINARY:
        rows = _labelled(exs, output)
        truth = [exs[i].labels[output] for i in rows]
        scores = oof[output]["yes"][rows]
        a, b = platt(scores, truth)
        probs = 1 / (1 + np.exp(-(a * scores + b)))
        # A flag's cut is the F1-best one; "accept" is a choice between two suggestions: the likelier one wins.
        cut = best_threshold(list(probs), truth) if output in FLAGS else 0.5
        found[output] = {"platt": [a, b], "threshold": cut}
    rows = _labelled(exs, "tie")
    found["tie"] = {"temperature": temperature({c: v[rows] for c, v in oof["tie"].items()},
                                               [exs[i].labels["tie"] for i in rows]), "reference": TIES[-1]}
    return found


def fit_model(exs: list[Example], calib: dict, meta: dict) -> dict:
    """Fit every output on all examples and export the model document."""
    vocab = vocabulary(exs)
    x = matrix(exs, vocab)
    outputs = {}
    encoded: dict[str, dict[str, tuple[str, float, float]]] = {}
    for output in OUTPUTS:
        rows = _labelled(exs, output)
        y = [_target(exs[i], output) for i in rows]
        model = _fit(x[rows], y, [exs[i].weight for i in rows], sorted(set(y)))
        classes = [str(c) for c in model.classes_]
        if len(classes) == 2:
            parts = {"yes": (list(model.coef_[0]), float(model.intercept_[0]))}
        else:
            # Softmax only sees differences: score every class against the reference one, which then needs no
            # weights of its own (one linear model fewer to run per request).
            ref = classes.index(calib[output]["reference"])
            parts = {cls: (list(model.coef_[i] - model.coef_[ref]), float(model.intercept_[i] - model.intercept_[ref]))
                     for i, cls in enumerate(classes) if i != ref}
        encoded[output] = {cls: (*encode_weights(w), b) for cls, (w, b) in parts.items()}
    # Keep only features that weigh more than one int8 step in some output: the rest change no decision and
    # would only make the vocabulary (memory, lookups) bigger.
    import base64
    from array import array

    arrays = {(o, c): array("b", base64.b64decode(v[0])) for o, parts in encoded.items() for c, v in parts.items()}
    keep = [i for i in range(len(vocab)) if any(abs(a[i]) > PRUNE for a in arrays.values())]
    # Written block by block (in the order extract() gives them), each block's features newline-separated.
    by_block: dict[str, list[int]] = {}
    for i in keep:
        by_block.setdefault(vocab[i].partition("|")[0], []).append(i)
    order = [i for block in BLOCK_ORDER if block in by_block for i in by_block[block]]
    assert len(order) == len(keep), "a block missing from BLOCK_ORDER"
    keep = order
    for output, parts in encoded.items():
        kind = "binary" if output in BINARY else "multi"
        outputs[output] = {"kind": kind, **calib[output], "classes": {
            cls: {"weights": base64.b64encode(array("b", (arrays[(output, cls)][i] for i in keep)).tobytes())
                  .decode("ascii"), "unit": unit, "bias": bias}
            for cls, (_, unit, bias) in parts.items()}}
    return {"format": FORMAT, **meta, "outputs": outputs,
            "vocab": {block: "\n".join(vocab[i].partition("|")[2] for i in by_block[block])
                      for block in BLOCK_ORDER if block in by_block}}


def oof_readings(exs: list[Example], oof: dict, calib: dict) -> tuple[dict[str, list[bool]], list[str], list[str]]:
    """Each example's flags, tie and suggested action as a model that never saw its kind of owner reads them."""
    import numpy as np

    from bot.core.assess import decide_action

    flags_pred: dict[str, list[bool]] = {}
    for output in FLAGS:
        a, b = calib[output]["platt"]
        probs = 1 / (1 + np.exp(-(a * oof[output]["yes"] + b)))
        flags_pred[output] = [bool(p >= calib[output]["threshold"]) for p in probs]
    tie_pred = [max(TIES, key=lambda c, i=i: oof["tie"][c][i]) for i in range(len(exs))]
    a, b = calib["accept"]["platt"]
    accept_p = 1 / (1 + np.exp(-(a * oof["accept"]["yes"] + b)))
    actions = [decide_action({f: flags_pred[f][i] for f in FLAGS}, tie_pred[i], float(accept_p[i]))
               for i in range(len(exs))]
    return flags_pred, tie_pred, actions


def scores_report(exs: list[Example], oof: dict, calib: dict) -> dict:
    """Grouped cross-validation scores: F1 of each flag, accuracy of tie and of the suggested action."""
    report: dict[str, float] = {}
    flags_pred, tie_pred, actions = oof_readings(exs, oof, calib)
    corpus = [i for i, ex in enumerate(exs) if ex.labels.get("tie") is not None]
    for output in FLAGS:
        tp = sum(1 for i in corpus if flags_pred[output][i] and exs[i].labels[output])
        fp = sum(1 for i in corpus if flags_pred[output][i] and not exs[i].labels[output])
        fn = sum(1 for i in corpus if not flags_pred[output][i] and exs[i].labels[output])
        report[f"{output}_f1"] = round(2 * tp / (2 * tp + fp + fn), 3) if tp else 0.0
    report["tie_accuracy"] = round(sum(tie_pred[i] == exs[i].labels["tie"] for i in corpus) / len(corpus), 3)
    report["action_accuracy"] = round(sum(actions[i] == exs[i].labels["action"] for i in corpus) / len(corpus), 3)
    report["rows"] = len(corpus)
    return report


@dataclass
class ProfileExample:
    """One corpus row with a warning sign in its profile: the profile model's features and targets."""

    features: list[str]
    signs: int
    action: str  # the answers' suggestion
    profile_action: str  # the suggestion once the profile is known
    group: str

    def target(self, output: str) -> bool | None:
        """"decline": did the profile make it a decline; "lower": did it turn an accept into an ask (None: the row
        says nothing about that output)."""
        if output == "decline":
            return None if self.action == "decline" else self.profile_action == "decline"
        if self.action != "accept" or self.profile_action == "decline":
            return None
        return self.profile_action == "ask"


PROFILE_OUTPUTS = ("decline", "lower")


def profile_examples(rows: list[dict]) -> list[ProfileExample]:
    """The rows whose profile shows a warning sign (a profile without one never changes a suggestion)."""
    out = []
    for r in rows:
        if "profile" not in r:
            continue
        signs = warning_features(profile_from_row(r["profile"]))
        if signs:
            out.append(ProfileExample(profile_features(signs, r["tie"], r["action"]), len(signs), r["action"],
                                      r["profile_action"], r["owner"]))
    return out


def _fit_profile(exs: list[ProfileExample]) -> dict[str, tuple[float, dict[str, float]]]:
    """Each output's bias and weights, fitted on the examples that speak to it."""
    from sklearn.linear_model import LogisticRegression

    fitted: dict[str, tuple[float, dict[str, float]]] = {}
    for output in PROFILE_OUTPUTS:
        labelled = [ex for ex in exs if ex.target(output) is not None]
        counts: dict[str, int] = {}
        for ex in labelled:
            for f in set(ex.features):
                counts[f] = counts.get(f, 0) + 1
        vocab = sorted(f for f, n in counts.items() if n >= PROFILE_MIN_DF)
        y = [ex.target(output) for ex in labelled]
        if not vocab or len(set(y)) < 2:
            fitted[output] = (-5.0 if not any(y) else 5.0, {})
            continue
        index = {f: i for i, f in enumerate(vocab)}
        x = [[0.0] * len(vocab) for _ in labelled]
        for row, ex in zip(x, labelled, strict=True):
            for f in ex.features:
                if f in index:
                    row[index[f]] = 1.0
        model = LogisticRegression(C=PROFILE_C, solver="liblinear", max_iter=5000).fit(x, y)
        fitted[output] = (float(model.intercept_[0]),
                          {f: float(w) for f, w in zip(vocab, model.coef_[0], strict=True) if abs(w) >= 0.01})
    return fitted


def _decided(fitted: dict, features: list[str], action: str) -> str:
    """What a fitted profile model makes of the answers' suggestion, exactly as the bot's second look decides."""
    model = ProfileModel({"outputs": {name: {"bias": bias, "weights": weights}
                                      for name, (bias, weights) in fitted.items()}})
    return lowered(model, features, action)[1]


def _profile_action(fitted: dict, ex: ProfileExample) -> str:
    """What the fitted profile model suggests for an example, given the answers' labelled suggestion."""
    return _decided(fitted, ex.features, ex.action)


def _end_to_end(rows: list[dict], readings: list[tuple[str, str]], fitted_for) -> tuple[float, float, int]:
    """On every row with a profile: how often the suggestion once the profile is known is right, from answers read
    out of fold and a profile model that never saw the row's kind of owner — and how often it is right from the
    answers alone."""
    full = text = n = 0
    for row, (tie, action) in zip(rows, readings, strict=True):
        if "profile" not in row:
            continue
        signs = warning_features(profile_from_row(row["profile"]))
        final = _decided(fitted_for(row["owner"]), profile_features(signs, tie, action), action)
        full += final == row["profile_action"]
        text += action == row["profile_action"]
        n += 1
    return round(full / n, 3), round(text / n, 3), n


def _rule_action(ex: ProfileExample) -> str:
    """The hand-written rule the model replaced: listed in CAS declines, three warning signs lower an accept."""
    if ex.action == "decline" or "cas_listed" in ex.features:
        return "decline"
    return "ask" if ex.action == "ask" or ex.signs >= 3 else "accept"


def train_profile(rows: list[dict], readings: list[tuple[str, str]] | None = None) -> dict | None:
    """The profile model's document for model.json ("signals"), with its grouped cross-validation; None when no
    row carries a profile with a warning sign. `readings`: each row's (tie, action) as the answers' model read it
    out of fold, for the end-to-end score."""
    exs = profile_examples(rows)
    if not exs:
        return None
    kinds = sorted({ex.group for ex in exs} | {r["owner"] for r in rows})
    fold_of = {kind: i % FOLDS for i, kind in enumerate(kinds)}
    predicted = [""] * len(exs)
    fold_models = []
    for fold in range(FOLDS):
        train_part = [ex for ex in exs if fold_of[ex.group] != fold]
        fitted = _fit_profile(train_part)
        fold_models.append(fitted)
        for i, ex in enumerate(exs):
            if fold_of[ex.group] == fold:
                predicted[i] = _profile_action(fitted, ex)
    n = len(exs)
    hits = sum(p == ex.profile_action for p, ex in zip(predicted, exs, strict=True))
    report = {"rows_with_signs": n,
              "changed_by_profile": sum(ex.profile_action != ex.action for ex in exs),
              "action_accuracy": round(hits / n, 3),
              "rule_accuracy": round(sum(_rule_action(ex) == ex.profile_action for ex in exs) / n, 3),
              "unchanged_accuracy": round(sum(ex.action == ex.profile_action for ex in exs) / n, 3)}
    if readings is not None:
        full, text, rows_with_profile = _end_to_end(rows, readings, lambda kind: fold_models[fold_of[kind]])
        report.update({"rows_with_profile": rows_with_profile, "end_to_end_accuracy": full,
                       "answers_only_accuracy": text})
    fitted = _fit_profile(exs)
    return {"outputs": {name: {"bias": round(bias, 4), "weights": {f: round(w, 4) for f, w in sorted(weights.items())}}
                        for name, (bias, weights) in fitted.items()},
            "trained_on": {"profile_rows": sum(1 for r in rows if "profile" in r), "rows_with_signs": n},
            "cross_validation": {"grouped_by": "kind of owner", "folds": FOLDS, **report}}


def train(rows: list[dict], lexicon: Lexicon, owner: list[Example] | None = None,
          now: datetime | None = None) -> tuple[dict, dict]:
    """Train on corpus rows (and the owner's decision examples); return the model document and CV scores."""
    exs = examples(rows, lexicon) + list(owner or [])
    oof = out_of_fold(exs)
    calib = calibration(exs, oof)
    report = scores_report(exs, oof, calib)
    _, ties, actions = oof_readings(exs, oof, calib)
    digest = corpus_digest(rows)
    meta = {"version": f"{digest}" + (f"+{len(owner)}d" if owner else ""),
            "trained_on": {"corpus_rows": len(rows), "corpus_sha256": digest, "owner_decisions": len(owner or []),
                           "languages": sorted({r["lang"] for r in rows}),
                           "owner_kinds": len({r["owner"] for r in rows})},
            "cross_validation": {"grouped_by": "kind of owner", "folds": FOLDS, **report},
            "settings": {"C": C, "min_df": MIN_DF}}
    if now is not None:
        meta["trained_at"] = now.isoformat(timespec="seconds")
    document = fit_model(exs, calib, meta)
    profile = train_profile(rows, list(zip(ties, actions, strict=False))[:len(rows)])
    if profile is not None:
        document["signals"] = profile
        report.update({f"profile_{k}": v for k, v in profile["cross_validation"].items()
                       if k not in ("grouped_by", "folds")})
    return document, report


def main(argv: Sequence[str], stdout: IO[str] | None = None, stderr: IO[str] | None = None,
         env: dict | None = None) -> int:
    """Run the command; 2 for bad usage or data."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="python -m bot train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="where to write the model (default: prompts/assess/model.json, or "
                        "<PROMPTS_DIR>/assess/model.json when your own corpus or decisions are used)")
    parser.add_argument("--with-decisions", action="store_true",
                        help="also learn from the decisions stored in the database (DATABASE_PATH or --db)")
    parser.add_argument("--db", type=Path, help="the bot's SQLite file (default: DATABASE_PATH or doorman.db)")
    parser.add_argument("--prompts", type=Path, help="the owner's prompts folder (default: PROMPTS_DIR)")
    parser.add_argument("--report", action="store_true", help="print the grouped cross-validation scores")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("train: needs scikit-learn: pip install -e '.[train]'", file=stderr)
        return 2
    prompts = args.prompts or (Path(env["PROMPTS_DIR"]) if env.get("PROMPTS_DIR") else None)
    if prompts is not None and not prompts.is_dir():
        print(f"train: prompts folder not found: {prompts}", file=stderr)
        return 2
    dirs = corpus_dirs(prompts)
    try:
        rows = read_corpus(dirs)
        lexicon = read_lexicon(prompts)
        owner = None
        if args.with_decisions:
            database = args.db or Path(env.get("DATABASE_PATH") or "doorman.db")
            if not database.is_file():
                print(f"train: database not found: {database}", file=stderr)
                return 2
            owner = decision_examples(database, lexicon, prompts)
    except TrainError as exc:
        print(f"train: {exc}", file=stderr)
        return 2
    personal = bool(owner) or len(dirs) > 1
    out = args.out or (prompts / "assess" / "model.json" if personal and prompts else
                       package_prompts_dir() / "assess" / "model.json")
    if personal and args.out is None and prompts is None:
        print("train: set PROMPTS_DIR (or --out) to keep a model trained on your own decisions", file=stderr)
        return 2
    model, report = train(rows, lexicon, owner, datetime.now(UTC) if personal else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"trained on {len(rows)} requests" + (f" and {len(owner)} of your decisions" if owner else "")
          + f"; {sum(v.count(chr(10)) + 1 for v in model['vocab'].values() if v)} features; wrote {out}",
          file=stdout)
    if args.report:
        print("grouped cross-validation (no fold shares a kind of owner with its training folds):", file=stdout)
        for key, value in report.items():
            print(f"  {key:<16} {value}", file=stdout)
    return 0
