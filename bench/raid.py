"""A raid: N join requests at once against the served fake Bot API enforcing Telegram's limits; `python -m bot`."""

import argparse
import gc
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import OWNER, TimedFakeAPI, machine, proc_status_kb, start_bot, stop_bot, table, target, wait_for

CHANNEL = -1001234567890
GLOBAL_PER_SEC, PER_CHAT_PER_SEC, GROUP_PER_MIN = 30, 1, 20
TARGET_RATE = 0.95
JOIN_WINDOW = 300  # Telegram lets the bot write to a join requester for 5 minutes only
FIRST_REQUESTER = 10_000_000
STALLED = 90  # seconds without a new first question: the rest are not coming


def first_questions(api: TimedFakeAPI, requesters: set[int]) -> dict[int, list[float]]:
    """For each requester who got a message, the times of every message they got."""
    with api.lock:
        delivered = list(api.delivered)
    got: dict[int, list[float]] = {}
    for at, method, chat_id in delivered:
        if method == "sendmessage" and chat_id in requesters:
            got.setdefault(chat_id, []).append(at)
    return got


def exceptions(log: str) -> Counter:
    """The exception line ending each traceback in the bot's log, counted."""
    found: Counter = Counter()
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = next((x for x in lines[i + 1:] if x and not x.startswith((" ", "Traceback", "During", "The above"))),
                       "?")
            found[end[:160]] += 1
    return found


