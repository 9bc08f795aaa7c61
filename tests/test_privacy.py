"""Export and erasure: /export files, /forget after a confirmation, /forget_me, RETENTION_DAYS, and the command-line
tools; counts in /stats and the weekly summary stay right after anything is erased."""

import csv
import gzip
import io
import json
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

from helpers.flows import answer_all, requests
from helpers.world import OWNER, REVIEWER

from bot.cli.export import main as export_main
from bot.cli.forget import main as forget_main
from bot.core.weekly import week_so_far
from bot.flow.summaries import render_summary, stats_text
from bot.flow.upkeep import run_upkeep
from bot.jobs import deps_of, on_start

GROUP = -1001234567890
# Everything Ada tells the bot (and the bot stores about her): none of it may survive /forget.
ADA_WORDS = ("Ada", "Lovelace", "ada", "PyCon 2025", "feedback on my parser", "Analytical <engines>")


async def ada_asks_and_is_accepted(driver, stranger, owner):
    await driver.send(stranger, "/start")
    question = driver.last(stranger["id"])
    await driver.press(stranger, stranger["id"], question["message_id"], driver.button(question, "v1:pick:"))
    await driver.send(stranger, "at PyCon 2025, your Rust talk")
    await driver.send(stranger, "I'd like feedback on my parser")
    assert not await driver.answer_followup(stranger), "her answers need no automatic follow-up"
    # The reviewer asks one question of their own, so a follow-up (question and reply) is stored too.
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:ask:"))
    await driver.send(owner, "Which PyCon 2025 talk?")
    await driver.send(stranger, "Lovelace here: the Analytical <engines> meetup")
    await driver.send(stranger, "Lovelace again: any news?")  # added to her card while she waits
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:accept:"))


async def bob_is_pending(driver, fake_api) -> dict:
    bob = fake_api.user(5002, "Bob", "Babbage", username="bob")
    await driver.send(bob, "/start")
    await answer_all(driver, bob, more="at the difference engine meetup", why="I want to talk about gears")
    return bob


def text_cells(db) -> list[tuple[str, str, str]]:
    """Every text value in every column of every table: (table, column, value)."""
    cells = []
    tables = [r["name"] for r in db.query("select name from sqlite_master where type = 'table'")]
    for table in tables:
        columns = [r["name"] for r in db.query(f"pragma table_info({table})")]
        for row in db.query(f"select * from {table}"):
            cells += [(table, c, row[c]) for c in columns if isinstance(row[c], str)]
    return cells


def counts(driver, db) -> tuple[str, str]:
    """The /stats table a week later (this week complete) and this week's summary a day later, as the reviewers
    would read them."""
    deps = deps_of(driver.app)
    later = deps.now()
    stats = stats_text(replace(deps, clock=lambda: later + timedelta(days=7)), [])
    window = week_so_far(later + timedelta(days=1), deps.settings.summary_day, deps.settings.timezone)
    return stats, render_summary(replace(deps, clock=lambda: later + timedelta(days=1)), window, so_far=True)[0]


# -- /export ----------------------------------------------------------------------------------


