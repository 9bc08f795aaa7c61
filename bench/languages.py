"""Our language classifier (bot/langid.py) against py3langid's, both restricted to the languages we have texts for,
deciding as the bot does (a clear language or unsure): on the corpus rows the table never saw, on a few sentences in
languages neither the table nor our texts know, and their load time and memory. Needs py3langid
(pip install -e '.[bench]')."""

import json
import subprocess
import sys
from collections import Counter

from _common import machine, table, target

from bot.cli.train_languages import answers, corpus_rows, held_out
from bot.core.languages import clear_language, long_enough
from bot.langid import LanguageGuesser
from bot.prompt_files import PromptFiles, package_prompts_dir

# Languages with no texts and no corpus rows: the right decision is always "unsure".
SENTENCES = {
    "ca": ["Ens vam conèixer a la conferència de Barcelona l'any passat",
           "M'agradaria parlar amb tu sobre el projecte de programari lliure"],
    "ro": ["Ne-am cunoscut la conferința din București anul trecut",
           "Aș vrea să discutăm despre proiectul tău de cercetare"],
    "cs": ["Potkali jsme se na konferenci v Praze minulý rok",
           "Rád bych s vámi probral váš projekt a spolupráci"],
    "sk": ["Stretli sme sa na konferencii v Bratislave minulý rok",
           "Chcel by som sa s vami porozprávať o projekte"],
    "hr": ["Upoznali smo se na konferenciji u Zagrebu prošle godine",
           "Želio bih razgovarati s tobom o tvom projektu"],
    "da": ["Vi mødtes på konferencen i København sidste år",
           "Jeg vil gerne tale med dig om dit projekt"],
    "no": ["Vi møttes på konferansen i Oslo i fjor",
           "Jeg vil gjerne snakke med deg om prosjektet ditt"],
    "fi": ["Tapasimme konferenssissa Helsingissä viime vuonna",
           "Haluaisin keskustella kanssasi projektistasi"],
    "hu": ["Tavaly találkoztunk a budapesti konferencián",
           "Szeretnék beszélni veled a projektedről"],
    "be": ["Мы пазнаёміліся на канферэнцыі ў Мінску ў мінулым годзе",
           "Я хацеў бы пагаварыць з вамі пра ваш праект"],
    "bg": ["Запознахме се на конференцията в София миналата година",
           "Бих искал да поговорим за твоя проект"],
    "sr": ["Упознали смо се на конференцији у Београду прошле године",
           "Желео бих да разговарам са тобом о пројекту"],
    "kk": ["Біз өткен жылы Алматыдағы конференцияда таныстық",
           "Мен сіздің жобаңыз туралы сөйлескім келеді"],
    "el": ["Γνωριστήκαμε στο συνέδριο στην Αθήνα πέρσι",
           "Θα ήθελα να μιλήσουμε για το έργο σου"],
    "ja": ["去年の東京のカンファレンスでお会いしました 本当に 楽しかった です",
           "あなたの プロジェクト について 話したい です"],
    "zh": ["我们 去年 在 北京 的 会议上 认识",
           "我 想 和 你 谈谈 你的 项目"],
    "ko": ["작년에 서울 컨퍼런스에서 만났어요 정말 반가웠어요",
           "당신의 프로젝트에 대해 이야기하고 싶어요"],
    "he": ["נפגשנו בכנס בתל אביב בשנה שעברה",
           "אני רוצה לדבר איתך על הפרויקט שלך"],
    "vi": ["Chúng tôi đã gặp nhau tại hội nghị ở Hà Nội năm ngoái",
           "Tôi muốn nói chuyện với bạn về dự án của bạn"],
    "gl": ["Coñecémonos na conferencia de Santiago o ano pasado",
           "Gustaríame falar contigo sobre o teu proxecto"],
    "af": ["Ons het verlede jaar by die konferensie in Kaapstad ontmoet",
           "Ek wil graag met jou oor jou projek praat"],
    "sw": ["Tulikutana kwenye mkutano huko Nairobi mwaka jana",
           "Ningependa kuzungumza nawe kuhusu mradi wako"],
    "ms": ["Kami berjumpa di persidangan di Kuala Lumpur tahun lepas",
           "Saya ingin berbincang dengan anda tentang projek anda"],
    "az": ["Keçən il Bakıdakı konfransda tanış olduq",
           "Sizinlə layihəniz haqqında danışmaq istərdim"],
    "uz": ["Oʻtgan yili Toshkentdagi konferensiyada tanishgan edik",
           "Siz bilan loyihangiz haqida gaplashmoqchi edim"],
    "lt": ["Susipažinome konferencijoje Vilniuje pernai metais",
           "Norėčiau su jumis pasikalbėti apie jūsų projektą"],
}

