"""README stays complete: the two commands, every setting the code reads, every command the bot answers."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    assert "pip install -e . && python -m bot" in README
    assert "pip install -e '.[test]' && pytest" in README
    assert "pip install -e '.[test]' && pytest" in (ROOT / ".ci" / "run").read_text()


def test_every_environment_variable_the_code_reads_is_documented():
    source = "\n".join(p.read_text() for p in (ROOT / "bot").rglob("*.py"))
    names = set(re.findall(r'env\.get\("([A-Z_]+)"', source))
    assert names, "settings are read with env.get(...)"
    missing = {name for name in names if f"`{name}`" not in README}
    assert not missing, f"undocumented settings: {sorted(missing)}"


def test_every_command_the_bot_answers_is_documented():
    source = "\n".join(p.read_text() for p in (ROOT / "bot" / "handlers").rglob("*.py"))
    registered = re.findall(r'CommandHandler\(\s*(\[[^\]]*\]|"[a-z_]+")', source)
    commands = {name for group in registered for name in re.findall(r'"([a-z_]+)"', group)} - {"start"}
    assert commands
    missing = {c for c in commands if not re.search(rf"`/{c}[` ]", README)}
    assert not missing, f"undocumented commands: {sorted(missing)}"
