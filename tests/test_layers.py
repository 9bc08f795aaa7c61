"""The layout is the architecture: each folder is a layer, and these rules keep it so (see ARCHITECTURE.md)."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# What each layer must not import (a name matches itself and its submodules).
FORBIDDEN = {
    "bot/core": ("telegram", "sqlite3", "sqlite_utils", "httpx", "jinja2", "db", "fakegram", "os", "pathlib",
                 "importlib", "io", "socket", "subprocess", "threading", "asyncio", "time", "random",
                 "bot.flow", "bot.telegram", "bot.handlers", "bot.sandbox", "bot.cli", "bot.app", "bot.jobs",
                 "bot.prompt_files", "bot.settings"),
    "db": ("telegram", "httpx", "jinja2", "fakegram", "bot.flow", "bot.telegram", "bot.handlers", "bot.sandbox",
           "bot.app", "bot.jobs", "bot.prompt_files"),
    "bot/telegram": ("db", "sqlite3", "sqlite_utils", "fakegram", "bot.flow", "bot.handlers", "bot.app", "bot.jobs"),
    "bot/flow": ("sqlite3", "fakegram", "bot.handlers", "bot.app", "bot.sandbox"),
    "bot/handlers": ("db", "sqlite3", "sqlite_utils", "fakegram", "bot.sandbox"),
    "fakegram": ("bot", "db"),
}
# Pure code takes `now` as a parameter instead of reading a clock, and opens no files.
IMPURE_CALLS = {"now", "utcnow", "today", "monotonic", "perf_counter", "open", "sleep", "time.time", "read_text"}
SQL_CALLS = {"execute", "executemany", "executescript", "query"}


def modules(layer: str) -> list[Path]:
    """The Python files of a layer."""
    return sorted((REPO / layer).rglob("*.py"))


def imported_names(tree: ast.AST, module: str) -> set[str]:
    """Every module name an AST imports (relative imports resolved against `module`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(module.split(".")[:-node.level] + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def called_names(tree: ast.AST) -> set[str]:
    """Names of everything called: `f(...)` gives f, `x.f(...)` gives f."""
    calls = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                calls.add(func.attr)
                if isinstance(func.value, ast.Name):
                    calls.add(f"{func.value.id}.{func.attr}")
            else:
                calls.add(getattr(func, "id", ""))
    return calls


def dotted(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_what_they_may(layer):
    broken = []
    for path in modules(layer):
        module = dotted(path)
        for name in imported_names(ast.parse(path.read_text(encoding="utf-8")), module):
            for banned in FORBIDDEN[layer]:
                if name == banned or name.startswith(banned + "."):
                    broken.append(f"{module} imports {name}")
    assert broken == []


def test_the_core_reads_no_clock_and_opens_no_file():
    broken = [f"{dotted(path)} calls {name}()" for path in modules("bot/core")
              for name in called_names(ast.parse(path.read_text(encoding="utf-8"))) & IMPURE_CALLS]
    assert broken == []


@pytest.mark.parametrize("layer", ["bot/handlers", "bot/flow"])
def test_only_db_runs_sql(layer):
    broken = [f"{dotted(path)} calls {name}()" for path in modules(layer)
              for name in called_names(ast.parse(path.read_text(encoding="utf-8"))) & SQL_CALLS]
    assert broken == []


def test_handlers_change_no_state_themselves():
    """Handlers read the update and call flow functions: they write no rows (they cannot import db/ either)
    and build no text."""
    broken = []
    for path in modules("bot/handlers"):
        source = path.read_text(encoding="utf-8")
        for word in ("insert_event", "set_status", "set_standing", "claim_decision", ".render(", "prompts."):
            if word in source:
                broken.append(f"{dotted(path)} contains {word}")
    assert broken == []


def test_no_module_is_a_grab_bag():
    names = {path.stem for layer in ("bot", "db", "fakegram") for path in (REPO / layer).rglob("*.py")}
    assert names & {"utils", "util", "services", "helpers", "common", "misc"} == set()


def test_the_rules_see_every_layer():
    """A rule over an empty or renamed folder would pass vacuously."""
    for layer in FORBIDDEN:
        assert len(modules(layer)) >= 3, layer
