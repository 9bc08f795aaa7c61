"""A raid: N join requests at once against the served fake Bot API enforcing Telegram's limits and its 5-minute
window for writing to a join requester; a share of the requesters answer. Runs `python -m bot` as shipped."""

import argparse
import gc
import heapq
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from _common import OWNER, TimedFakeAPI, machine, proc_status_kb, start_bot, stop_bot, table, target, wait_for

CHANNEL = -1001234567890
GLOBAL_PER_SEC, PER_CHAT_PER_SEC, GROUP_PER_MIN = 30, 1, 20
TARGET_RATE = 0.95
JOIN_WINDOW = 300  # Telegram lets the bot write to a join requester for 5 minutes only
FIRST_REQUESTER = 10_000_000
THINKING = (3.0, 12.0)  # seconds an answering requester takes before each reply
THANKS = "Your answers have been passed on"
ANSWERS = ("I was at your workshop on Rust in Lisbon in May, we talked about embedded testing",
           "I run a small firmware team and would like to learn from the discussions here")


class RealTimeFakeAPI(TimedFakeAPI):
    """The timed fake whose own clock (message dates, the join window) follows real time, as Telegram's does."""

    @property
    def now(self) -> float:
        return time.time() + getattr(self, "_offset", 0.0)

    @now.setter
    def now(self, value: float) -> None:
        self._offset = value - time.time()


