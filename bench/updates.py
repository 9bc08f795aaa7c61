"""Per-update cost: whole conversations (or private messages only) through the real doorman app vs a bare PTB
echo bot, same in-process fake Bot API."""

import argparse
import asyncio
import cProfile
import json
import pstats
import re
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import OWNER, TOKEN, TimedFakeAPI, machine, table, target
from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.app import build_application
from bot.settings import Settings
from bot.telegram.concurrency import PerSenderProcessor
from bot.telegram.retry import RetryingRequest
from db import open_db

BASE_URL = "http://fake-bot-api.invalid/bot"
TARGET_RATIO = 2.5  # the floor with doorman's two Bot API calls per update is about 2.1x
TARGET_OWN_MS = 0.8  # doorman's own work per update: everything but Bot API I/O
WARMUP = 30
STEP = timedelta(seconds=10)  # doorman's clock moves 10 s per update: everyday traffic, far below RAID_THRESHOLD
# A stranger writes a first message, then types an answer to each of the two questions.
CONVERSATION = ("Hello! I'd like to connect, we met at the PyCon sprint last spring",
                "At your talk on type checkers in Porto, I asked about variance",
                "I maintain a small linter and would love your advice on plugin APIs")

# The typed answers of the full conversation: 'tell me more' after the tapped choice, then why.
FULL_CONVERSATION = ("At your talk on type checkers in Porto, I asked about variance",
                     "I maintain a small linter and would love your advice on plugin APIs")

# --clock thread: this thread's CPU time instead of wall time, for comparing two versions on a busy host (time the
# process waits for a core is left out; so is the WAL checkpoint thread's work).
CLOCK = [time.perf_counter]
API_TIME = [0.0]  # seconds spent in Bot API calls (PTB request building, httpx, the fake, JSON decoding)


def time_api_calls() -> None:
    """Wrap Bot._do_post (every Bot API call of both bots, from the HTTP request's parameters to the decoded
    answer) with a stopwatch; updates are fed one at a time. Not Bot._post: doorman commits its unit of work just
    before each call (DoormanBot._do_post), and that is doorman's own work, not Bot API I/O."""
    original = Bot._do_post

    async def timed(self, *args, **kwargs):
        started = CLOCK[0]()
        try:
            return await original(self, *args, **kwargs)
        finally:
            API_TIME[0] += CLOCK[0]() - started

    Bot._do_post = timed


def settings_for(db_path: Path) -> Settings:
    """Doorman's settings for the bench: one owner, the fake's base URL."""
    return Settings(token=TOKEN, reviewers=(OWNER,), database_path=db_path, base_url=BASE_URL,
                    contact_line="Write to me at @owner")


def build_echo(api: TimedFakeAPI, settings: Settings) -> Application:
    """A bare echo bot built with the same builder options, request classes and transport as doorman."""
    http = {"httpx_kwargs": {"transport": api.transport}}
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.timezone,
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .request(RetryingRequest(retries=3, backoff=0.5, connection_pool_size=64, **http))
        .get_updates_request(HTTPXRequest(read_timeout=30.0, **http))
        .concurrent_updates(PerSenderProcessor())
        .build()
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()

    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    return app


def make_updates(api: TimedFakeAPI, n: int, first_user: int) -> list[dict]:
    """n private-message updates: strangers in turn, each sending an opening message and two answers."""
    updates = []
    for i in range(n):
        user_id = first_user + i // len(CONVERSATION)
        if i % len(CONVERSATION) == 0:
            api.user(user_id, f"Stranger{user_id}", "Bench", username=f"s{user_id}")
        updates.append(api.private_message(user_id, CONVERSATION[i % len(CONVERSATION)]))
    return updates