async def test_export_sends_csv_and_json_lines_files_of_requests_answers_and_decisions(driver, fake_api, db,
                                                                                       stranger, owner):
    await ada_asks_and_is_accepted(driver, stranger, owner)
    await bob_is_pending(driver, fake_api)
    await driver.send(owner, "/export")
    sends = fake_api.calls_to("sendDocument")
    assert [s["document"]["filename"] for s in sends] == ["doorman-export-2026-11-23.csv",
                                                          "doorman-export-2026-11-23.jsonl"]
    assert all(s["chat_id"] == OWNER for s in sends)
    name, content = fake_api.document(OWNER, 0)
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert [(r["id"], r["status"], r["username"]) for r in rows] == [("1", "accepted", "ada"), ("2", "pending", "bob")]
    assert rows[0]["answer_why"] == "I'd like feedback on my parser" and rows[0]["decided_by_name"] == "Olga Owner"
    assert rows[0]["answer_how"] == "Met in person" and "PyCon 2025" in rows[0]["answer_how:more"]
    _, content = fake_api.document(OWNER, 1)
    lines = [json.loads(line) for line in content.decode().splitlines()]
    assert lines[1]["answers"]["why"] == "I want to talk about gears" and lines[1]["first_name"] == "Bob"
    assert "2 requests" in fake_api.sent_to(OWNER)[-1]["caption"]
    assert [(e["actor_id"], e["detail"]) for e in db.query("select * from events where kind = 'exported'")] == [
        (OWNER, "csv,jsonl")]

    await driver.send(owner, "/export jsonl")
    assert fake_api.calls_to("sendDocument")[-1]["document"]["filename"].endswith(".jsonl") and len(
        fake_api.calls_to("sendDocument")) == 3
    await driver.send(owner, "/export pdf")
    assert "Usage: /export" in driver.last(OWNER)["text"] and len(fake_api.calls_to("sendDocument")) == 3


async def test_an_export_too_big_for_telegram_is_gzipped_or_pointed_to_the_command_line(driver, fake_api, db,
                                                                                         stranger, owner,
                                                                                         monkeypatch):
    import bot.flow.privacy as privacy

    await ada_asks_and_is_accepted(driver, stranger, owner)
    await bob_is_pending(driver, fake_api)
    raw = privacy.export_files(deps_of(driver.app), ("csv",))[1][0][1]
    monkeypatch.setattr(privacy, "FILE_LIMIT", len(raw) - 1)  # as if the file were just over Telegram's 50 MB
    await driver.send(owner, "/export csv")
    [sent] = fake_api.calls_to("sendDocument")
    assert sent["document"]["filename"] == "doorman-export-2026-11-23.csv.gz"
    name, content = fake_api.document(OWNER, 0)
    assert gzip.decompress(content) == raw and "(csv, gzip-compressed)" in fake_api.sent_to(OWNER)[-1]["caption"]

    monkeypatch.setattr(privacy, "FILE_LIMIT", 100)  # not even compressed
    await driver.send(owner, "/export csv")
    assert len(fake_api.calls_to("sendDocument")) == 1
    assert "larger than Telegram lets a bot send" in driver.last(OWNER)["text"]
    assert "python -m bot export" in driver.last(OWNER)["text"]


async def test_export_reads_in_another_thread_on_its_own_connection(driver, db, stranger, owner, monkeypatch):
    """A large export takes a while to read and shape: other people's updates must not wait for it."""
    import threading

    import bot.flow.privacy as privacy

    seen = []
    real = privacy.list_export

    def watched(database, since):
        seen.append((threading.get_ident(), database is db))
        return real(database, since)

    monkeypatch.setattr(privacy, "list_export", watched)
    await ada_asks_and_is_accepted(driver, stranger, owner)
    await driver.send(owner, "/export csv")
    assert len(seen) == 1 and seen[0][0] != threading.get_ident() and not seen[0][1], seen


async def test_export_with_nothing_stored_says_so(driver, fake_api, owner):
    await driver.send(owner, "/export")
    assert "Nothing to export yet" in driver.last(OWNER)["text"] and fake_api.calls_to("sendDocument") == []


async def test_export_cells_a_spreadsheet_would_run_are_defused(driver, fake_api, db, owner):
    mallory = fake_api.user(5003, "=HYPERLINK(\"x\")", username="mallory")
    await driver.send(mallory, "/start")
    await driver.send(owner, "/export csv")
    _, content = fake_api.document(OWNER)
    assert list(csv.DictReader(io.StringIO(content.decode())))[0]["first_name"] == "'=HYPERLINK(\"x\")"


# -- /forget ----------------------------------------------------------------------------------


