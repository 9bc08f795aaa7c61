"""Shared helpers for the benchmark scripts: the fake Bot API with timings, the bot process, tables, targets."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from fakegram import FakeBotAPI

TOKEN = "123456:BENCH-TOKEN"
BOT_ID = 123456
OWNER = 1001
SENDS = {"sendmessage", "editmessagetext", "editmessagereplymarkup"}


class TimedFakeAPI(FakeBotAPI):
    """The fake Bot API, also recording how long it works per call and when each message was delivered."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN, bot_id=BOT_ID, bot_username="doorman_bench_bot")
        self.busy = 0.0  # seconds spent inside the fake (in-process: part of the measured update cost)
        self.delivered: list[tuple[float, str, object]] = []  # (monotonic time, method, chat_id) of good sends

    def begin(self, *args, **kwargs):
        """Time the fake's own work (decoding, faults, limits)."""
        started = time.perf_counter()
        try:
            return super().begin(*args, **kwargs)
        finally:
            self.busy += time.perf_counter() - started

    def finish(self, pending):
        """Time the method itself and note every message delivered."""
        started = time.perf_counter()
        reply = super().finish(pending)
        if reply.status == 200 and pending.key in SENDS:
            self.delivered.append((time.monotonic(), pending.key, pending.params.get("chat_id")))
        self.busy += time.perf_counter() - started
        return reply


def start_bot(base_url: str, db_path: Path, workdir: Path, *, script: Path | None = None,
              **extra_env: str) -> subprocess.Popen:
    """Start `python -m bot` as README says (or a what-if `script`), configured through the environment."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TELEGRAM_BOT_TOKEN": TOKEN, "OWNER_ID": str(OWNER),
           "DATABASE_PATH": str(db_path), "TELEGRAM_BASE_URL": base_url, "PYTHONUNBUFFERED": "1", **extra_env}
    command = [sys.executable, str(script)] if script else [sys.executable, "-m", "bot"]
    # The log goes to a file, not a pipe: a chatty bot must never block on a full pipe nobody reads.
    with open(workdir / "bot.log", "w") as log:
        return subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_bot(process: subprocess.Popen) -> None:
    """Stop the bot gracefully (SIGTERM), killing it if it does not exit."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def proc_status_kb(pid: int, field: str) -> int:
    """A memory figure (kB) from /proc/<pid>/status, e.g. VmRSS or VmHWM (peak RSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def wait_for(predicate: Callable[[], object], what: str, timeout: float = 60.0, every: float = 0.05):
    """Poll until predicate() is truthy; raise naming what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out waiting for: {what}")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table, first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *map(line, cells[1:])])


def target(what: str, measured: str, ok: bool) -> str:
    """The closing line for one target."""
    return f"target {what}: {measured} ({'ok' if ok else 'MISSED'})"


def machine() -> str:
    """A one-line description of where the numbers were measured."""
    return f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {sys.platform}"