LOAD = """
import sys, time
def kb(field):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field))
import bot.app
before, started = kb("VmRSS:"), time.perf_counter()
if sys.argv[1] == "ours":
    from bot.langid import SHARED_GUESSER
    SHARED_GUESSER.load()
    SHARED_GUESSER.rank("Hoje é um bom dia para escrever código")
else:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier
    kept = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    kept.rank("Hoje é um bom dia para escrever código")
print(time.perf_counter() - started, kb("VmRSS:") - before, kb("VmHWM:") - before)
"""


def load_cost(which: str) -> tuple[float, float, float]:
    """Seconds to load and classify once, resident MB added, peak MB added, in a fresh `import bot.app` process."""
    out = subprocess.run([sys.executable, "-c", LOAD, which], capture_output=True, text=True, check=True).stdout
    seconds, rss_kb, peak_kb = (float(x) for x in out.split())
    return seconds, rss_kb / 1024, peak_kb / 1024


def outcome(got: str | None, expected: str | None) -> str:
    """right, unsure (when it could have said) or wrong."""
    return "right" if got == expected else "unsure" if got is None else "wrong"


def main() -> None:
    """Classify, compare, report."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ours = LanguageGuesser()
    available = PromptFiles().languages
    deciders = {"ours": lambda text: ours.guess(text, available),
                "py3langid": lambda text: clear_language(identifier.rank(text), available)}
    held = [(row["lang"] if row["lang"] in available else None, text)
            for row in corpus_rows(package_prompts_dir()) if held_out(row)
            for text in answers(row) if long_enough(text)]
    foreign = [(None, text) for texts in SENTENCES.values() for text in texts]
    results = {}
    for name, decide in deciders.items():
        results[name] = {"held_out": Counter(outcome(decide(text), want) for want, text in held),
                         "foreign": Counter(outcome(decide(text), want) for want, text in foreign),
                         "load": load_cost(name)}
    print(f"bench/languages.py: {len(held)} held-out corpus answers of 4+ words, {len(foreign)} sentences in "
          f"{len(SENTENCES)} languages without texts; available: {', '.join(available)}; {machine()}\n")
    rows = []
    for name, r in results.items():
        h, f = r["held_out"], r["foreign"]
        rows.append([name, f"{h['right']} / {h['unsure']} / {h['wrong']}", f"{f['right']} / {f['wrong']}",
                     f"{r['load'][0] * 1000:.0f} ms", f"{r['load'][1]:.1f} MB", f"{r['load'][2]:.1f} MB"])
    print(table(["classifier", "held-out right / unsure / wrong", "unknown languages unsure / wrong", "load",
                 "resident", "peak"], rows))
    print()
    mine, base = results["ours"], results["py3langid"]
    print(target("held-out right >= py3langid's", f"{mine['held_out']['right']} vs {base['held_out']['right']}",
                 mine["held_out"]["right"] >= base["held_out"]["right"]))
    print(target("held-out wrong <= py3langid's", f"{mine['held_out']['wrong']} vs {base['held_out']['wrong']}",
                 mine["held_out"]["wrong"] <= base["held_out"]["wrong"]))
    print("RESULT " + json.dumps({"bench": "languages", **{
        name: {"held_out": dict(r["held_out"]), "foreign": dict(r["foreign"]), "load_s": round(r["load"][0], 3),
               "resident_mb": round(r["load"][1], 1), "peak_mb": round(r["load"][2], 1)}
        for name, r in results.items()}}))


if __name__ == "__main__":
    main()
