"""Settings: every variable read, and a missing or malformed one named in one line with exit code 2."""

import subprocess
import sys
from datetime import time

import pytest

from bot.settings import SettingsError, load_settings

GOOD = {"TELEGRAM_BOT_TOKEN": "123456:ABCDEFGHIJ_klmnop-qrs", "OWNER_ID": "11, 22"}


def test_reads_every_variable(tmp_path):
    prompts = tmp_path / "p"
    prompts.mkdir()
    settings = load_settings({**GOOD, "REVIEW_CHAT_ID": "-100123", "DATABASE_PATH": str(tmp_path / "x.db"),
                              "PROMPTS_DIR": str(prompts), "TIMEZONE": "Europe/Berlin",
                              "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot", "DECLINE_SILENT": "yes",
                              "CONTACT_LINE": "Mail me"}, dotenv=None)
    assert settings.reviewers == (11, 22) and settings.owner_id == 11 and settings.card_chat_id == -100123
    assert str(settings.timezone) == "Europe/Berlin" and settings.decline_silent is True
    assert settings.prompts_dir == prompts and settings.base_url == "http://127.0.0.1:9/bot"
    assert settings.contact_line == "Mail me"


def test_defaults():
    settings = load_settings(GOOD, dotenv=None)
    assert settings.card_chat_id == 11 and str(settings.database_path) == "doorman.db"
    assert settings.base_url == "https://api.telegram.org/bot" and str(settings.timezone) == "UTC"


def test_dotenv_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nTELEGRAM_BOT_TOKEN=999:ZZZZZZZZZZ\nOWNER_ID='5'\n")
    assert load_settings({}, dotenv=env_file).reviewers == (5,)
    assert load_settings({"OWNER_ID": "6"}, dotenv=env_file).reviewers == (6,)


@pytest.mark.parametrize("env, variable", [
    ({"OWNER_ID": "1"}, "TELEGRAM_BOT_TOKEN"),
    ({**GOOD, "TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_BOT_TOKEN": GOOD["TELEGRAM_BOT_TOKEN"]}, "OWNER_ID"),
    ({**GOOD, "OWNER_ID": "me"}, "OWNER_ID"),
    ({**GOOD, "REVIEW_CHAT_ID": "group"}, "REVIEW_CHAT_ID"),
    ({**GOOD, "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
    ({**GOOD, "PROMPTS_DIR": "/nonexistent/prompts"}, "PROMPTS_DIR"),
    ({**GOOD, "DECLINE_SILENT": "maybe"}, "DECLINE_SILENT"),
    ({**GOOD, "TELEGRAM_BASE_URL": "ftp://x"}, "TELEGRAM_BASE_URL"),
])
def test_bad_values_name_the_variable(env, variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings(env, dotenv=None)


@pytest.mark.parametrize("env, variable", [
    ({}, "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_BOT_TOKEN": "123456:ABCDEFGHIJ_klmnop-qrs", "OWNER_ID": "x"}, "OWNER_ID"),
])
def test_python_m_bot_exits_2_with_one_line_and_no_traceback(env, variable, tmp_path):
    result = subprocess.run([sys.executable, "-m", "bot"], env={"PATH": "/usr/bin:/bin", **env}, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0] and "Traceback" not in result.stderr
    assert "ABCDEFGHIJ" not in result.stderr


def test_weekly_summary_day_and_time():
    default = load_settings(GOOD, dotenv=None)
    assert (default.summary_day, default.summary_time) == (0, time(9, 0)), "Monday 09:00"
    custom = load_settings({**GOOD, "SUMMARY_DAY": " Sunday ", "SUMMARY_TIME": "18:30"}, dotenv=None)
    assert (custom.summary_day, custom.summary_time) == (6, time(18, 30))
    assert load_settings({**GOOD, "SUMMARY_DAY": "fri", "SUMMARY_TIME": "7:05"}, dotenv=None).summary_day == 4


@pytest.mark.parametrize("env, variable", [
    ({**GOOD, "SUMMARY_DAY": "someday"}, "SUMMARY_DAY"),
    ({**GOOD, "SUMMARY_DAY": "t"}, "SUMMARY_DAY"),
    ({**GOOD, "SUMMARY_DAY": "1"}, "SUMMARY_DAY"),
    ({**GOOD, "SUMMARY_TIME": "9am"}, "SUMMARY_TIME"),
    ({**GOOD, "SUMMARY_TIME": "24:00"}, "SUMMARY_TIME"),
    ({**GOOD, "SUMMARY_TIME": "09:60"}, "SUMMARY_TIME"),
])
def test_bad_summary_settings_name_the_variable(env, variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings(env, dotenv=None)


@pytest.mark.parametrize("content", [b"this is not a database at all\n" * 20,
                                     b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_broken_database_file_stops_start_up_with_one_line_and_is_left_alone(content, tmp_path):
    broken = tmp_path / "doorman.db"
    broken.write_bytes(content)
    env = {"TELEGRAM_BOT_TOKEN": "123456:ABCDEFGHIJ_klmnop-qrs", "OWNER_ID": "1", "DATABASE_PATH": str(broken),
           "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot"}
    result = subprocess.run([sys.executable, "-m", "bot"], env={"PATH": "/usr/bin:/bin", **env}, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_PATH" in lines[0] and str(broken) in lines[0], result.stderr
    assert "backup" in lines[0] and "Traceback" not in result.stderr
    assert broken.read_bytes() == content, "the file is left exactly as it was"
    assert not (tmp_path / "doorman.db-wal").exists()


@pytest.mark.parametrize("token", ["123:abc", "not-a-token", "123456789 AAF1abcdEFGH"])
def test_a_token_that_is_not_one_says_what_a_token_looks_like(token):
    with pytest.raises(SettingsError) as refused:
        load_settings({**GOOD, "TELEGRAM_BOT_TOKEN": token}, dotenv=None)
    message = str(refused.value)
    assert "digits), a colon, then 35 or so letters" in message and token not in message, "never echo a secret"


def test_cas_settings():
    assert (load_settings(GOOD, dotenv=None).cas_check, load_settings(GOOD, dotenv=None).cas_url) == (
        False, "https://api.cas.chat/check")
    settings = load_settings({**GOOD, "CAS_CHECK": "true", "CAS_URL": "http://127.0.0.1:9/check",
                              "AUTO_DECLINE": "pitch,cas"}, dotenv=None)
    assert settings.cas_check and settings.cas_url == "http://127.0.0.1:9/check"
    assert settings.auto_decline == {"pitch", "cas"}
    for env, variable in (({"CAS_URL": "ftp://x"}, "CAS_URL"), ({"CAS_CHECK": "maybe"}, "CAS_CHECK"),
                          ({"AUTO_DECLINE": "cas"}, "CAS_CHECK")):
        with pytest.raises(SettingsError, match=variable):
            load_settings({**GOOD, **env}, dotenv=None)


@pytest.mark.parametrize("raw, seconds", [(None, 30), ("45s", 45), ("2m", 120), ("0", 0), ("off", 0)])
def test_undo_window(raw, seconds):
    env = GOOD if raw is None else {**GOOD, "UNDO_WINDOW": raw}
    assert load_settings(env, dotenv=None).undo_window.total_seconds() == seconds


def test_a_bad_undo_window_names_the_variable():
    with pytest.raises(SettingsError, match="UNDO_WINDOW"):
        load_settings({**GOOD, "UNDO_WINDOW": "soon"}, dotenv=None)