class Requesters(threading.Thread):
    """Plays the requesters who answer: after each message the bot sends them, they think a few seconds, then tap
    the first choice or type an answer, until they are thanked."""

    def __init__(self, api: RealTimeFakeAPI, answering: set[int], seed: int = 7) -> None:
        super().__init__(daemon=True)
        self.api, self.answering, self.rng = api, answering, random.Random(seed)
        self.due: list[tuple[float, int, int]] = []  # (when, user, messages seen) heap
        self.seen: dict[int, tuple[int, str]] = {}
        self.replies: Counter = Counter()
        self.thanked: set[int] = set()
        self.replied_at: dict[int, float] = {}  # requester: when they last replied, until the bot answers them
        self.waits: list[tuple[float, float]] = []  # (when the bot answered, seconds it took)
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def delivered(self, chat_id: object) -> None:
        """Called by the fake for every message it delivers."""
        if chat_id in self.answering and chat_id not in self.thanked:
            with self.lock:
                if (replied := self.replied_at.pop(chat_id, None)) is not None:
                    self.waits.append((time.monotonic(), time.monotonic() - replied))
                heapq.heappush(self.due, (time.monotonic() + self.rng.uniform(*THINKING), chat_id, 0))

    def run(self) -> None:
        while not self.stopped.is_set():
            with self.lock:
                ready = self.due and self.due[0][0] <= time.monotonic()
                item = heapq.heappop(self.due) if ready else None
            if item is None:
                time.sleep(0.05)
                continue
            self.reply(item[1])

    def reply(self, user_id: int) -> None:
        messages = self.api.sent_to(user_id)
        # The bot answers with a new message, or by editing the tapped question into the next one.
        latest = (len(messages), messages[-1]["text"]) if messages else (0, "")
        if latest == self.seen.get(user_id) or self.replies[user_id] >= 6:
            return
        self.seen[user_id] = latest
        last = messages[-1]
        if THANKS in last["text"]:
            self.thanked.add(user_id)
            return
        buttons = [b for row in (last.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        self.replies[user_id] += 1
        with self.lock:
            self.replied_at[user_id] = time.monotonic()
        if buttons:
            self.api.press_button(user_id, user_id, last["message_id"], buttons[0]["callback_data"])
        else:
            self.api.private_message(user_id, ANSWERS[min(self.replies[user_id] - 2, 1) if self.replies[user_id] > 1
                                                      else 0])


class NotifyingFakeAPI(RealTimeFakeAPI):
    """Tells the requesters' thread about every message delivered to them."""

    requesters: Requesters | None = None
    refused_by: Counter = Counter()  # which of Telegram's windows each 429 came from

    def _rate_limit(self, method, key, params):
        reply = super()._rate_limit(method, key, params)
        if reply is not None:
            now, chat = self.clock(), params.get("chat_id")
            full = [name for name, window_key, span, limit in (
                ("overall", ("global",), 1.0, self._limits["global"]),
                ("per chat", ("chat", str(chat)), 1.0, self._limits["chat"]),
                ("per group", ("group", str(chat)), 60.0, self._limits["group"]))
                if sum(1 for t in self._windows.get(window_key, ()) if t > now - span) >= limit]
            self.refused_by[" and ".join(full) or "?"] += 1
        return reply

    def finish(self, pending):
        reply = super().finish(pending)
        if self.requesters is not None and reply.status == 200 and pending.key in ("sendmessage",
                                                                                    "editmessagetext"):
            self.requesters.delivered(pending.params.get("chat_id"))
        return reply


def busy_neighbour(share: float) -> subprocess.Popen:
    """Another process taking `share` of one core: busy for share x 100 ms of every 100 ms."""
    busy, idle = share * 0.1, (1 - share) * 0.1
    code = (f"import time\nwhile True:\n    end = time.perf_counter() + {busy}\n"
            f"    while time.perf_counter() < end: pass\n    time.sleep({idle})\n")
    return subprocess.Popen([sys.executable, "-c", code])


def outcome(db_path: Path, requesters: set[int]) -> dict:
    """What the database says: asked or not, answered, cards delivered (one each or on a batched card)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "select r.user_id, r.status, r.unreachable, r.answered_at, r.card_message_id, b.message_id"
            " from requests r left join raid_batches b on b.id = r.batch_id where r.kind = 'join'").fetchall()
        statuses = dict(conn.execute("select status, count(*) from requests group by status").fetchall())
    stored = {r[0] for r in rows}
    not_asked = {r[0] for r in rows if r[2] and r[2].startswith("not asked")}
    unreachable_other = {r[0] for r in rows if r[2] and not r[2].startswith("not asked")}
    answered = {r[0] for r in rows if r[3] and not r[2]}
    shown = {r[0] for r in rows if r[4] is not None or r[5] is not None}
    return {"stored": stored & requesters, "not_asked": not_asked, "unreachable_other": unreachable_other,
            "answered": answered, "shown": shown, "statuses": statuses}


def rate_timeline(delivered: list, t0: float, span: float, step: float = 30.0) -> list[float]:
    """Messages delivered per second in each `step` seconds from t0 until t0 + span (the last one may be shorter)."""
    rates, start = [], 0.0
    while start < span:
        end = min(start + step, span)
        count = sum(1 for at, _, _ in delivered if t0 + start < at <= t0 + end)
        rates.append(count / (end - start) if end > start else 0.0)
        start = end
    return rates


def shortest_span(delivered: list, count: int) -> float:
    """The shortest time in which `count` messages were delivered."""
    moments = sorted(at for at, _, _ in delivered)
    return min((b - a for a, b in zip(moments, moments[count - 1:], strict=False)), default=float("inf"))


def reply_waits(waits: list[tuple[float, float]], start: float = float("-inf"), end: float = float("inf")) -> dict:
    """How long requesters who replied waited for the bot's next message (answered between start and end): median,
    99th percentile and longest, in seconds."""
    seconds = sorted(took for at, took in waits if start <= at <= end)
    if not seconds:
        return {"replies": 0}
    return {"replies": len(seconds), "median": round(seconds[len(seconds) // 2], 2),
            "p99": round(seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))], 2), "longest": round(seconds[-1], 2)}


def show_waits(summary: dict) -> str:
    """A reply_waits summary as a table cell."""
    if not summary["replies"]:
        return "no replies"
    return (f"median {summary['median']:.2f} s, 99th percentile {summary['p99']:.2f} s, longest "
            f"{summary['longest']:.2f} s ({summary['replies']} replies)")


def slow_seconds(delivered: list, t0: float, span: float, floor: int = 25) -> str:
    """Whole seconds from t0 until t0 + span in which fewer than `floor` messages were delivered: how many, and
    each as second:messages."""
    per_second = Counter(int(at - t0) for at, _, _ in delivered if t0 < at <= t0 + span)
    slow = [f"{s}:{per_second[s]}" for s in range(int(span)) if per_second[s] < floor]
    return f"{len(slow)} ({' '.join(slow)})" if slow else "0"


def main() -> None:
    """Start the bot, inject the raid, play the answering requesters, wait until everyone is settled, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="join requests (default 10000, ~7 min)")
    parser.add_argument("--answering", type=float, default=0.2, help="share of requesters who answer (0.2)")
    parser.add_argument("--busy", type=float, default=0.0, metavar="SHARE",
                        help="run a busy neighbour process taking this share of a core (e.g. 0.25)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the bot, e.g. --set DETECT_LANGUAGE=false (repeatable)")
    parser.add_argument("--keep-log", type=Path, metavar="FILE", help="copy the bot's log here")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)
    n = args.n
    api = NotifyingFakeAPI()
    owner = api.user(OWNER, "Olga", "Owner")
    api.add_chat(CHANNEL, "Viral Channel", type="channel", owner=owner)  # the bot is an admin there
    requesters = [FIRST_REQUESTER + i for i in range(n)]
    rng = random.Random(20261130)
    answering = {u for u in requesters if rng.random() < args.answering}
    for user_id in requesters:
        api.user(user_id, f"Raider{user_id - FIRST_REQUESTER}", username=f"r{user_id}")
    people = Requesters(api, answering)
    api.requesters = people
    server = api.serve()
    neighbour = busy_neighbour(args.busy) if args.busy else None
    with tempfile.TemporaryDirectory(prefix="doorman-raid-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "doorman.db"
        bot = start_bot(server.base_url, db_path, workdir, **settings)
        try:
            api.private_message(owner, "/start")
            wait_for(lambda: api.sent_to(OWNER), "the bot to answer the owner's /start", timeout=60)
            api.enforce_limits(GLOBAL_PER_SEC, PER_CHAT_PER_SEC, GROUP_PER_MIN)
            time.sleep(1.1)  # start from empty rate windows
            people.start()
            # This process plays Telegram: its own garbage collector, walking the fake's growing state (100+ ms
            # pauses by the end), would stall the fake and bunch the bot's evenly spaced sends into 429s.
            gc.disable()
            sends_before = len(api.delivered)
            t0 = time.monotonic()
            for user_id in requesters:
                api.join_request(user_id, CHANNEL, bio=f"Saw the post, looks great ({user_id % 97})")
            injected = time.monotonic() - t0
            print(f"injected {n} join requests in {injected:.1f} s; {len(answering)} will answer", file=sys.stderr)
            deadline = t0 + JOIN_WINDOW + n / GLOBAL_PER_SEC + 300
            last_report, settled, state = t0, False, {}
            peak_seen, peak_at = 0, 0.0
            while time.monotonic() < deadline:
                time.sleep(2)
                if (hwm := proc_status_kb(bot.pid, "VmHWM")) > peak_seen:
                    peak_seen, peak_at = hwm, time.monotonic() - t0
                state = outcome(db_path, set(requesters))
                asked = {c for _, m, c in api.delivered[sends_before:] if m == "sendmessage"} & set(requesters)
                accounted = asked | state["not_asked"] | state["unreachable_other"]
                waiting_answers = (answering & asked) - state["answered"] - people.thanked
                unshown = state["answered"] - state["shown"]
                if len(accounted) >= n and not unshown and (not waiting_answers or
                                                             time.monotonic() - t0 > JOIN_WINDOW + 60):
                    settled = True
                    break
                if time.monotonic() - last_report >= 30:
                    last_report = time.monotonic()
                    print(f"  {last_report - t0:5.0f} s: {len(asked)} asked, {len(state['not_asked'])} not asked, "
                          f"{len(state['answered'])} answered, {len(state['shown'])} on a card, "
                          f"{api.too_many_requests} x 429, peak RSS {peak_seen / 1024:.0f} MB", file=sys.stderr)
            elapsed = time.monotonic() - t0
            peak_kb, rss_kb = proc_status_kb(bot.pid, "VmHWM"), proc_status_kb(bot.pid, "VmRSS")
        finally:
            gc.enable()
            people.stopped.set()
            if neighbour:
                neighbour.kill()
            stop_bot(bot)
            server.close()
        log = (workdir / "bot.log").read_text(errors="replace")
        if args.keep_log:
            args.keep_log.write_text(log)
        state = outcome(db_path, set(requesters))

    with api.lock:
        delivered = list(api.delivered[sends_before:])
    firsts: dict[int, float] = {}
    wanted = set(requesters)
    for at, method, chat in delivered:
        if method == "sendmessage" and chat in wanted and chat not in firsts:
            firsts[chat] = at
    asked = set(firsts)
    late = sum(1 for chat, at in firsts.items() if at - t0 > JOIN_WINDOW)
    # The rate while first questions were still waiting: every message delivered until the last first question.
    busy_span = max(firsts.values(), default=t0) - t0
    rate = sum(1 for at, _, _ in delivered if at <= t0 + busy_span) / busy_span if busy_span > 0 else 0.0
    timeline = rate_timeline(delivered, t0, busy_span)
    refused = Counter(f"{c.method} to {'the owner' if c.params.get('chat_id') == OWNER else 'a requester'}"
                      for c in api.calls if c.error and c.error.get("error_code") == 429)
    owner_minutes = Counter(int((at - t0) // 60) for at, _, chat in delivered if chat == OWNER)
    lost = len(set(requesters) - state["stored"]) + len(set(requesters) - asked - state["not_asked"]
                                                          - state["unreachable_other"])
    unshown = state["answered"] - state["shown"]
    print(f"bench/raid.py: {n} join requests at once (injected in {injected:.2f} s) into the served fake Bot API "
          f"enforcing {GLOBAL_PER_SEC} msg/s overall, {PER_CHAT_PER_SEC}/s per chat, {GROUP_PER_MIN}/min per group "
          f"and the {JOIN_WINDOW // 60}-minute join window on real time; {len(answering)} requesters "
          f"({args.answering:.0%}) answer after {THINKING[0]:g}-{THINKING[1]:g} s each; bot: python -m bot as shipped"
          f"{f'; busy neighbour taking {args.busy:.0%} of a core' if args.busy else ''}"
          f"{''.join(f'; {k}={v}' for k, v in settings.items())}; {machine()}\n")
    capacity = min(n, GLOBAL_PER_SEC * JOIN_WINDOW)
    with people.lock:
        waits = list(people.waits)
    # When the windows of everyone not yet asked close together: the bot records thousands as "not asked".
    closing = reply_waits(waits, t0 + JOIN_WINDOW - 5, t0 + JOIN_WINDOW + 30)
    rows = [
        ["asked question 1 within their window", f"{len(asked)} / {n}"],
        ["baseline: most that 30 msg/s can ask in 5 min (or n)", capacity],
        ["ratio asked / baseline", f"{len(asked) / capacity:.2f}x"],
        ["not asked: window closed (listed to the owner with their bio)", len(state["not_asked"])],
        ["unreachable for another reason", len(state["unreachable_other"])],
        ["asked after their 5-minute window (must be 0)", late],
        ["send rate until the last first question", f"{rate:.1f} msg/s = {rate / GLOBAL_PER_SEC:.0%} of 30"],
        ["429 Too Many Requests answered", f"{api.too_many_requests} {dict(refused) if refused else ''}"
                                           f"{' by window: ' + str(dict(api.refused_by)) if api.refused_by else ''}"],
        ["requesters who answered everything", f"{len(state['answered'])} (of {len(answering & asked)} asked "
                                                 f"who meant to)"],
        ["answered requests shown to the owner (card or batched card)", f"{len(state['answered'] & state['shown'])}"
                                                                         f" / {len(state['answered'])}"],
        ["owner chat: most messages in one minute", max(owner_minutes.values(), default=0)],
        ["a requester's reply: wait for the bot's next message", show_waits(reply_waits(waits))],
        ["the same, from 5 s before the windows close to 30 s after", show_waits(closing)],
        ["lost (no row, or neither asked nor listed)", lost],
        ["requests by status", ", ".join(f"{k} {v}" for k, v in sorted(state["statuses"].items()))],
        ["settled (everyone asked or listed, every answer shown)", f"{'yes' if settled else 'NO'} after "
                                                                    f"{elapsed:.0f} s"],
        ["bot log: 'Traceback' lines", log.count("Traceback")],
        ["sends per second, each 30 s until the last first question", " ".join(f"{r:.1f}" for r in timeline)],
        ["shortest time for 31 messages (Telegram allows 30 a second)", f"{shortest_span(delivered, 31):.3f} s"],
        ["seconds with fewer than 25 sends (until the last first question)", slow_seconds(delivered, t0, busy_span)],
        ["bot peak RSS (VmHWM) / RSS at the end", f"{peak_kb / 1024:.1f} MB / {rss_kb / 1024:.1f} MB"],
        ["bot peak RSS reached by (sampled every 2 s)", f"{peak_at:.0f} s"],
    ]
    print(table(["measure", "value"], rows))
    print()
    checks = [
        (f"send rate >= {TARGET_RATE:.0%} of {GLOBAL_PER_SEC} msg/s", f"{rate / GLOBAL_PER_SEC:.1%}",
         rate / GLOBAL_PER_SEC >= TARGET_RATE),
        ("429s received = 0", str(api.too_many_requests), api.too_many_requests == 0),
        ("lost requests = 0", str(lost), lost == 0),
        ("nobody asked after their window", str(late), late == 0),
        ("every answered request shown to the owner", str(len(unshown)) + " not shown", not unshown),
        ("peak RSS < 100 MB", f"{peak_kb / 1024:.0f} MB", peak_kb < 100 * 1024),
    ]
    for what, measured, ok in checks:
        print(target(what, measured, ok))
    print("RESULT " + json.dumps({
        "bench": "raid", "n": n, "busy_neighbour": args.busy, "settings": settings, "asked": len(asked),
        "capacity": capacity,
        "not_asked_listed": len(state["not_asked"]), "asked_late": late, "send_rate": round(rate, 2),
        "share_of_30": round(rate / GLOBAL_PER_SEC, 4), "too_many_requests": api.too_many_requests,
        "answered": len(state["answered"]), "answered_shown": len(state["answered"] & state["shown"]),
        "owner_max_per_minute": max(owner_minutes.values(), default=0), "lost": lost, "settled": settled,
        "seconds": round(elapsed, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
        "rate_timeline": [round(r, 1) for r in timeline], "reply_waits": reply_waits(waits),
        "reply_waits_as_windows_close": closing}))


if __name__ == "__main__":
    main()
