"""``python -m bot train-languages``: learn the language table (bot/langid.tsv) from our own texts.

The texts are the corpus's answers (prompts/assess/corpus/*.jsonl: each row's `how` and `why`, in its `lang`) and
the translated requester texts and choice labels in prompts/. A fifth of the corpus rows (chosen by a hash of their
id) is held out: the table never sees them, and ``--report`` says how the bot's decision (a clear language among
the ones with texts, or unsure) fares on them. Needs nothing beyond the standard library; the same texts always
give the same table.
"""

import argparse
import math
import re
import sys
import tomllib
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bot.cli.train import read_corpus
from bot.core.languages import long_enough
from bot.langid import SCALE, TABLE, LanguageGuesser, ngrams
from bot.prompt_files import package_prompts_dir

PER_LANGUAGE = 1500  # each language keeps its most frequent n-grams; the table is their union
ALPHA = 0.1  # added to every count, so an n-gram a language never used still has a finite cost
HELD_OUT = 5  # one corpus row in HELD_OUT is held out
DOORS = ("requester", "business/requester")
MARKUP_RE = re.compile(r"{[{%#].*?[}%#]}|<[^>]+>", re.S)


def held_out(row: dict) -> bool:
    """True for the corpus rows the table never sees (a stable fifth)."""
    return zlib.crc32(row["id"].encode()) % HELD_OUT == 0


def corpus_rows(root: Path) -> list[dict]:
    """Every row of the corpus, in file order (checked as `python -m bot train` checks it)."""
    return read_corpus([root / "assess" / "corpus"])


def answers(row: dict) -> list[str]:
    """What the requester typed in a corpus row."""
    return [text for text in (row.get("how"), row.get("why")) if text]


def prompt_texts(root: Path) -> Iterable[tuple[str, str]]:
    """(language, text) of every requester text and translated choice label, without markup."""
    for door in DOORS:
        folder = root / door
        for path in sorted(folder.glob("*.j2")):
            yield "en", MARKUP_RE.sub(" ", path.read_text(encoding="utf-8"))
        for lang_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            for path in sorted(lang_dir.glob("*.j2")):
                yield lang_dir.name, MARKUP_RE.sub(" ", path.read_text(encoding="utf-8"))
    for question in tomllib.loads((root / "questions.toml").read_text(encoding="utf-8"))["questions"]:
        for lang, labels in question.get("labels", {}).items():
            yield lang, " ".join(labels)
        yield "en", " ".join(choice["label"] for choice in question.get("choices", []))


def training_texts(root: Path) -> list[tuple[str, str]]:
    """(language, text) to learn from: the corpus rows not held out, then the prompt texts."""
    texts = [(row["lang"], text) for row in corpus_rows(root) if not held_out(row) for text in answers(row)]
    return texts + list(prompt_texts(root))


def learn(texts: Iterable[tuple[str, str]]) -> tuple[list[str], dict[str, bytes]]:
    """The languages (most text first) and, for each kept n-gram, its cost in each of them."""
    counts: dict[str, Counter] = {}
    for lang, text in texts:
        counts.setdefault(lang, Counter()).update(ngrams(text))
    languages = sorted(counts, key=lambda lang: (-sum(counts[lang].values()), lang))
    kept = sorted({gram for lang in languages for gram, _ in counts[lang].most_common(PER_LANGUAGE)})
    totals = {lang: sum(counts[lang][gram] for gram in kept) + ALPHA * len(kept) for lang in languages}
    return languages, {gram: bytes(min(255, round(-math.log((counts[lang][gram] + ALPHA) / totals[lang]) * SCALE))
                                   for lang in languages) for gram in kept}


def write_table(path: Path, languages: list[str], table: dict[str, bytes]) -> None:
    """The table as text: a header naming the languages, then one n-gram and its costs (hex) per line."""
    lines = ["languages\t" + "\t".join(languages)] + [f"{gram}\t{costs.hex()}" for gram, costs in table.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def decisions(guesser: LanguageGuesser, rows: list[dict], available: tuple[str, ...]) -> Counter:
    """How the bot's decision fares on each typed answer long enough to classify: right (its language when we have
    texts for it, else unsure), unsure when it could have said, or wrong."""
    outcome = Counter()
    for row in rows:
        for text in answers(row):
            if not long_enough(text):
                continue
            expected = row["lang"] if row["lang"] in available else None
            got = guesser.guess(text, available)
            outcome["right" if got == expected else "unsure" if got is None else "wrong"] += 1
    return outcome


def main(argv: list[str] | None = None) -> int:
    """Train the table and write it; with --report, also print the decisions on the held-out rows."""
    parser = argparse.ArgumentParser(prog="python -m bot train-languages", description=__doc__)
    parser.add_argument("--out", type=Path, default=TABLE, help="where to write the table (default: the shipped one)")
    parser.add_argument("--report", action="store_true", help="print the decisions on the held-out corpus rows")
    args = parser.parse_args(argv)
    root = package_prompts_dir()
    languages, table = learn(training_texts(root))
    write_table(args.out, languages, table)
    print(f"{args.out}: {len(table)} n-grams x {len(languages)} languages ({', '.join(languages)})", file=sys.stderr)
    if args.report:
        from bot.prompt_files import PromptFiles

        available = PromptFiles().languages
        outcome = decisions(LanguageGuesser(args.out), [r for r in corpus_rows(root) if held_out(r)], available)
        print(f"held-out answers: {dict(outcome)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
