"""The assessor (bot.assess) on our own wording, the phrase lists, and the dev-set targets."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from bot.cli.assess import read_requests, score
from bot.core.assess import PhrasebookError, assess, followup_question
from bot.prompt_files import phrase_list_dirs, read_phrasebook

REPO = Path(__file__).resolve().parents[1]
DEV_SET = REPO.parent / "shared" / "screening-dev.jsonl"


@pytest.fixture(scope="module")
def pb():
    return read_phrasebook(phrase_list_dirs(None))


def run(pb, how, why="", lang="en", source=None, **more):
    return assess({"how": how, "why": why, **more}, start_source=source, lang=lang, phrasebook=pb)


# --- generic -----------------------------------------------------------------------------------------------

GENERIC = [
    ("LinkedIn", "Hi! I'd like to join your LinkedIn network.", "en"),
    ("Found your profile", "Your profile caught my eye — it would be great to connect and share ideas.", "en"),
    ("Xing", "I noticed we share similar interests. Hoping to connect!", "en"),
    ("We both work at SAP", "As someone I trust and know, I'd love to have you in my network.", "en"),
    ("LinkedIn", "Hi, I'm a talent partner at Hays. Your profile looks like a great match for a number of "
                 "exciting roles I'm recruiting for. Open to a chat?", "en"),
    ("Xing", "Ich bin immer daran interessiert, mein Netzwerk zu erweitern.", "de"),
    ("Xing", "Ich würde Sie gerne zu meinem beruflichen Netzwerk hinzufügen.", "de"),
    ("LinkedIn", "Me gustaría agregarte a mi red profesional.", "es"),
    ("Me encontré con tu perfil", "Me encantaría conectar contigo y ampliar mi red profesional.", "es"),
    ("LinkedIn", "Bonjour, je serais ravi de vous compter parmi mes relations professionnelles.", "fr"),
    ("LinkedIn", "Je souhaiterais vous ajouter à mon réseau professionnel.", "fr"),
    ("LinkedIn", "Хотел бы добавить вас в свою профессиональную сеть.", "ru"),
    ("LinkedIn", "Gostaria de adicioná-lo à minha rede profissional.", "pt"),
]


@pytest.mark.parametrize("how,why,lang", GENERIC)
def test_template_note_is_generic(pb, how, why, lang):
    a = run(pb, how, why, lang)
    assert a.generic, a.signals
    assert any(s.flag == "generic" for s in a.signals)


def test_template_followed_by_a_sentence_about_the_owner_is_not_generic(pb):
    a = run(pb, "Saw your profile", "Hope this message finds you well. I saw your talk at FOSDEM on Nix flakes and "
            "we're migrating 40 repos — could I ask how you handled secrets?")
    assert not a.generic
    assert a.tie == "strong" and a.action == "accept"


def test_mass_sales_pitch_counts_as_generic_but_one_written_for_the_owner_does_not(pb):
    mass = run(pb, "Saw your website", "I help coaches like you get 5 new clients a week with Facebook ads. "
               "Want to hop on a call?")
    assert mass.pitch and mass.generic
    personal = run(pb, "We met at RailsConf in Detroit, at the Heroku booth",
                   "Great to meet you! I'd love to show you CloserAI, our sales assistant. Quick 15-min demo?")
    assert personal.pitch and not personal.generic


# --- pitch -------------------------------------------------------------------------------------------------

PITCH = [
    ("Saw your company page", "We're a growth marketing studio and can double your inbound leads in 60 days. "
                              "Shall I send over a quick proposal?", "en"),
    ("Other", "Our platform helps founders automate bookkeeping — can I book 15 minutes to show you a demo?", "en"),
    ("Twitter", "Get in early on our token presale, 10x returns expected by Q3!", "en"),
    ("We both work at Zalando", "I sell handmade candles on the side, 20% off for colleagues this month!", "en"),
    ("You showed up in my suggestions", "Hey babe! I have an incredible business opportunity that lets me work "
                                        "from home. Open to hearing more?", "en"),
    ("Google", "Wir sind eine SEO-Agentur und bringen Ihre Website auf Seite 1 bei Google. Kostenlose Analyse?", "de"),
    ("Google", "Wir bieten Ihnen eine kostenlose Erstberatung für Ihre Altersvorsorge an.", "de"),
    ("Instagram", "Somos una agencia de marketing y te ayudamos a conseguir más clientes. ¿Te envío nuestra "
                  "propuesta?", "es"),
    ("Vi tu web", "Te ofrezco mis servicios de diseño web a precio especial esta semana.", "es"),
    ("Votre site", "Nous sommes une agence web et proposons un audit gratuit de votre site.", "fr"),
    ("Нашел в интернете", "Мы — маркетинговое агентство, поможем привлечь клиентов. Бесплатный аудит!", "ru"),
    ("Telegram", "Мы — веб-студия, делаем сайты под ключ. Скидка 30% до конца месяца!", "ru"),
    ("Instagram", "Oferecemos consultoria gratuita para sua empresa crescer. Posso mandar os detalhes?", "pt"),
    ("Instagram", "Olá! Trabalho com marketing digital e posso triplicar seus seguidores em 30 dias.", "pt"),
]


@pytest.mark.parametrize("how,why,lang", PITCH)
def test_sales_pitch_is_flagged_and_declined(pb, how, why, lang):
    a = run(pb, how, why, lang)
    assert a.pitch, a.signals
    assert a.action == "decline"
    assert followup_question(a) is None


@pytest.mark.parametrize("how,why", [
    ("LinkedIn search for Go + payments", "We're hiring a Senior Backend Engineer at Mollie in Amsterdam, €110k + "
                                          "equity. Would you be open to a 20-minute call this week?"),
    ("cold email, sorry", "We're building an open-source CAD kernel (OpenCascade fork) and need a reviewer for the "
                          "NURBS module; paid, 10 hours/month. Interested?"),
    ("Saw your launch on Product Hunt", "Nice launch! I'm a seed investor in developer tools and would like to "
                                        "learn more about what you're working on."),
])
def test_job_offers_and_offers_to_the_owner_are_not_pitches(pb, how, why):
    assert not run(pb, how, why).pitch


# --- creepy ------------------------------------------------------------------------------------------------

CREEPY = [
    ("I've noticed you jogging past my window every morning", "figured I'd finally say hello", "en"),
    ("I followed you home from the station last week", "wanted to talk", "en"),
    ("The barista at your café told me your full name and I found you here", "You seem nice", "en"),
    ("I asked the receptionist at your gym which days you come in", "so I could bump into you", "en"),
    ("Used a reverse image search on a photo I took of you at the park", "You looked cool", "en"),
    ("Ich weiß, wo du wohnst, hab dich gestern mit deinem Hund gesehen", "Würde dich gern kennenlernen", "de"),
    ("Sé dónde vives, te vi salir de tu casa esta mañana", "quiero conocerte", "es"),
    ("Je vous vois tous les matins à l'arrêt de bus", "vous avez un beau sourire", "fr"),
    ("Я знаю, где ты живёшь, видел тебя у подъезда", "хочу познакомиться", "ru"),
    ("Vi você na academia e peguei seu número com a recepção", "quero te conhecer melhor", "pt"),
]


@pytest.mark.parametrize("how,why,lang", CREEPY)
def test_tracking_is_creepy_and_declined(pb, how, why, lang):
    a = run(pb, how, why, lang)
    assert a.creepy, a.signals
    assert a.action == "decline"
    assert followup_question(a) is None


def test_directory_listing_and_social_follow_are_not_creepy(pb):
    a = run(pb, "Found your number in the phone book, we're on the same street in Leeds",
            "I organise the Hyde Park street party on 6 July and wondered if you'd like a stall for your pottery?")
    assert not a.creepy and a.tie == "weak"
    assert not run(pb, "I've followed you on Twitter for years", "big fan of your threads on Postgres").creepy


def test_tracking_keeps_a_real_shared_context_as_the_tie(pb):
    a = run(pb, "We both work at Bosch — I looked up your home address in the HR system",
            "We could share rides sometime, I've noticed your bike outside.")
    assert a.creepy and a.tie == "weak" and a.action == "decline"


@pytest.mark.parametrize("how,why", [
    ("LinkedIn", "We're hiring a Head of Data at Oura in Helsinki (hybrid, €150k + equity). Would you be open to a "
                 "30-minute call?"),
    ("Other — I'm your new neighbour at number 12", "We just moved in with a toddler; would you like to come over "
                                                  "for coffee on Sunday?"),
    ("We're both volunteers at the Lisbon food bank", "You mentioned you do photography — could you take some photos "
     "at our fundraiser on 3 May? We can't pay much but can cover lunch."),
    ("Twitter", "I'm a journalist at Le Monde writing about remote work. Could I interview you for 15 minutes?"),
    ("Me recomendó Ana Torres de Cabify", "Estoy preparando una charla para la PyConES de Granada. ¿Podría hacerte "
                                          "tres preguntas?"),
    ("Nous avons travaillé ensemble chez Doctolib en 2019", "Je lance une petite boîte de conseil et j'aimerais ton "
                                                           "avis sur les tarifs. Un café la semaine prochaine ?"),
    ("Мы познакомились на HighLoad++ в Москве в 2019", "Можно задать пару вопросов про шардирование?"),
    ("Li seu artigo 'Times pequenos vencem' no blog", "Aplicamos a ideia na Nubank. Você toparia um painel em São "
                                                      "Paulo em 12 de outubro?"),
])
def test_specific_honest_messages_raise_no_flags(pb, how, why):
    a = run(pb, how, why, lang=None)
    assert not (a.generic or a.pitch or a.creepy or a.vague), a.signals
    assert a.action == "accept" or (a.action == "ask" and a.tie == "weak")


# --- vague -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how,why", [
    ("online", "connect"),
    ("the internet", "curious"),
    ("a coworker", "want career advice"),
    ("Met in person", "nice to meet u"),
    ("Read your work", "nice"),
    ("I'd rather not say", "no reason"),
    ("GitHub", "your repo"),
    ("We met at GopherCon Singapore!!", "hey"),
])
def test_thin_or_evasive_answers_are_vague(pb, how, why):
    assert run(pb, how, why).vague


@pytest.mark.parametrize("how,why", [
    ("I'd like to publish a German translation of your essay 'Small Teams Win' on our blog. Your point about "
     "reviews convinced our VP last year.", "as above"),
    ("podcast", "Episode 48 (on layoffs) — I used your 'three-column' exercise and negotiated 4 months of severance."),
    ("Search", "I'm organising PyData Lagos (14 Sep) and need a speaker on time-series forecasting. Interested?"),
])
def test_a_short_answer_is_not_vague_when_the_other_supplies_specifics(pb, how, why):
    assert not run(pb, how, why).vague


# --- tie ---------------------------------------------------------------------------------------------------

TIES = [
    # strong: met at a named event or place
    ("We shared a panel at DevOpsDays Zurich 2023", "You mentioned your team was moving off Jenkins; I'd love to "
     "compare notes on the GitHub Actions runners.", "en", "strong"),
    ("Met in person — at PyCon", "great chatting about typing!", "en", "strong"),
    ("Nos conocimos en la PyConES de Zaragoza, hablamos de Django", "¿Tienes las diapositivas de tu charla?", "es",
     "strong"),
    ("Conheci você no TDC São Paulo, no estande da Nubank", "Quero ajudar com testes em leitores de tela.", "pt",
     "strong"),
    # strong: worked or studied together on something named
    ("I was your intern at Shopify in 2019", "I'd love your advice on structuring on-call.", "en", "strong"),
    ("We were roommates at Oxford", "hey! long time. want to catch up?", "en", "strong"),
    ("Мы вместе работали в Яндексе над Алисой в 2018", "Хочу посоветоваться, найдется 20 минут?", "ru", "strong"),
    # strong: introduced by a named person
    ("Anna Müller from Zalando introduced us by email", "Could I show you a 10-minute walkthrough?", "en", "strong"),
    ("Referred by someone — Tomás Ruiz", "He said you know Kafka rebalancing inside out.", "en", "strong"),
    ("Marie Dubois m'a donné votre contact", "J'aimerais vous poser 3 questions sur LuaJIT.", "fr", "strong"),
    # strong: a named piece of work and something concrete about it
    ("Read your book 'Practical Observability'", "Chapter 7 on tail sampling changed how we alert at Grafana.",
     "en", "strong"),
    ("github", "Your repo 'tinyhttp' saved my weekend — I used it for a kiosk for 200 students.", "en", "strong"),
    # weak
    ("We're both members of the Berlin Rust user group", "would be cool to grab a coffee", "en", "weak"),
    ("I live in your city", "I'd like to meet more people who work in design", "en", "weak"),
    ("Your name showed up in the company Slack directory", "I'm new and looking for a mentor", "en", "weak"),
    ("Saw your tweet about Kubernetes costs", "would love to chat", "en", "weak"),
    ("I was at your talk at NDC Oslo", "really enjoyed it", "en", "weak"),
    ("my neighbour told me about you", "I'm thinking about studying architecture", "en", "weak"),
    ("We have a lot of mutual connections", "Let's talk sometime about product design.", "en", "weak"),
    ("Durch eine Freundin", "würde gern mal quatschen", "de", "weak"),
    ("Vi sua palestra no YouTube", "Gostei muito", "pt", "weak"),
    # none
    ("long story", "let's talk", "en", "none"),
    ("idk", "to chat", "en", "none"),
    ("Cold message, we have no mutual contacts.", "We're hiring an Android engineer in Tallinn, €80k. Interested?",
     "en", "none"),
    ("", "hello", "en", "none"),
]


@pytest.mark.parametrize("how,why,lang,tie", TIES)
def test_tie(pb, how, why, lang, tie):
    a = run(pb, how, why, lang)
    assert a.tie == tie, (a.tie_reason, a.signals)
    assert a.tie_reason


def test_found_via_search_caps_the_tie_at_weak(pb):
    a = run(pb, "LinkedIn search for Rust + embedded", "Your RustConf talk on no_std allocators is exactly what "
            "we need: I used your arena trick in our firmware. We're hiring a Principal Engineer, €130k. Chat?")
    assert a.tie == "weak" and a.tie_reason == "found via search"


# --- action ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how,why,action", [
    ("Referred by someone — Tomás Ruiz", "He said you know everything about Kafka rebalancing; we are stuck with "
     "consumer lag at 2M messages.", "accept"),
    ("Search", "I'm the program chair of RustFest Lisbon (12–14 June). Would you give the opening keynote? We "
     "cover travel and a €1,000 honorarium.", "accept"),
    ("cold email, sorry", "We need a reviewer for the NURBS module of OpenCascade; paid, 10 hours/month. "
     "Interested?", "accept"),
    ("LinkedIn", "I'm a Senior Engineer at Spotify in Stockholm and would love to connect sometime.", "ask"),
    ("We did the distributed systems project together at ETH Zurich (2016)",
     "I'd like to add you to my professional network.", "ask"),
    ("Saw your profile", "I'm thinking about moving into product management one day, would be fun to chat", "ask"),
    ("Other", "I'd like to be friends", "decline"),
    ("hello", "hello", "decline"),
])
def test_action(pb, how, why, action):
    a = run(pb, how, why)
    assert a.action == action, a.reason


def test_reason_names_the_flags_and_the_tie(pb):
    a = run(pb, "phone book, we're both in Cork", "I'm looking to connect with like-minded people in the area.")
    assert a.action == "ask"
    assert a.reason == "template note, weak tie (directory listing)"
    generic = [s for s in a.signals if s.flag == "generic"]
    assert generic and generic[0].phrase == "like-minded people" and generic[0].field == "why"


# --- summary -----------------------------------------------------------------------------------------------

def _words(text):
    return set(re.findall(r"\w+", text.casefold()))


@pytest.mark.parametrize("how,why", [
    ("We spoke at KubeCon EU 2024 after your talk on cluster autoscaling — I was the one asking about Karpenter.",
     "You said to get in touch about the scheduler plugin. I have a prototype now (kube-binpack on GitHub) and "
     "would love 20 min of feedback on whether to upstream it. " * 3),
    ("Met in person — at the Helsinki Data Engineering meetup in March", "Hi! 👋 hope you're well"),
    ("random 🙂", "Hello dear 🌹 I earn 3,000$ a week trading crypto with my mentor Mrs. Smith, I can teach you"),
    ("Видела вас в бассейне на Садовой, взяла ваш номер у тренера",
     "Давайте познакомимся. Я знаю, что вы плаваете по четвергам в 8 вечера."),
    ("found you via " + "a friend of a friend " * 20, "y " * 200),
])
def test_summary_is_short_and_made_of_the_answers_words(pb, how, why):
    a = run(pb, how, why)
    assert 0 < len(a.summary) <= 120
    assert _words(a.summary) <= _words(how + " " + why)
    assert not re.search(r"[\U0001F000-\U0001FAFF]", a.summary)


def test_summary_of_one_endless_word_still_fits(pb):
    assert len(run(pb, "x" * 300, "z" * 700).summary) <= 120


def test_long_summary_is_cut_at_a_word_with_an_ellipsis(pb):
    how = "We were on the same team at Spotify, backend for Discover Weekly 2016-17 — I sat two desks over"
    why = "I'm starting a small consultancy for recommender systems and wanted to reconnect after all these years."
    a = run(pb, how, why)
    assert len(a.summary) <= 120 and "…" in a.summary
    assert a.summary.startswith("We were on the same team at Spotify")
    assert _words(a.summary) <= _words(how + " " + why)  # no word cut in half


# --- follow-up ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how,why,question", [
    ("google", "networking", "how"),                                           # vague how
    ("Other", "Since you are someone I know and trust, I'd like to add you to my network.", "how"),  # no tie
    ("Saw one of your videos", "I'm switching careers into data and would love some advice.", "how"),  # weak tie
    ("We both work at SAP", "I'd like to add you to my professional network.", "why"),  # generic reason
    ("We met at GopherCon Singapore!!", "hey", "why"),                          # vague reason
    ("We met at JSConf Budapest after your talk", "You said to send you my WebGL bug repro; here it is, "
     "it crashes on Safari 17 with 10k particles. Could you take a look?", None),  # accept: nothing to ask
    ("Twitter", "Get in early on our token presale, 10x returns expected by Q3!", None),  # pitch
])
def test_followup_question(pb, how, why, question):
    assert followup_question(run(pb, how, why)) == question


def test_followup_answer_is_used_in_the_reassessment(pb):
    before = run(pb, "Met in person", "nice to meet u")
    assert before.vague and followup_question(before) == "how"
    after = run(pb, "Met in person", "nice to meet u",
                followup="At the Leeds Python meetup in May, we talked about your pytest plugin.")
    assert after.tie == "strong" and not after.vague and after.action == "accept"


# --- start source ------------------------------------------------------------------------------------------

def test_start_source_that_contradicts_the_answer_is_noted(pb):
    a = run(pb, "Search", "I'm organising a meetup and need a speaker. Interested?", source="pycon25")
    assert a.source_mismatch == "came via link 'pycon25' but says: Search"
    assert run(pb, "Twitter", "hi there friend", source="linkedin").source_mismatch is not None
    assert run(pb, "LinkedIn", "hi", source="linkedin").source_mismatch is None
    assert run(pb, "conference", "loved your talk", source="pycon25").source_mismatch is None
    assert run(pb, "a friend", "need help with my CV", source="newsletter").source_mismatch is None
    assert run(pb, "Search", "hi", source=None).source_mismatch is None


# --- phrase lists ------------------------------------------------------------------------------------------

def test_owner_phrase_list_extends_the_defaults(tmp_path):
    (tmp_path / "assess").mkdir()
    (tmp_path / "assess" / "mine.toml").write_text('[generic]\nen = ["let us be pen ?pals"]\n'
                                                   '[pitch]\nde = ["mein Kochkurs"]\n', encoding="utf-8")
    default = read_phrasebook(phrase_list_dirs(None))
    owner = read_phrasebook(phrase_list_dirs(tmp_path))
    note = {"how": "Found your blog via Google", "why": "Let us be penpals and write letters!"}
    assert not assess(note, start_source=None, lang="en", phrasebook=default).generic
    assert assess(note, start_source=None, lang="en", phrasebook=owner).generic
    pitch = {"how": "Instagram", "why": "Buch jetzt mein Kochkurs für Anfänger"}
    assert assess(pitch, start_source=None, lang="de", phrasebook=owner).pitch
    # the shipped entries are still there
    assert "expand" in " ".join(owner.entries["generic"]) and len(owner.entries["generic"]) > 2


def test_default_dirs_skip_an_override_without_assess_folder(tmp_path):
    assert phrase_list_dirs(tmp_path) == phrase_list_dirs(None)
    assert phrase_list_dirs(None)[0].name == "assess"


@pytest.mark.parametrize("content,message", [
    ('[generic]\nen = ["(unclosed"]\n', r"bad\.toml: \[generic\] '\(unclosed'"),
    ('[generic]\nen = ["(?P<name>x)"]\n', "named groups are not allowed"),
    ('[generic]\nen = "not a list"\n', "must be a table of lists of strings"),
    ('[generic\n', r"bad\.toml"),
])
def test_bad_phrase_list_is_reported_with_its_file(tmp_path, content, message):
    (tmp_path / "bad.toml").write_text(content, encoding="utf-8")
    with pytest.raises(PhrasebookError, match=message):
        read_phrasebook([tmp_path])


def test_missing_phrase_list_folder_is_an_error(tmp_path):
    with pytest.raises(PhrasebookError, match="not found"):
        read_phrasebook([tmp_path / "nope"])


def test_fast_phrase_lookup_finds_what_plain_regexes_find(pb):
    """The phrasebook's index and lower-case compilation are only for speed: they must not lose a match."""
    from bot.core.assess.phrasebook import fold, fold_pattern

    texts = [fold(x)[0] for case in GENERIC + PITCH + CREEPY + TIES for x in case[:2]]
    if DEV_SET.exists():
        texts += [fold(json.loads(line)[k])[0] for line in DEV_SET.read_text(encoding="utf-8").splitlines()
                  for k in ("how", "why")]
    for signal, entries in pb.entries.items():
        plain = [re.compile(rf"(?<!\w)(?:{fold_pattern(e)})(?!\w)", re.IGNORECASE) for e in entries]
        for text in texts:
            found = [(h.start, h.end) for h in pb.find(signal, text)]
            expected = {m.span() for rx in plain for m in rx.finditer(text)}
            assert set(found) <= expected, (signal, text)
            for s, e in expected:  # every plain match is covered by a found one
                assert any(fs < e and s < fe for fs, fe in found), (signal, text, text[s:e])


