"""Weekly summary, /stats and /pending over N generated requests; the bot's RSS with a 100k-request database."""

import argparse
import asyncio
import json
import math
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import OWNER, TOKEN, TimedFakeAPI, machine, proc_status_kb, start_bot, stop_bot, table, target, wait_for

from bot.app import build_deps
from bot.core.weekly import last_send_at, week_so_far, week_summarised_at
from bot.flow.cards import pending_list
from bot.flow.summaries import off_the_loop, render_summary, stats_text
from bot.settings import Settings
from db import open_db

SUMMARY_TARGET, PENDING_TARGET, RSS_TARGET_MB, STALL_TARGET = 0.5, 0.2, 80, 0.05
FIRST_USER = 100_000_000
CHATS = [(-1001000000000 - i, f"Channel {i}") for i in range(12)]
SOURCES = ["hn-post", "conf-talk", "newsletter", "podcast", "twitter", "blog", "github", "meetup", "yt-intro",
           "reddit"] + [f"campaign-{i}" for i in range(30)]
HOW = [("met", "Met in person", 20), ("referred", "Referred by someone", 25), ("read", "Read your work", 35),
       ("search", "Search", 10), ("other", "Other", 10)]
HOW_LABELS = {key: label for key, label, _ in HOW}
WORDS = ["your talk on type checkers", "the LoRa post", "a friend from the meetup", "I run a small team",
         "we met in Porto", "I'd like advice on plugin APIs", "hiring", "I write about sensors",
         "open source maintainer", "saw your thread", "looking for a mentor", "conference sprint", "newsletter reader"]
FIRST_NAMES = ["Ada", "Sam", "Kim", "Lee", "Noor", "Ivan", "Mia", "Omar", "Zoe", "Raj", "Lena", "Tom", "Yuki"]
DECIDED = [("accepted", 45), ("declined", 35), ("blocked", 5), ("withdrawn", 5), ("expired", 10)]


def stamp(moment: datetime) -> str:
    """A timestamp written the way doorman stores it."""
    return moment.isoformat(timespec="seconds")


def sentence(rng: random.Random, low: int, high: int) -> str:
    """Some plausible free text of roughly low..high characters."""
    text = ""
    while len(text) < rng.randint(low, high):
        text += rng.choice(WORDS) + (", " if rng.random() < 0.7 else ". ")
    return text.strip(" ,")


def created_times(rng: random.Random, n: int, now: datetime) -> list[datetime]:
    """n arrival times over the last year: traffic growing through the year, 5 % of it in a few raids."""
    year = 365 * 86400
    raids = [rng.uniform(0, year - 3600) for _ in range(20)]
    seconds = []
    for _ in range(n):
        if rng.random() < 0.05:
            seconds.append(rng.choice(raids) + rng.expovariate(1 / 600))
        else:  # density grows linearly from 0.5 to 1.5 over the year (inverse CDF)
            seconds.append((-0.5 + math.sqrt(0.25 + 2 * rng.random())) * year)
    return sorted(now - timedelta(seconds=year - min(s, year - 60)) for s in seconds)


