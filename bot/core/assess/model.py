"""The learned assessor's weights and how they are applied: plain Python, no numpy, no scikit-learn.

A model is a JSON document written by `python -m bot train` (bot/cli/train.py): a vocabulary of features, and for
each output (generic, pitch, creepy, vague and accept: yes/no; tie: strong/weak against none) one linear model per
class with int8 weights, a bias, and calibration (Platt scaling for yes/no, a temperature for the tie). A
request's score for a class is the sum of the weights of its features, each block scaled to unit length
(bot/core/assess/features.py), plus the bias.
"""

from __future__ import annotations

import base64
import heapq
import math
from array import array
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.assess.features import scale
from bot.core.assess.profile import ProfileModel

FORMAT = 2
FLAGS = ("generic", "pitch", "creepy", "vague")
# Each feature's weights, offset to 0-255, in 24-bit fields of one int: a field holds the sum of MAX_ROWS of them.
FIELD = 24
MASK = (1 << FIELD) - 1
MAX_ROWS = MASK // 255
_OFFSET_128 = bytes(b ^ 0x80 for b in range(256))  # a signed int8's byte, plus 128


class ModelError(ValueError):
    """A model file that cannot be used; the message says why."""


@dataclass(frozen=True)
class Contribution:
    """How much one feature pushed one class."""

    feature: str  # "block|feature"
    weight: float


