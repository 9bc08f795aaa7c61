"""Cold start: from spawning `python -m bot` to its first getUpdates at the served fake Bot API, against a bare
PTB bot started the same way."""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import OWNER, TOKEN, TimedFakeAPI, machine, table, target

TARGET_SECONDS = 1.0
BARE_BOT = """
import os
from telegram.ext import ApplicationBuilder, MessageHandler, filters
app = ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(os.environ["TELEGRAM_BASE_URL"]).build()
async def echo(update, context):
    await update.effective_message.reply_text(update.effective_message.text)
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling()
"""


def first_poll(api: TimedFakeAPI, command: list[str], env: dict, cwd: Path, timeout: float = 60.0) -> float:
    """Seconds from spawning `command` to the fake answering its first getUpdates (an update is waiting, so the
    long poll returns at once)."""
    api.private_message(OWNER, "hello")
    before = len(api.calls_to("getUpdates"))
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while len(api.calls_to("getUpdates")) == before:
            if time.monotonic() - started > timeout or process.poll() is not None:
                raise RuntimeError(f"{command} never polled")
            time.sleep(0.002)
        return time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    """Start each bot `--repeat` times, alternating; report medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="starts per bot (default 5)")
    args = parser.parse_args()
    api = TimedFakeAPI()
    api.user(OWNER, "Olga", "Owner")
    server = api.serve()
    times: dict[str, list[float]] = {"bare PTB bot": [], "doorman (python -m bot)": []}
    with tempfile.TemporaryDirectory(prefix="doorman-start-") as tmp:
        workdir = Path(tmp)
        env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": TOKEN, "OWNER_ID": str(OWNER),
               "TELEGRAM_BASE_URL": server.base_url, "DATABASE_PATH": str(workdir / "doorman.db")}
        try:
            for _ in range(args.repeat):
                times["bare PTB bot"].append(first_poll(api, [sys.executable, "-c", BARE_BOT], env, workdir))
                times["doorman (python -m bot)"].append(first_poll(api, [sys.executable, "-m", "bot"], env, workdir))
        finally:
            server.close()
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"bench/startup.py: spawn to first getUpdates, median of {args.repeat} starts each (alternating; the "
          f"database already exists after the first); {machine()}\n")
    print(table(["bot", "median s", "min s", "max s"],
                [[name, f"{median[name]:.3f}", f"{min(v):.3f}", f"{max(v):.3f}"] for name, v in times.items()]))
    doorman, bare = median["doorman (python -m bot)"], median["bare PTB bot"]
    print(f"\nratio doorman / bare PTB bot: {doorman / bare:.2f}x\n")
    print(target(f"cold start < {TARGET_SECONDS:g} s", f"{doorman:.2f} s", doorman < TARGET_SECONDS))
    print("RESULT " + json.dumps({"bench": "startup", "repeat": args.repeat, "doorman_s": round(doorman, 3),
                                  "bare_ptb_s": round(bare, 3), "ratio": round(doorman / bare, 2)}))


if __name__ == "__main__":
    main()