def generate(path: Path, n: int, now: datetime, seed: int = 7) -> dict:
    """Fill a fresh doorman database with n requests (plus people, answers, events, processed updates)."""
    open_db(path).close()  # the schema, through the real migrations
    rng = random.Random(seed)
    people_count = max(1, int(n * 0.8))
    requests, answers, events, updates = [], [], [], []
    standing: dict[int, str] = {}
    how_keys = [h[0] for h in HOW]
    how_weights = [h[2] for h in HOW]
    outcomes, outcome_weights = zip(*DECIDED, strict=True)
    card_id, update_id = 0, 700_000_000  # update ids far from the fake's (which start at 1)
    for request_id, created in enumerate(created_times(rng, n, now), start=1):
        age = (now - created).total_seconds()
        user_id = FIRST_USER + rng.randrange(people_count)
        kind = rng.choices(("join", "direct", "business"), (60, 30, 10))[0]
        answered = None if kind == "join" and rng.random() < 0.12 else created + timedelta(
            seconds=rng.lognormvariate(math.log(180), 1.0))
        timed_out = created + timedelta(hours=24) if answered is None else None
        card_at = answered or timed_out
        # decisions come minutes to weeks later, never after the 30-day expiry
        decided = card_at + timedelta(seconds=min(rng.lognormvariate(math.log(3 * 3600), 1.5), 25 * 86400))
        status = rng.choices(outcomes, outcome_weights)[0]
        if status == "expired":
            decided = created + timedelta(days=30)
        if card_at > now or (age < 86400 and rng.random() < 0.3):  # still being asked, deadline not passed
            status, answered, timed_out, card_at, decided = "asking", None, None, None, None
        elif decided > now:
            status, decided = "pending", None
        if status != "asking":
            card_id += 1
        row = {
            "id": request_id, "kind": kind, "user_id": user_id, "status": status,
            "source": rng.choice(SOURCES[: rng.randint(1, len(SOURCES))]) if rng.random() < 0.6 else None,
            "opening_note": sentence(rng, 10, 200) if kind == "direct" and rng.random() < 0.6 else None,
            "reply_chat_id": user_id, "business_connection_id": "bc-1" if kind == "business" else None,
            "target_chat_id": rng.choices(CHATS, [1 / (i + 1) for i in range(len(CHATS))])[0][0]
            if kind == "join" else None,
            "bio": sentence(rng, 10, 70) if kind == "join" and rng.random() < 0.5 else None,
            "answer_deadline": stamp(created + timedelta(hours=24)) if kind == "join" else None,
            "created_at": stamp(created), "answered_at": stamp(answered) if answered else None,
            "timed_out_at": stamp(timed_out) if timed_out else None,
            "card_chat_id": OWNER if status != "asking" else None,
            "card_message_id": card_id if status != "asking" else None,
            "card_sent_at": stamp(card_at) if card_at else None,
            "decided_at": stamp(decided) if decided else None,
            "decided_by": (0 if status == "expired" else OWNER) if decided else None,
            "decided_by_name": ("doorman (expired)" if status == "expired" else "Olga Owner") if decided else None,
        }
        requests.append(row)
        if status in ("accepted", "blocked"):
            standing[user_id] = "allowed" if status == "accepted" else "blocked"
        if answered is not None or status == "asking":
            how = rng.choices(how_keys, how_weights)[0]
            answers.append((request_id, "how", HOW_LABELS[how], how, None, stamp(created)))
            if how != "search" and rng.random() < 0.8:
                answers.append((request_id, "how:more", sentence(rng, 10, 150), None, 2, stamp(created)))
            if answered is not None:
                answers.append((request_id, "why", sentence(rng, 20, 400), None, 3, stamp(answered)))
        for kind_, at in (("opened", created), ("answered", answered), ("card_sent", card_at),
                          (status, decided)):
            if at is not None:
                events.append((request_id, user_id, kind_, stamp(at)))
        for _ in range(3):
            update_id += 1
            updates.append((update_id, stamp(created)))
    people = [(FIRST_USER + k, rng.choice(FIRST_NAMES), rng.choice(FIRST_NAMES) + "son" if rng.random() < 0.5
               else None, f"user{k}" if rng.random() < 0.6 else None, rng.choice(("en", "de", "fr", "es", None)),
               standing.get(FIRST_USER + k, "unknown"), stamp(now - timedelta(days=365)), stamp(now))
              for k in range(people_count)]
    columns = list(requests[0])
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("begin")
    conn.executemany("insert into people (user_id, first_name, last_name, username, language_code, standing,"
                     " first_seen_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)", people)
    conn.executemany("insert into chats (chat_id, title, type, bot_status, can_invite_users, updated_at)"
                     " values (?, ?, 'channel', 'administrator', 1, ?)", [(c, t, stamp(now)) for c, t in CHATS])
    conn.executemany(f"insert into requests ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                     [tuple(r[c] for c in columns) for r in requests])
    conn.executemany("insert into answers (request_id, question_key, text, choice, message_id, edited, created_at,"
                     " updated_at) values (?, ?, ?, ?, ?, 0, ?, ?)", [(*a, a[-1]) for a in answers])
    conn.executemany("insert into events (request_id, user_id, kind, created_at) values (?, ?, ?, ?)", events)
    conn.executemany("insert into processed_updates (update_id, processed_at) values (?, ?)", updates)
    conn.execute("commit")
    conn.execute("pragma wal_checkpoint(truncate)")
    counts = {name: conn.execute(f"select count(*) from {name}").fetchone()[0]
              for name in ("requests", "people", "answers", "events", "processed_updates")}
    counts["pending"] = conn.execute("select count(*) from requests where status = 'pending'").fetchone()[0]
    conn.close()
    return counts


def timed(call, repeat: int) -> list[float]:
    """Seconds per call, after one warm-up call."""
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def measure_calls(path: Path, now: datetime, repeat: int) -> dict[str, list[float]]:
    """Time the functions the bot uses for the weekly summary, /summary, /stats and /pending."""
    settings = Settings(token=TOKEN, reviewers=(OWNER,), database_path=path)
    db = open_db(path)
    deps = build_deps(settings, db, clock=lambda: now)
    tz, day = settings.timezone, settings.summary_day
    week = week_summarised_at(last_send_at(now, day, settings.summary_time, tz), day, tz)
    calls = {
        "baseline: select count(*) from requests":
            lambda: db.execute("select count(*) from requests").fetchone(),
        "reference: full scan, select max(created_at) from requests not indexed":
            lambda: db.execute("select max(created_at || '') from requests").fetchone(),
        "weekly summary (scheduled, last week)": lambda: render_summary(deps, week, so_far=False),
        "/summary (this week so far)": lambda: render_summary(deps, week_so_far(now, day, tz), so_far=True),
        "/stats (8 weeks)": lambda: stats_text(deps, []),
        "/pending (render_pending)": lambda: pending_list(deps),
    }
    try:
        return {name: timed(call, repeat) for name, call in calls.items()}
    finally:
        db.close()


def longest_stalls(path: Path, now: datetime) -> dict[str, float]:
    """The longest gap between 5 ms ticks of the event loop while /stats runs: as the bot runs it (off the loop,
    on a read-only connection) and, for comparison, on the loop itself."""
    settings = Settings(token=TOKEN, reviewers=(OWNER,), database_path=path)

    async def worst(run) -> float:
        gaps, done = [0.0], asyncio.Event()

        async def tick() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.005)
                gaps.append(time.perf_counter() - last - 0.005)
                last = time.perf_counter()

        ticker = asyncio.create_task(tick())
        await asyncio.sleep(0.05)
        await run()
        done.set()
        await ticker
        return max(gaps)

    async def both() -> dict[str, float]:
        db = open_db(path)
        deps = build_deps(settings, db, clock=lambda: now)
        try:
            stats_text(deps, [])  # warm the page cache: the comparison is about the loop, not the disk

            async def shipped() -> None:
                await off_the_loop(deps, lambda d: stats_text(d, []))

            async def on_loop() -> None:
                stats_text(deps, [])

            return {"off the loop (shipped)": await worst(shipped), "on the loop (before)": await worst(on_loop)}
        finally:
            db.close()

    return asyncio.run(both())