class Model:
    """Weights for every output, and the vocabulary they are indexed by.

    Weights are kept per feature, as a tuple with one int8 value per linear model, so that reading a request's
    features touches each feature once (memory, not arithmetic, is what costs in Python).
    """

    def __init__(self, data: Mapping) -> None:
        if data.get("format") != FORMAT:
            raise ModelError(f"model format {data.get('format')!r} is not {FORMAT}; run `python -m bot train`")
        self.version: str = data["version"]
        self.meta: dict = {k: v for k, v in data.items() if k not in ("vocab", "outputs", "signals")}
        # The second look at a request, once its profile is known (None: a model trained without profiles).
        self.profile = ProfileModel(data["signals"]) if data.get("signals") else None
        # The vocabulary comes as one newline-separated string per block; each block gets its own dictionary
        # (no "block|feature" strings to build per lookup), and features are numbered block after block.
        self.vocab: dict[str, dict[str, int]] = {}
        self.blocks: list[tuple[str, int, list[str]]] = []  # (block, first index, its features in order)
        size = 0
        for block, text in data["vocab"].items():
            items = text.split("\n") if text else []
            self.vocab[block] = dict(zip(items, range(size, size + len(items)), strict=True))
            self.blocks.append((block, size, items))
            size += len(items)
        self.size = size
        self.outputs: dict[str, dict] = {}
        self.linears: list[tuple[str, str]] = []  # (output, class) in column order
        self.units: list[float] = []
        self.biases: list[float] = []
        columns = []
        for name, spec in data["outputs"].items():
            self.outputs[name] = {k: v for k, v in spec.items() if k != "classes"}
            self.outputs[name]["classes"] = list(spec["classes"])
            for cls, part in spec["classes"].items():
                weights = base64.b64decode(part["weights"])
                if len(weights) != size:
                    raise ModelError(f"model output {name}/{cls} has {len(weights)} weights for {size} features")
                self.linears.append((name, cls))
                self.units.append(part["unit"])
                self.biases.append(part["bias"])
                columns.append(weights)
        self.column = {linear: k for k, linear in enumerate(self.linears)}
        # One int per feature holding its weight in every linear model, offset by 128 so that a signed int8 is 0-255,
        # each in a FIELD-bit field: a block's features are added with one `+` each, all linear models at once.
        stride = FIELD // 8 * len(columns)
        laid = bytearray(stride * size)  # feature after feature: its fields, little-endian
        for k, column in enumerate(columns):
            laid[FIELD // 8 * k::stride] = column.translate(_OFFSET_128)
        self.rows: list[int] = [int.from_bytes(laid[i:i + stride], "little") for i in range(0, len(laid), stride)
                                ] if columns else []

    def feature(self, index: int) -> str:
        """The name ("block|feature") of a feature number."""
        for block, first, items in reversed(self.blocks):
            if index >= first:
                return f"{block}|{items[index - first]}"
        raise IndexError(index)

    def indexes(self, blocks: Mapping[str, list[str]]) -> list[tuple[list[int], float]]:
        """For each block: the vocabulary indexes of its features and the block's scale."""
        found = []
        for block, items in blocks.items():
            get = self.vocab.get(block, {}).get
            idx = [i for i in map(get, items) if i is not None]
            found.append((idx, scale(len(items), block)))
        return found

    def all_scores(self, found: list[tuple[list[int], float]]) -> dict[tuple[str, str], float]:
        """The linear score of every (output, class), computed in one pass over the request's features."""
        size = len(self.linears)
        totals = [0.0] * size
        row = self.rows.__getitem__
        for idx, block_scale in found:
            if idx:
                offset = 128 * len(idx)
                sums = [0] * size
                for start in range(0, len(idx), MAX_ROWS):  # more features than a field holds: added in parts
                    packed = sum(map(row, idx[start:start + MAX_ROWS]))
                    sums = [total + (packed >> FIELD * k & MASK) for k, total in enumerate(sums)]
                for k, column_sum in enumerate(sums):
                    totals[k] += (column_sum - offset) * block_scale
        return {linear: totals[k] * self.units[k] + self.biases[k] for k, linear in enumerate(self.linears)}

    def raw_scores(self, output: str, found: list[tuple[list[int], float]],
                   scores: Mapping[tuple[str, str], float] | None = None) -> dict[str, float]:
        """The linear score of each class of an output (`scores`: all_scores() already computed)."""
        scores = self.all_scores(found) if scores is None else scores
        return {cls: scores[(output, cls)] for cls in self.outputs[output]["classes"]}

    def probabilities(self, output: str, found: list[tuple[list[int], float]],
                      scores: Mapping[tuple[str, str], float] | None = None) -> dict[str, float]:
        """Calibrated probabilities of each class (for yes/no outputs: {"yes": p})."""
        spec = self.outputs[output]
        raw = self.raw_scores(output, found, scores)
        if spec["kind"] == "binary":
            a, b = spec["platt"]
            return {"yes": _sigmoid(a * raw["yes"] + b)}
        t = spec.get("temperature", 1.0)
        raw = {**raw, spec["reference"]: 0.0}
        top = max(raw.values())
        exp = {cls: math.exp((s - top) / t) for cls, s in raw.items()}
        total = sum(exp.values())
        return {cls: v / total for cls, v in exp.items()}

    def contributions(self, output: str, cls: str, found: list[tuple[list[int], float]],
                      limit: int = 5, blocks: int = 0) -> list[Contribution]:
        """The features that pushed `cls` of `output` up the most, strongest first (among the last `blocks`
        blocks only, when given: the ones that can be put in words)."""
        spec = self.outputs[output]
        # The reference class of a multi-class output has no weights: what pushes it up is what pushes the
        # other classes down.
        sign = -1 if cls == spec.get("reference") else 1
        k = self.column[(output, cls if sign == 1 else sorted(spec["classes"])[-1])]
        rows, shift, unit = self.rows, FIELD * k, self.units[k]
        pushed = ((sign * ((rows[i] >> shift & 0xFF) - 128) * block_scale, i)
                  for idx, block_scale in (found[-blocks:] if blocks else found) for i in idx
                  if sign * ((rows[i] >> shift & 0xFF) - 128) > 0)
        return [Contribution(self.feature(i), w * unit) for w, i in heapq.nlargest(limit, pushed)]


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def encode_weights(values: list[float]) -> tuple[str, float]:
    """Quantise weights to int8 (one step = the largest |weight| / 127) and base64 them; also the step."""
    largest = max((abs(v) for v in values), default=0.0)
    unit = largest / 127 if largest else 1.0
    quantised = array("b", (max(-127, min(127, round(v / unit))) for v in values))
    return base64.b64encode(quantised.tobytes()).decode("ascii"), unit