async def test_forget_asks_first_then_erases_every_word_and_keeps_the_counts(driver, fake_api, db, stranger, owner):
    fake_api.user(5001, "Ada", "Lovelace", username="ada", is_premium=True, bio="Analytical <engines> fan")
    await ada_asks_and_is_accepted(driver, stranger, owner)
    assert db["request_signals"].get(1)["bio"] == "Analytical <engines> fan", "her bio, as Telegram showed it"
    await driver.send(stranger, "Analytical <engines> are my thing")  # a message after the decision
    bob = await bob_is_pending(driver, fake_api)
    before = counts(driver, db)
    assert [(f["question"], f["answer"]) for f in db.query("select * from followups where request_id = 1")] == [
        ("Which PyCon 2025 talk?", "Lovelace here: the Analytical <engines> meetup")], "follow-ups must go too"
    assert db["assessments"].get(1)["evidence"], "so are the assessor's quotes"

    await driver.send(owner, "/forget @ada")
    ask = driver.last(OWNER)
    assert "Erase everything stored about Ada Lovelace (@ada), id 5001?" in ask["text"]
    buttons = [b for row in ask["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["🗑 Erase 1 requests", "Cancel"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    await driver.press(owner, OWNER, ask["message_id"], buttons[1]["callback_data"])
    assert driver.last(OWNER)["text"] == "Nothing was erased." and requests(db)[0]["user_id"] == 5001

    await driver.send(owner, "/forget 5001")
    ask = driver.last(OWNER)
    await driver.press(owner, OWNER, ask["message_id"], driver.button(ask, "v1:forget:5001:yes"))
    assert [m for m in fake_api.sent_to(OWNER) if m["message_id"] == ask["message_id"]][0]["text"] == \
        "🗑 Erased: user 5001 and 1 request."

    left = [cell for cell in text_cells(db) if any(word in cell[2] for word in ADA_WORDS)]
    assert left == [], f"Ada's words are still stored: {left}"
    assert db["people"].get(5001)["standing"] == "allowed", "the id and standing stay (she was accepted)"
    assert {k for k, v in db["people"].get(5001).items() if v is not None} == {"user_id", "standing", "updated_at"}
    assert [(r["user_id"], r["status"]) for r in requests(db)] == [(0, "accepted"), (bob["id"], "pending")]
    assert list(db.query("select text from answers where request_id = 2 and question_key = 'why'"))[0]["text"] == \
        "I want to talk about gears", "someone else's answers stay"
    assert counts(driver, db) == before and "<b>Received:</b> 2" in before[1], "/stats and the summary count the same"
    card = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == requests(db)[0]["card_message_id"]][0]
    assert "Erased" in card["text"] and "Ada" not in card["text"] and not card.get("reply_markup")


async def test_forget_of_someone_unknown_says_so(driver, owner):
    await driver.send(owner, "/forget @nobody")
    assert "I don't know @nobody yet" in driver.last(OWNER)["text"]
    await driver.send(owner, "/forget")
    assert "Usage: /forget @username" in driver.last(OWNER)["text"]


async def test_non_reviewers_cannot_export_or_forget(driver, fake_api, db, stranger, owner):
    await ada_asks_and_is_accepted(driver, stranger, owner)
    mallory = fake_api.user(5666, "Mallory")
    for command in ("/export", "/forget @ada"):
        await driver.send(mallory, command)
        assert "only for the people who review requests" in driver.last(mallory["id"])["text"]
    fake_api.private_message(mallory, "hi")
    await driver.feed(fake_api.press_button(mallory, mallory["id"], 1, "v1:forget:5001:yes", check_buttons=False))
    assert fake_api.calls_to("sendDocument") == []
    assert requests(db)[0]["user_id"] == 5001 and db["people"].get(5001)["first_name"] == "Ada"
    assert len(list(db.query("select * from events where kind in ('refused_command', 'refused_press')"))) == 3


# -- /forget_me -------------------------------------------------------------------------------


async def test_forget_me_is_in_everyones_menu(driver, fake_api):
    await on_start(driver.app)
    default = [json.loads(k) for k in fake_api.commands]
    menu = fake_api.commands[json.dumps([{"type": "default"}, ""])]
    assert [c["command"] for c in menu] == ["start", "help", "forget_me"] and default


async def test_forget_me_withdraws_a_pending_join_request_and_erases_the_requester(driver, fake_api, db, stranger,
                                                                                   owner):
    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(fake_api.my_chat_member(GROUP, owner, "administrator"))
    await driver.feed(fake_api.join_request(stranger, GROUP, bio="Analytical <engines> fan"))
    await driver.send(stranger, "Met you at PyCon 2025")
    await driver.send(stranger, "I'd like feedback on my parser")
    await driver.answer_followup(stranger)
    assert requests(db)[0]["status"] == "pending"
    before = counts(driver, db)

    await driver.send(stranger, "/forget_me")
    assert driver.last(stranger["id"])["text"] == ("Done: everything I stored about you is erased, and your open "
                                                   "request is withdrawn.")
    assert fake_api.calls_to("declineChatJoinRequest")[-1] == {"chat_id": GROUP, "user_id": stranger["id"]}
    assert fake_api.join_requests[(GROUP, stranger["id"])]["pending"] is False
    [request] = requests(db)
    assert (request["user_id"], request["status"]) == (0, "withdrawn") and request["erased_at"].startswith("2026-11-23")
    card = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == request["card_message_id"]][0]
    assert "Withdrawn and erased" in card["text"] and not card.get("reply_markup")
    assert list(db.query("select * from people where user_id = ?", [stranger["id"]])) == [], \
        "with no standing to keep, the person's row goes"
    assert [c for c in text_cells(db) if any(w in c[2] for w in ADA_WORDS)] == []
    after = counts(driver, db)
    assert "<b>Received:</b> 1" in before[1] and "<b>Received:</b> 1" in after[1], "the request is still counted"
    assert "<b>Decided:</b> 1" in after[1] and "Ada" in before[1] and "Ada" not in after[1]
    assert "23 Nov    1" in before[0] and "23 Nov    1" in after[0], "/stats still counts it as received"


