"""Run `python -m bot sandbox` as a real process and drive its page API (shared by the sandbox tests)."""

import os
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from helpers.process import wait_for

URL_LINE = re.compile(r"^doorman sandbox: (http://127\.0\.0\.1:\d+/) ")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_or_reason(playwright) -> tuple[str | None, str]:
    """(path, "") of a Chromium to drive: Playwright's own when installed (the version it is tested with), else
    the first of CHROMIUM_NAMES on PATH; (None, why) when there is none."""
    own = playwright.chromium.executable_path
    if own and os.access(own, os.X_OK):
        return own, ""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found, ""
    return None, (f"no Chromium found: none of {', '.join(CHROMIUM_NAMES)} is on PATH and Playwright has no "
                  "browser of its own (apt-get install -y chromium, or: playwright install chromium)")


def missing_browser(reason: str) -> None:
    """Skip a browser test for a missing tool here; fail it in CI (CI=true), where a skip would hide a broken page."""
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)


class Sandbox:
    """One sandbox process, its page URL and a small client for /sandbox/..."""

    def __init__(self, workdir: Path, *args: str, **env: str) -> None:
        self.log_path = workdir / "sandbox.log"
        self.db_path = workdir / "sandbox.db"
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONUNBUFFERED": "1", **env}
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "sandbox", "--port", "0", "--no-browser", "--db", str(self.db_path),
                 *args], cwd=workdir, env=environment, stdout=subprocess.PIPE, stderr=log, text=True)
        self.url = self._read_url()
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def _read_url(self) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], 20)
        line = self.process.stdout.readline() if ready else ""
        match = URL_LINE.match(line)
        if not match:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the sandbox printed {line!r}, not its URL; log:\n{self.log_path.read_text()}")
        return match.group(1)

    def state(self, stranger: int | None = None) -> dict:
        """The page's view of both chats."""
        params = {} if stranger is None else {"stranger": stranger}
        return self.http.get("/sandbox/state", params=params).raise_for_status().json()

    def act(self, action: str, **body) -> dict:
        """Do what a page button does; fail on an error answer."""
        reply = self.http.post(f"/sandbox/{action}", json=body)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def new_stranger(self, first_name: str, **names: str) -> int:
        """A fresh stranger's id."""
        return self.act("new-stranger", first_name=first_name, **names)["stranger"]

    def wait_chat(self, pane: str, predicate, what: str, stranger: int | None = None) -> dict:
        """Wait until some message in a pane satisfies predicate; return it (the last such)."""
        found = wait_for(lambda: [m for m in self.state(stranger)["chats"][pane] if predicate(m)], what, 20)
        return found[-1]

    def stop(self) -> str:
        """Stop it like Ctrl-C does (SIGINT) and return what it logged; fail if it does not exit cleanly."""
        if getattr(self, "http", None) is not None:
            self.http.close()
        self.process.send_signal(2)
        try:
            code = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("the sandbox did not stop on Ctrl-C") from None
        self.process.stdout.close()
        log = self.log_path.read_text()
        assert code == 0, f"the sandbox exited with {code}; log:\n{log}"
        return log


def button(message: dict, starts_with: str) -> str:
    """The callback_data of the first button on a page message whose data starts with the prefix."""
    for row in message["buttons"]:
        for spec in row:
            if spec.get("callback_data", "").startswith(starts_with):
                return spec["callback_data"]
    raise AssertionError(f"no button {starts_with!r} on {message['text']!r}")
