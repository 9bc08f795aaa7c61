"""Run `python -m bot` as a real process against the served fake Bot API."""

import os
import subprocess
import sys
import time
from pathlib import Path

from helpers.world import OWNER, REVIEWER, TOKEN


def wait_for(predicate, what: str, timeout: float = 30.0):
    """Poll until predicate() is truthy; fail naming what never happened. (A deadline, not a timing assertion.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {what}")


def start_bot(base_url: str, db_path: Path, cwd: Path, **extra_env: str) -> subprocess.Popen:
    """Start the bot exactly as README says (python -m bot), configured through the environment."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "OWNER_ID": f"{OWNER},{REVIEWER}",
        "DATABASE_PATH": str(db_path),
        "TELEGRAM_BASE_URL": base_url,
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    return subprocess.Popen([sys.executable, "-m", "bot"], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def stop_bot(process: subprocess.Popen) -> str:
    """Stop the bot gracefully and return everything it logged."""
    process.terminate()
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output