def bot_rss(path: Path, workdir: Path) -> tuple[int, int]:
    """Start python -m bot on this database, wait until it polls, ask /pending and /summary; (RSS, peak) in kB."""
    api = TimedFakeAPI()
    owner = api.user(OWNER, "Olga", "Owner")
    for chat_id, title in CHATS:
        api.add_chat(chat_id, title, type="channel", owner=owner)
    api.private_message(owner, "/start")  # the owner has started the bot (start-up reminders can reach them)
    server = api.serve()
    bot = start_bot(server.base_url, path, workdir)
    try:
        wait_for(lambda: api.sent_to(OWNER), "the bot to poll and answer /start", timeout=120)
        time.sleep(1)
        for command in ("/pending", "/summary", "/stats"):
            before = len(api.sent_to(OWNER))
            api.private_message(owner, command)
            wait_for(lambda b=before: len(api.sent_to(OWNER)) > b, f"the answer to {command}", timeout=60)
        time.sleep(1)
        return proc_status_kb(bot.pid, "VmRSS"), proc_status_kb(bot.pid, "VmHWM")
    except TimeoutError:
        print((workdir / "bot.log").read_text()[-3000:])
        raise
    finally:
        stop_bot(bot)
        server.close()


def main() -> None:
    """Generate the databases, time the calls, measure the bot's memory, print the table and targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000, help="stored requests to generate (default 1,000,000)")
    parser.add_argument("--rss-n", type=int, default=100_000, help="requests in the database for the RSS check")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per function (after one warm-up)")
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="doorman-summary-") as tmp:
        workdir = Path(tmp)
        big = workdir / "big.db"
        started = time.perf_counter()
        counts = generate(big, args.n, now)
        generated = time.perf_counter() - started
        size_mb = big.stat().st_size / 1e6
        times = measure_calls(big, now, args.repeat)
        stalls = longest_stalls(big, now)
        small = workdir / "small.db"
        generate(small, args.rss_n, now)
        small_mb = small.stat().st_size / 1e6
        rss_kb, peak_kb = bot_rss(small, workdir)

    print(f"bench/summary.py: {args.n:,} generated requests over one year ({generated:.0f} s to generate); "
          f"{machine()}")
    print("database: " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
          + f"; {size_mb:.0f} MB ({size_mb * 1e6 / args.n:.0f} bytes per request, all tables)\n")
    baseline = statistics.median(times["baseline: select count(*) from requests"])
    rows = [[name, f"{statistics.median(t) * 1e3:.2f}", f"{max(t) * 1e3:.2f}",
             f"{statistics.median(t) / baseline:.1f}x"] for name, t in times.items()]
    print(table([f"call (median of {args.repeat} after a warm-up)", "median ms", "max ms", "vs baseline"], rows))
    print("\nlongest event-loop stall while /stats runs: " + "; ".join(
        f"{name} {seconds * 1e3:.0f} ms" for name, seconds in stalls.items()))
    print(f"\npython -m bot with a {args.rss_n:,}-request database ({small_mb:.0f} MB), polling, after answering "
          f"/pending, /summary and /stats: RSS {rss_kb / 1024:.1f} MB, peak {peak_kb / 1024:.1f} MB\n")
    weekly = statistics.median(times["weekly summary (scheduled, last week)"])
    pending = statistics.median(times["/pending (render_pending)"])
    print(target(f"weekly summary < {SUMMARY_TARGET} s", f"{weekly:.3f} s", weekly < SUMMARY_TARGET))
    print(target(f"/pending < {PENDING_TARGET} s", f"{pending:.3f} s", pending < PENDING_TARGET))
    print(target(f"bot RSS with {args.rss_n:,} requests < {RSS_TARGET_MB} MB", f"{rss_kb / 1024:.1f} MB",
                 rss_kb / 1024 < RSS_TARGET_MB))
    stall = stalls["off the loop (shipped)"]
    print(target(f"longest stall during /stats < {STALL_TARGET * 1e3:.0f} ms", f"{stall * 1e3:.0f} ms",
                 stall < STALL_TARGET))
    print("RESULT " + json.dumps({
        "requests": args.n, "weekly_summary_s": round(weekly, 4), "pending_s": round(pending, 4),
        "stats_s": round(statistics.median(times["/stats (8 weeks)"]), 4),
        "stall_off_loop_ms": round(stall * 1e3, 1), "stall_on_loop_ms": round(stalls["on the loop (before)"] * 1e3, 1),
        "rss_mb": round(rss_kb / 1024, 1), "peak_rss_mb": round(peak_kb / 1024, 1), "rss_requests": args.rss_n}))


if __name__ == "__main__":
    main()