async def test_forget_me_with_nothing_stored(driver, fake_api, db):
    newcomer = fake_api.user(5004, "New")
    await driver.send(newcomer, "/forget_me")
    assert driver.last(newcomer["id"])["text"] == "Done: I keep nothing about you."
    assert requests(db) == []


# -- RETENTION_DAYS ---------------------------------------------------------------------------


async def test_retention_erases_old_requests_words_daily_and_keeps_counts(make_app, settings, db, fake_api, clock,
                                                                          stranger, owner, reviewer):
    for person in (owner, reviewer):
        fake_api.private_message(person, "/start")
    from helpers.world import Driver

    driver = Driver(await make_app(replace(settings, retention_days=30), db), fake_api)
    await ada_asks_and_is_accepted(driver, stranger, owner)
    clock.advance(days=20)
    bob = await bob_is_pending(driver, fake_api)
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:decline:"))
    deps = deps_of(driver.app)
    await run_upkeep(deps, driver.app.bot)
    assert all(r["erased_at"] is None for r in requests(db)), "nothing is older than 30 days yet"

    clock.advance(days=11)  # Ada's decision is 31 days old, Bob's 11
    before = counts(driver, db)
    await run_upkeep(deps, driver.app.bot)
    ada, bob_request = requests(db)
    assert ada["erased_at"] and bob_request["erased_at"] is None
    assert [a["text"] for a in db.query("select text from answers where request_id = 1")] == [None, None, None]
    assert [a["choice"] for a in db.query("select choice from answers where request_id = 1 and choice is not null")] \
        == ["met"], "the choice key stays: the summary counts it"
    assert db["people"].get(5001)["first_name"] == "Ada", "retention erases words, not the person"
    assert [a["text"] for a in db.query("select text from answers where request_id = 2 and question_key = 'why'")] \
        == ["I want to talk about gears"]
    assert counts(driver, db) == before and bob
    await run_upkeep(deps, driver.app.bot)  # the next minute: the old card is redrawn without the words
    [ada_card] = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == ada["card_message_id"]]
    assert ada_card["text"].startswith("#1 ") and "Erased: nothing the requester wrote is kept" in ada_card["text"]
    assert "parser" not in ada_card["text"] and requests(db)[0]["card_redraw"] == 0

    clock.advance(days=20)  # Bob's decision is 31 days old now
    await run_upkeep(deps, driver.app.bot)
    assert requests(db)[1]["erased_at"] is not None
    assert list(db.query("select count(*) as n from events where created_at < '2026-12-09'"))[0]["n"] == 0, \
        "audit-log entries older than five weeks are pruned"
    await driver.app.shutdown()