def main() -> None:
    """Start the bot, inject the raid, wait until everyone was asked, then check the database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="join requests (default 10000, ~6 min)")
    parser.add_argument("--paced", type=float, metavar="RATE",
                        help="what-if: run the bot with bench/_paced_bot.py's limiter (RATE msg/s) instead of "
                             "the shipped AIORateLimiter")
    args = parser.parse_args()
    n = args.n
    api = TimedFakeAPI()
    owner = api.user(OWNER, "Olga", "Owner")
    api.add_chat(CHANNEL, "Viral Channel", type="channel", owner=owner)  # the bot is an admin there
    requesters = {FIRST_REQUESTER + i for i in range(n)}
    for user_id in sorted(requesters):
        api.user(user_id, f"Raider{user_id - FIRST_REQUESTER}", username=f"r{user_id}")
    server = api.serve()
    with tempfile.TemporaryDirectory(prefix="doorman-raid-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "doorman.db"
        what_if = {"script": Path(__file__).with_name("_paced_bot.py"), "PACED_RATE": str(args.paced)}
        bot = start_bot(server.base_url, db_path, workdir, **(what_if if args.paced else {}))
        try:
            api.private_message(owner, "/start")
            wait_for(lambda: api.sent_to(OWNER), "the bot to answer the owner's /start", timeout=60)
            api.enforce_limits(GLOBAL_PER_SEC, PER_CHAT_PER_SEC, GROUP_PER_MIN)
            time.sleep(1.1)  # start from empty rate windows
            # This process plays Telegram: its own garbage collector, walking the fake's growing state (100+ ms
            # pauses by the end), would stall the fake and bunch the bot's evenly spaced sends into 429s.
            gc.disable()
            sends_before = len(api.delivered)
            t0 = time.monotonic()
            for user_id in sorted(requesters):
                api.join_request(user_id, CHANNEL, bio="Saw the post, looks great")
            injected = time.monotonic() - t0
            print(f"injected {n} join requests in {injected:.1f} s; waiting for every first question "
                  f"(theoretical minimum {n / GLOBAL_PER_SEC:.0f} s)", file=sys.stderr)
            deadline = t0 + n / GLOBAL_PER_SEC * 4 + 120
            last_report = last_change = t0
            asked = 0
            while time.monotonic() < deadline:
                now_asked = len(first_questions(api, requesters))
                if now_asked == n:
                    break
                if now_asked != asked:
                    asked, last_change = now_asked, time.monotonic()
                elif time.monotonic() - last_change > STALLED:
                    print(f"  nobody new asked for {STALLED} s: giving up on the rest", file=sys.stderr)
                    break
                if time.monotonic() - last_report >= 30:
                    last_report = time.monotonic()
                    print(f"  {last_report - t0:5.0f} s: {asked}/{n} asked, {api.too_many_requests} x 429",
                          file=sys.stderr)
                time.sleep(0.25)
            time.sleep(2)  # let anything still in flight land, then measure
            peak_kb, rss_kb = proc_status_kb(bot.pid, "VmHWM"), proc_status_kb(bot.pid, "VmRSS")
        finally:
            gc.enable()
            stop_bot(bot)
            server.close()
        log = (workdir / "bot.log").read_text(errors="replace")
        with sqlite3.connect(db_path) as conn:
            stored = {row[0] for row in conn.execute(
                "select user_id from requests where kind = 'join' and target_chat_id = ?", [CHANNEL])}
            statuses = dict(conn.execute("select status, count(*) from requests group by status").fetchall())
            unreachable = conn.execute("select count(*) from requests where unreachable is not null").fetchone()[0]

    got = first_questions(api, requesters)
    firsts = sorted(min(times) for times in got.values())
    with api.lock:
        sends = [at for at, _, _ in api.delivered[sends_before:]]
    t_all = (firsts[-1] - t0) if len(firsts) == n else float("nan")
    span = (firsts[-1] - t0) if firsts else float("nan")
    in_span = sum(1 for at in sends if at <= t0 + span)
    rate = in_span / span if span else 0.0
    lost = len(requesters - (stored & set(got)))
    late = sum(1 for at in firsts if at - t0 > JOIN_WINDOW)
    baseline = n / GLOBAL_PER_SEC
    limiter = (f"WHAT-IF bot: bench/_paced_bot.py, paced limiter at {args.paced:g} msg/s" if args.paced
               else "bot: python -m bot as shipped (AIORateLimiter)")
    print(f"bench/raid.py: {n} join requests injected at once (in {injected:.2f} s) into the served fake Bot API "
          f"enforcing {GLOBAL_PER_SEC} msg/s overall, {PER_CHAT_PER_SEC} msg/s per chat, {GROUP_PER_MIN}/min per "
          f"group (the harness's own GC paused meanwhile); {limiter}; {machine()}\n")
    rows = [
        ["time until every requester got question 1",
         f"{t_all:.1f} s" if len(got) == n else f"never ({n - len(got)} not asked; last at {span:.1f} s)"],
        [f"baseline: theoretical minimum n / {GLOBAL_PER_SEC} msg/s", f"{baseline:.1f} s"],
        ["ratio measured / baseline", f"{t_all / baseline:.2f}x" if len(got) == n else "-"],
        ["messages delivered while the raid was served", in_span],
        ["achieved send rate", f"{rate:.1f} msg/s = {rate / GLOBAL_PER_SEC:.0%} of {GLOBAL_PER_SEC}"],
        ["429 Too Many Requests answered", api.too_many_requests],
        ["requesters asked question 1", f"{len(got)} / {n}"],
        ["requesters asked more than once (duplicate question)", sum(1 for t in got.values() if len(t) > 1)],
        ["requests stored in the database", f"{len(stored)} / {n}"],
        ["lost (no row, or never asked)", lost],
        ["requests by status", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))],
        ["marked unreachable", unreachable],
        [f"asked later than {JOIN_WINDOW // 60} min after their request", late],
        ["bot log: lines with 'Rate limit hit' / 'Traceback'", f"{log.count('Rate limit hit')} / "
                                                                f"{log.count('Traceback')}"],
        ["bot peak RSS (VmHWM) / RSS at the end", f"{peak_kb / 1024:.1f} MB / {rss_kb / 1024:.1f} MB"],
    ]
    print(table(["measure", "value"], rows))
    for line, count in exceptions(log).most_common(5):
        print(f"bot log: {count} x {line}")
    if late:
        print(f"\nnote: the fake keeps the {JOIN_WINDOW // 60}-minute join window open forever; on Telegram the "
              f"{late} requesters asked after it would have been unreachable")
    print()
    print(target(f"send rate >= {TARGET_RATE:.0%} of {GLOBAL_PER_SEC} msg/s", f"{rate / GLOBAL_PER_SEC:.1%}",
                 rate / GLOBAL_PER_SEC >= TARGET_RATE))
    print(target("429s received = 0", str(api.too_many_requests), api.too_many_requests == 0))
    print(target("lost requests = 0", str(lost), lost == 0))


if __name__ == "__main__":
    main()