class SteppingClock:
    """Doorman's clock: advanced by STEP before each update."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class Feeder:
    """Processes updates one by one, exactly as the test suite does, timing only the processing; also per kind of
    update (time, Bot API time, calls, SQL statements when counted)."""

    def __init__(self, app: Application, clock: SteppingClock, profiler: cProfile.Profile | None = None,
                 statements: Counter | None = None, calls: list | None = None) -> None:
        self.app, self.clock, self.busy, self.count, self.profiler = app, clock, 0.0, 0, profiler
        self.parsing = 0.0  # of busy: PTB's Update.de_json
        self.statements, self.calls = statements, calls
        self.kinds: dict[str, list[float]] = {}  # kind: [updates, seconds, Bot API seconds, calls, statements]

    async def __call__(self, update: dict, kind: str = "other") -> None:
        self.clock.now += STEP
        api_before, calls_before = API_TIME[0], len(self.calls) if self.calls is not None else 0
        sql_before = self.statements.total() if self.statements is not None else 0
        # The profiler too sees only the processing, not the harness reading the fake's chats between updates.
        if self.profiler:
            self.profiler.enable()
        started = CLOCK[0]()
        parsed = Update.de_json(update, self.app.bot)
        self.parsing += CLOCK[0]() - started
        await self.app.process_update(parsed)
        took = CLOCK[0]() - started
        self.busy += took
        if self.profiler:
            self.profiler.disable()
        self.count += 1
        row = self.kinds.setdefault(kind, [0, 0.0, 0.0, 0, 0])
        row[0] += 1
        row[1] += took
        row[2] += API_TIME[0] - api_before
        row[3] += (len(self.calls) if self.calls is not None else 0) - calls_before
        row[4] += (self.statements.total() if self.statements is not None else 0) - sql_before


async def feed_messages(api: TimedFakeAPI, feeder: Feeder, n: int, first_user: int, echo: bool) -> None:
    """The 'messages' mix: pre-built private messages (an opening message and two typed answers each)."""
    for i, update in enumerate(make_updates(api, n, first_user)):
        await feeder(update, ("opening message", "first answer", "last answer")[i % len(CONVERSATION)])


def last_buttons(api: TimedFakeAPI, chat_id: int) -> tuple[int, list[str]]:
    """The newest bot message in a chat and the callback data of its buttons."""
    message = api.sent_to(chat_id)[-1]
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return message["message_id"], [b["callback_data"] for row in rows for b in row if "callback_data" in b]


async def feed_conversations(api: TimedFakeAPI, feeder: Feeder, n: int, first_user: int, echo: bool) -> None:
    """The 'full' mix, n updates of whole conversations: /start, a tapped choice, 'tell me more' typed, the
    last answer typed (and the follow-up, when the assessor asks one), then the owner's Accept on the card.
    The echo bot gets the same kinds of update: messages it echoes and button presses it answers."""
    user_id = first_user
    while feeder.count < n:
        api.user(user_id, f"Stranger{user_id}", "Bench", username=f"s{user_id}")
        await feeder(api.private_message(user_id, "/start"), "/start")
        if echo:
            await feeder(api.press_button(user_id, user_id, 1, "v1:pick:1:how.met", check_buttons=False), "tap")
            for text, kind in zip(FULL_CONVERSATION, TYPED, strict=True):
                await feeder(api.private_message(user_id, text), kind)
            await feeder(api.press_button(OWNER, OWNER, 1, "v1:accept:1", check_buttons=False), "Accept")
            user_id += 1
            continue
        message_id, data = last_buttons(api, user_id)
        await feeder(api.press_button(user_id, user_id, message_id, data[0]), "tap")
        for text, kind in zip(FULL_CONVERSATION, TYPED, strict=True):
            await feeder(api.private_message(user_id, text), kind)
        if "One more thing" in api.sent_to(user_id)[-1]["text"]:
            await feeder(api.private_message(user_id, "We met at the PyCon sprint in Pittsburgh, May 2025"),
                         "follow-up answer")
        card_id, data = last_buttons(api, OWNER)
        await feeder(api.press_button(OWNER, OWNER, card_id, next(d for d in data if d.startswith("v1:accept:"))),
                     "Accept")
        user_id += 1


TYPED = ("'tell me more'", "last answer")
MIXES = {"full": feed_conversations, "messages": feed_messages}


async def measure(kind: str, n: int, workdir: Path, profiler: cProfile.Profile | None = None,
                  count_sql: bool = False, mix: str = "full") -> dict:
    """Build a fresh bot of `kind` ('doorman' or 'echo') on a fresh fake, warm it up, time n updates."""
    api, statements = TimedFakeAPI(), Counter()
    api.user(OWNER, "Olga", "Owner")
    api.private_message(OWNER, "/start")  # the owner has started the bot, so cards can reach them
    settings = settings_for(workdir / f"{kind}-{time.monotonic_ns()}.db")
    clock = SteppingClock()
    if kind == "doorman":
        db = open_db(settings.database_path)
        app = build_application(settings, db=db, clock=clock, transport=api.transport, rate_limiter=False)
    else:
        db, app = None, build_echo(api, settings)
    play = MIXES[mix]
    await app.initialize()
    try:
        await play(api, Feeder(app, clock), WARMUP, 900_000, kind == "echo")
        api.busy, API_TIME[0], sends_before, calls_before = 0.0, 0.0, len(api.delivered), len(api.calls)
        if count_sql and db is not None:
            db.conn.set_trace_callback(lambda sql: statements.update([normalise(sql)]))
        feeder = Feeder(app, clock, profiler, statements if count_sql else None, api.calls)
        await play(api, feeder, n, 100_000, kind == "echo")
        elapsed, parsing, n_done = feeder.busy, feeder.parsing, feeder.count
    finally:
        await app.shutdown()
        if db is not None:
            db.close()
    errors = [c for c in api.calls if not c.ok]
    if errors:
        raise RuntimeError(f"{kind}: the fake refused {len(errors)} calls, e.g. {errors[0]}")
    # Per update: a conversation ends whole, so a run may feed a few more than n.
    scale = n / n_done
    return {"elapsed": elapsed * scale, "parsing": parsing * scale, "api": API_TIME[0] * scale,
            "fake": api.busy * scale,
            "sends": (len(api.delivered) - sends_before) * scale, "calls": (len(api.calls) - calls_before) * scale,
            "statements": statements, "kinds": feeder.kinds}


def print_kinds(runs: list[dict], counted: dict | None) -> None:
    """Doorman per kind of update: medians over the timed runs (own work = all but Bot API calls); SQL statements
    from the counting run, when profiled."""
    print("\ndoorman per kind of update (medians of the runs)")
    rows = []
    for kind in runs[0]["kinds"]:
        per = [r["kinds"][kind] for r in runs if kind in r["kinds"]]
        ms, own = (statistics.median(f(row) / row[0] * 1e3 for row in per)
                   for f in (lambda row: row[1], lambda row: row[1] - row[2]))
        sql = counted["kinds"].get(kind) if counted else None
        rows.append([kind, f"{per[0][0]}",
                     f"{ms:.3f}", f"{own:.3f}", f"{per[0][3] / per[0][0]:.2f}",
                     f"{sql[4] / sql[0]:.1f}" if sql else "-"])
    print(table(["kind", "updates", "ms/update", "own ms", "calls/update", "SQL statements"], rows))


def normalise(sql: str) -> str:
    """An SQL statement with its literals replaced, so that statements can be counted by shape."""
    return re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "?", " ".join(sql.split())))


ROOT = Path(__file__).resolve().parents[1]  # the repository: bot/ and db/ are doorman's own code


def area(filename: str, name: str) -> str:
    """Which part of the stack a profiled function belongs to."""
    path = filename.replace("\\", "/")
    rules = ((f"{ROOT}/fakegram/", "fake Bot API (bench harness)"), (f"{ROOT}/bot/", "doorman code (bot/, db/)"),
             (f"{ROOT}/db/", "doorman code (bot/, db/)"), (f"{ROOT}/prompts/", "jinja2 (templates)"),
             ("sqlite_utils", "sqlite-utils"), ("jinja2", "jinja2 (templates)"), ("markupsafe", "jinja2 (templates)"),
             ("/telegram/", "python-telegram-bot"), ("httpx", "httpx / httpcore"), ("httpcore", "httpx / httpcore"),
             ("asyncio", "asyncio"), ("json", "json"))
    if filename == "~" and "sqlite3" in name:
        return "sqlite3 (C)"
    return next((label for needle, label in rules if needle in path), "other (stdlib, builtins)")


def print_profile(profiler: cProfile.Profile, n: int, statements: Counter, top: int = 25) -> None:
    """Where the doorman's time goes: by area, top functions by own time, doorman's functions, SQL statements."""
    stats = pstats.Stats(profiler).stats
    total = sum(row[2] for row in stats.values())
    by_area: Counter = Counter()
    for (filename, _, name), (_, _, tottime, _, _) in stats.items():
        by_area[area(filename, name)] += tottime
    print(f"\nprofile of doorman, {n} updates (cProfile inflates Python-heavy code; read the shares, not the ms)")
    print(table(["area (own time)", "s", "share", "µs/update"],
                [[name, f"{t:.2f}", f"{t / total:.0%}", f"{t / n * 1e6:.0f}"] for name, t in by_area.most_common()]))

    def label(f: str, line: int, name: str) -> str:
        return name if f == "~" else f"{Path(f).relative_to(ROOT) if f.startswith(str(ROOT)) else Path(f).name}" \
            f":{line}({name})"

    own = sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]
    print(f"\ntop {top} functions by own time")
    print(table(["function", "calls/update", "own µs/update"],
                [[label(*key), f"{calls / n:.2f}", f"{tt / n * 1e6:.0f}"] for key, (_, calls, tt, _, _) in own]))
    mine = sorted(((key, row) for key, row in stats.items() if area(key[0], key[2]).startswith("doorman")),
                  key=lambda kv: -kv[1][3])[:top]
    print(f"\ntop {top} doorman functions by cumulative time (including what they call)")
    print(table(["function", "calls/update", "cum µs/update"],
                [[label(*key), f"{calls / n:.2f}", f"{ct / n * 1e6:.0f}"] for key, (_, calls, _, ct, _) in mine]))
    print(f"\nSQL statements per update: {sum(statements.values()) / n:.1f} (most frequent, literals replaced)")
    print(table(["statement", "per update"],
                [[sql[:100], f"{count / n:.2f}"] for sql, count in statements.most_common(12)]))


def main() -> None:
    """Run both bots `--repeat` times on N updates each, print the table, the ratio and the target line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="updates per run (default 2000)")
    parser.add_argument("--mix", choices=sorted(MIXES), default="full",
                        help="full: whole conversations ending with the owner's Accept (default); messages: an "
                             "opening message and two typed answers")
    parser.add_argument("--repeat", type=int, default=3, help="runs per bot, alternating; medians reported")
    parser.add_argument("--profile", action="store_true", help="also profile one doorman run (cProfile)")
    parser.add_argument("--clock", choices=("wall", "thread"), default="wall",
                        help="wall: elapsed time (default); thread: the event loop thread's CPU time")
    args = parser.parse_args()
    if args.clock == "thread":
        CLOCK[0] = time.thread_time
    results: dict[str, list[dict]] = {"echo": [], "doorman": []}
    time_api_calls()
    with tempfile.TemporaryDirectory(prefix="doorman-bench-") as tmp:
        for _ in range(args.repeat):
            for kind in ("echo", "doorman"):
                results[kind].append(asyncio.run(measure(kind, args.n, Path(tmp), mix=args.mix)))
        profiler = cProfile.Profile() if args.profile else None
        counted = None
        if profiler:
            asyncio.run(measure("doorman", args.n, Path(tmp), profiler, mix=args.mix))
            counted = asyncio.run(measure("doorman", args.n, Path(tmp), count_sql=True, mix=args.mix))
            statements = counted["statements"]

    def median(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in results[kind])

    what = ("whole conversations: /start, a tapped choice, 'tell me more' and the last answer typed (and the "
            "follow-up when asked), the owner's Accept" if args.mix == "full" else
            "private messages: an opening message and two typed answers per stranger")
    print(f"bench/updates.py --mix {args.mix}: {args.n} updates per run, median of {args.repeat} runs; {machine()}"
          + ("; times are the event loop thread's CPU time" if args.clock == "thread" else ""))
    print("both bots: rate_limiter=False (the rate limiter's sleeping is waiting, not per-update CPU cost); "
          "same builder options, in-process fake Bot API, app.process_update(Update.de_json(...)) one by one, "
          "only the processing timed")
    print(f"doorman: {what} (temp SQLite file, WAL; its clock moves {STEP.seconds} s per update: everyday traffic, "
          "no raid mode); echo: the same kinds of update, messages echoed and presses answered\n")
    rows = []
    for kind in ("echo", "doorman"):
        per_update, api, fake = (median(kind, key) / args.n * 1e3 for key in ("elapsed", "api", "fake"))
        sends, calls = (statistics.median(r[key] for r in results[kind]) / args.n for key in ("sends", "calls"))
        rows.append([kind, f"{1e3 / per_update:,.0f}", f"{per_update:.3f}", f"{calls:.2f}", f"{sends:.2f}",
                     f"{api:.3f}", f"{fake:.3f}", f"{per_update - api:.3f}"])
    print(table(["bot", "updates/s", "ms/update", "calls/update", "sends/update", "Bot API calls ms",
                 "of which fake ms", "rest ms"], rows))
    print("(Bot API calls: PTB encoding the parameters, httpx, the in-process fake, decoding the answer; rest: parsing "
          "the update, dispatch, handlers, SQLite with the commit before each call, templates)")
    ratio = median("doorman", "elapsed") / median("echo", "elapsed")
    rest = ((median("doorman", "elapsed") - median("doorman", "api"))
            / (median("echo", "elapsed") - median("echo", "api")))
    print(f"\nratio of per-update cost doorman / echo: {ratio:.2f}x "
          f"(Bot API calls excluded on both sides: {rest:.2f}x)")
    # What doorman cannot go below while it makes these calls on updates like these: its Bot API calls and PTB's
    # parsing of its updates, with no handler, no SQL and no template at all.
    floor = (median("doorman", "api") + median("doorman", "parsing")) / median("echo", "elapsed")
    print(f"floor: doorman's Bot API calls and PTB's parsing of its updates alone (no dispatch, handler, SQL or "
          f"template) = {floor:.2f}x the echo bot; parsing: doorman {median('doorman', 'parsing') / args.n * 1e3:.3f}"
          f" ms, echo {median('echo', 'parsing') / args.n * 1e3:.3f} ms per update")
    print_kinds(results["doorman"], counted)
    if profiler:
        print_profile(profiler, args.n, statements)
    print()
    own = (median("doorman", "elapsed") - median("doorman", "api")) / args.n * 1e3
    print(target(f"doorman per-update cost <= {TARGET_RATIO}x echo bot", f"{ratio:.2f}x", ratio <= TARGET_RATIO))
    print(target(f"doorman's own work per update <= {TARGET_OWN_MS} ms", f"{own:.3f} ms", own <= TARGET_OWN_MS))
    print("RESULT " + json.dumps({
        "bench": "updates", "mix": args.mix, "n": args.n, "repeat": args.repeat, "clock": args.clock,
        "echo_ms": round(median("echo", "elapsed") / args.n * 1e3, 4),
        "doorman_ms": round(median("doorman", "elapsed") / args.n * 1e3, 4),
        "doorman_api_ms": round(median("doorman", "api") / args.n * 1e3, 4), "doorman_own_ms": round(own, 4),
        "doorman_sends_per_update": round(statistics.median(r["sends"] for r in results["doorman"]) / args.n, 3),
        "doorman_calls_per_update": round(statistics.median(r["calls"] for r in results["doorman"]) / args.n, 3),
        "ratio": round(ratio, 3), "ratio_without_api": round(rest, 3), "floor_ratio": round(floor, 3),
        "doorman_parse_ms": round(median("doorman", "parsing") / args.n * 1e3, 4),
        "echo_parse_ms": round(median("echo", "parsing") / args.n * 1e3, 4)}))


if __name__ == "__main__":
    main()