async def test_retention_runs_at_most_once_a_day(make_app, settings, db, fake_api, clock, stranger, owner):
    fake_api.private_message(owner, "/start")
    from helpers.world import Driver

    driver = Driver(await make_app(replace(settings, retention_days=1), db), fake_api)
    deps = deps_of(driver.app)
    await run_upkeep(deps, driver.app.bot)  # today's sweep: nothing to erase yet
    await ada_asks_and_is_accepted(driver, stranger, owner)
    clock.advance(hours=23)
    await run_upkeep(deps, driver.app.bot)
    assert requests(db)[0]["erased_at"] is None, "a day has not passed since the last sweep"
    clock.advance(hours=2)
    await run_upkeep(deps, driver.app.bot)
    assert requests(db)[0]["erased_at"] is not None
    await driver.app.shutdown()


async def test_retention_off_keeps_every_word(driver, db, clock, stranger, owner):
    await ada_asks_and_is_accepted(driver, stranger, owner)
    clock.advance(days=300)
    await run_upkeep(deps_of(driver.app), driver.app.bot)
    assert requests(db)[0]["erased_at"] is None and requests(db)[0]["status"] == "accepted"


# -- command line -----------------------------------------------------------------------------


async def test_python_m_bot_export_writes_csv_or_jsonl(driver, fake_api, db, db_path, stranger, owner, tmp_path):
    await ada_asks_and_is_accepted(driver, stranger, owner)
    db.commit()
    out = io.StringIO()
    assert export_main(["--format", "jsonl", "--database", str(db_path)], out) == 0
    [line] = [json.loads(x) for x in out.getvalue().splitlines()]
    assert line["answers"]["why"] == "I'd like feedback on my parser" and line["status"] == "accepted"
    out = io.StringIO()
    assert export_main(["--since", "2026-11-24", "--database", str(db_path)], out) == 0
    assert out.getvalue().splitlines()[0].startswith("id,kind,status") and len(out.getvalue().splitlines()) == 1
    target = tmp_path / "out.csv"
    done = subprocess.run([sys.executable, "-m", "bot", "export", "--output", str(target)], capture_output=True,
                          text=True, env={"PATH": "", "DATABASE_PATH": str(db_path)}, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "feedback on my parser" in target.read_text()
    missing = subprocess.run([sys.executable, "-m", "bot", "export", "--database", str(tmp_path / "none.db")],
                             capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert missing.returncode == 2 and "no database at" in missing.stderr


async def test_python_m_bot_forget_asks_then_erases(driver, fake_api, db, db_path, stranger, owner):
    await ada_asks_and_is_accepted(driver, stranger, owner)
    before = counts(driver, db)
    db.commit()
    out = io.StringIO()
    assert forget_main(["5001", "--database", str(db_path)], io.StringIO("n\n"), out) == 1
    assert "Erase everything stored about Ada Lovelace (id 5001) and 1 requests? [y/N]" in out.getvalue()
    assert requests(db)[0]["user_id"] == 5001
    out = io.StringIO()
    assert forget_main(["5001", "--yes", "--database", str(db_path)], io.StringIO(), out) == 0
    assert "Erased user 5001 and 1 requests" in out.getvalue()
    assert [c for c in text_cells(db) if any(w in c[2] for w in ADA_WORDS)] == []
    assert requests(db)[0]["card_redraw"] == 1, "the running bot redraws the card as erased"
    await run_upkeep(deps_of(driver.app), driver.app.bot)
    card = [m for m in fake_api.sent_to(OWNER) if m["message_id"] == requests(db)[0]["card_message_id"]][0]
    assert "Erased" in card["text"] and "Ada" not in card["text"]
    assert counts(driver, db) == before
    db.commit()
    assert forget_main(["5001", "--yes", "--database", str(db_path)], io.StringIO(), io.StringIO()) == 0, \
        "her id stays (accepted): forgetting again erases nothing more"
    assert forget_main(["@nobody", "--yes", "--database", str(db_path)], io.StringIO(), io.StringIO()) == 2


async def test_reviewer_help_lists_export_and_forget(driver, owner, reviewer):
    await driver.send(reviewer, "/help")
    assert "/export" in driver.last(REVIEWER)["text"] and "/forget @user" in driver.last(REVIEWER)["text"]


def test_retention_days_setting_is_off_unless_set():
    from bot.settings import SettingsError, load_settings

    good = {"TELEGRAM_BOT_TOKEN": "123456:ABCDEFGHIJ_klmnop-qrs", "OWNER_ID": "11"}
    assert load_settings(good, dotenv=None).retention_days == 0
    assert load_settings({**good, "RETENTION_DAYS": "90"}, dotenv=None).retention_days == 90
    for bad in ("-1", "a month"):
        try:
            load_settings({**good, "RETENTION_DAYS": bad}, dotenv=None)
        except SettingsError as exc:
            assert "RETENTION_DAYS" in str(exc)
        else:
            raise AssertionError(f"RETENTION_DAYS={bad} was accepted")


async def test_python_m_bot_forget_leaves_the_join_request_for_the_running_bot_to_decline(driver, fake_api, db,
                                                                                           db_path, owner):
    carl = fake_api.user(5003, "Carl", username="carl")
    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(fake_api.join_request(carl, GROUP))
    assert requests(db)[0]["status"] == "asking"
    db.commit()
    out = io.StringIO()
    assert forget_main(["5003", "--yes", "--database", str(db_path)], io.StringIO(), out) == 0
    assert "declines their join request on Telegram" in out.getvalue()
    assert fake_api.calls_to("declineChatJoinRequest") == [], "the command line cannot answer Telegram"
    assert list(db.query("select chat_id, user_id from join_closes")) == [{"chat_id": GROUP, "user_id": 5003}]

    fake_api.fail_next("declineChatJoinRequest", error_code=500, times=10)  # down beyond the bot's retries
    await run_upkeep(deps_of(driver.app), driver.app.bot)
    assert len(list(db.query("select * from join_closes"))) == 1, "kept when Telegram fails: tried again"
    fake_api.clear_faults()
    done = await run_upkeep(deps_of(driver.app), driver.app.bot)
    assert done["joins_closed"] == 1
    assert fake_api.calls_to("declineChatJoinRequest")[-1] == {"chat_id": GROUP, "user_id": 5003}
    assert list(db.query("select * from join_closes")) == [], "and the id is gone once it is done"
    assert (await run_upkeep(deps_of(driver.app), driver.app.bot))["joins_closed"] == 0


async def test_a_forgotten_join_request_in_a_chat_the_bot_left_is_let_go(driver, fake_api, db, db_path, owner):
    dora = fake_api.user(5004, "Dora", username="dora")
    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(fake_api.join_request(dora, GROUP))
    db.commit()
    assert forget_main(["5004", "--yes", "--database", str(db_path)], io.StringIO(), io.StringIO()) == 0
    fake_api.fail_next("declineChatJoinRequest", error_code=403, description="Forbidden: bot was kicked from the chat")
    done = await run_upkeep(deps_of(driver.app), driver.app.bot)
    assert done["joins_closed"] == 1 and list(db.query("select * from join_closes")) == [], \
        "nothing the bot could do: not tried again every minute"
    assert len(fake_api.calls_to("declineChatJoinRequest")) == 1