def test_every_signal_the_assessor_uses_is_shipped(pb):
    """A typo in a signal name would silently match nothing: check the names used in the code exist."""
    call = re.compile(r"""(?:hits|find|search|is_word|match_start|alternatives)\((?:pb, )?["']([a-z_.]+)["']""")
    used = {f"quick_reply.{k}" for k in ("met", "referred", "read", "search", "other")}
    for name in ("rules.py", "text.py"):
        used |= set(call.findall((REPO / "bot" / "core" / "assess" / name).read_text(encoding="utf-8")))
    from bot.core.assess.rules import WEAK_KINDS
    used |= {f"weak.{k}" for k in WEAK_KINDS}
    assert len(used) > 25
    assert sorted(s for s in used if s not in pb.entries) == []


@pytest.mark.parametrize("signal", ["generic", "pitch", "creepy"])
def test_core_lists_cover_six_languages(signal):
    import tomllib
    data = tomllib.loads((REPO / "prompts" / "assess" / f"{signal}.toml").read_text(encoding="utf-8"))
    assert {"en", "de", "es", "fr", "ru", "pt"} <= set(data[signal])


# --- speed --------------------------------------------------------------------------------------

def test_no_regex_is_compiled_per_assessment(pb, monkeypatch):
    cases = GENERIC + PITCH + CREEPY
    for how, why, lang in cases:  # warm up: composed patterns are built once per phrasebook
        run(pb, how, why, lang)

    def refuse(*args, **kwargs):
        raise AssertionError("re.compile called while assessing")

    monkeypatch.setattr(re, "compile", refuse)
    started = time.perf_counter()
    for _ in range(3):
        for how, why, lang in cases:
            run(pb, how, why, lang)
    rate = 3 * len(cases) / (time.perf_counter() - started)
    assert rate > 100  # in practice well over a thousand a second


# --- the dev set -------------------------------------------------------------------------------------------

def test_dev_set_meets_the_targets(pb):
    if not DEV_SET.exists():
        pytest.skip(f"{DEV_SET} is not here")
    rows = list(read_requests(DEV_SET.read_text(encoding="utf-8").splitlines(), str(DEV_SET)))
    scores = score(rows, pb, str(DEV_SET))
    for label in ("generic", "pitch", "creepy"):
        assert scores.prf(label)[2] >= 0.9, label
    assert scores.accuracy("tie") >= 0.85
    assert scores.accuracy("action") >= 0.8


def test_dev_set_summaries_fit_the_card(pb):
    if not DEV_SET.exists():
        pytest.skip(f"{DEV_SET} is not here")
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        a = run(pb, row["how"], row["why"], row["lang"], row["start_source"])
        assert 0 < len(a.summary) <= 120
        assert _words(a.summary) <= _words(row["how"] + " " + row["why"])
