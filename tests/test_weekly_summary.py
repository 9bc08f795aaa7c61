"""The weekly summary, /summary and /stats: exact numbers from hand-built rows, sent once per week, DST weeks."""

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers.world import OWNER, REVIEWER, Driver

from bot.app import build_application
from bot.core.text import fits
from bot.core.weekly import Window
from bot.flow.summaries import catch_up_summary, render_summary
from bot.jobs import arm_jobs, deps_of
from db.answers import set_answer
from db.chats import upsert_chat
from db.people import upsert_person
from db.requests import insert_request
from db.stats import get_schedule_state, week_series

CHAT_A, CHAT_B = -1001, -1002
WEEK = Window(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
BEFORE = Window(datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 16, tzinfo=UTC))
CHOICE_LABELS = {"met": "Met in person", "referred": "Referred by someone", "search": "Search"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def add(db, user_id: int, kind: str, created: str, status: str = "pending", *, decided: str | None = None,
        source: str | None = None, chat: int | None = None, how: str | None = None,
        timed_out: str | None = None, name: str | None = None) -> int:
    """One request row as the pipeline would leave it."""
    upsert_person(db, {"user_id": user_id, "first_name": name or f"Person{user_id}"}, at(created))
    extra = {"business_connection_id": "biz-1"} if kind == "business" else {}
    request_id = insert_request(db, kind=kind, user_id=user_id, now=at(created), source=source,
                                target_chat_id=chat, reply_chat_id=user_id, **extra)
    fields = {"status": status}
    if decided:
        fields.update(decided_at=at(decided).isoformat(), decided_by=OWNER, decided_by_name="Olga Owner")
    if timed_out:
        fields["timed_out_at"] = at(timed_out).isoformat()
    db["requests"].update(request_id, fields)
    if how:
        set_answer(db, request_id, "how", CHOICE_LABELS[how], choice=how, now=at(created))
    return request_id


def build_weeks(db) -> None:
    """Two weeks of requests: every kind, outcome, boundary and the 'never answered' cases.

    Week of 16 Nov (UTC): received 8 (direct 4, join 3, business 1; chat A 2, chat B 1); decided 6 (accepted 2,
    declined 1, blocked 1, expired 1, withdrawn 1); reviewer decision times 2 h, 1 h, 24 h, 30 min → median
    1 h 30 min; still open at the end 5; never answered 2. Week of 9 Nov: received 4, 1 accepted in 3 h,
    still open at its end 3.
    """
    upsert_chat(db, CHAT_A, title="Rust <Embedded> & Co", type="supergroup", bot_status="administrator",
                can_invite_users=True, now=at("2026-11-01T00:00:00"))
    upsert_chat(db, CHAT_B, title="Zig", type="supergroup", bot_status="administrator", can_invite_users=True,
                now=at("2026-11-01T00:00:00"))
    # The week before (9–16 Nov).
    add(db, 5008, "direct", "2026-11-10T10:00:00", "expired", decided="2026-11-18T10:00:00")
    add(db, 5009, "join", "2026-11-12T10:00:00", "withdrawn", decided="2026-11-20T10:00:00", chat=CHAT_A)
    add(db, 5010, "direct", "2026-11-15T10:00:00", name="<b>Eve</b> & co")  # oldest pending
    add(db, 5012, "direct", "2026-11-11T09:00:00", "accepted", decided="2026-11-11T12:00:00", source="pycon25",
        how="met")
    # The week (16–23 Nov).
    add(db, 5001, "direct", "2026-11-16T10:00:00", "accepted", decided="2026-11-16T12:00:00", source="pycon25",
        how="met")
    add(db, 5002, "direct", "2026-11-17T08:00:00", "declined", decided="2026-11-17T09:00:00", source="pycon25",
        how="search")
    add(db, 5003, "join", "2026-11-18T10:00:00", "accepted", decided="2026-11-19T10:00:00", source="rustconf",
        chat=CHAT_A, how="met")
    add(db, 5004, "join", "2026-11-19T00:00:00", "blocked", decided="2026-11-19T00:30:00", chat=CHAT_A,
        how="referred")
    add(db, 5005, "join", "2026-11-20T12:00:00", chat=CHAT_B, timed_out="2026-11-21T12:00:00")
    add(db, 5006, "business", "2026-11-21T09:00:00", "asking")  # silent for more than a day: never answered
    add(db, 5007, "direct", "2026-11-22T23:30:00", "asking")  # asked 30 min before the end: not yet
    add(db, 5013, "direct", "2026-11-22T10:00:00", "accepted", decided="2026-11-23T00:00:00")  # decided next week
    # This week (from 23 Nov).
    add(db, 5011, "direct", "2026-11-23T08:00:00")


def test_numbers_for_a_week_and_the_week_before(db):
    build_weeks(db)
    week, before = week_series(db, [(WEEK.start, WEEK.end), (BEFORE.start, BEFORE.end)])
    assert week == {
        "received": 8, "by_kind": {"join": 3, "direct": 4, "business": 1}, "decided": 6,
        "outcomes": {"accepted": 2, "declined": 1, "blocked": 1, "expired": 1, "withdrawn": 1},
        "still_open": 5, "never_answered": 2, "median_seconds": 5400.0, "acceptance": 2 / 6,
    }
    assert before == {
        "received": 4, "by_kind": {"join": 1, "direct": 3, "business": 0}, "decided": 1,
        "outcomes": {"accepted": 1, "declined": 0, "blocked": 0, "expired": 0, "withdrawn": 0},
        "still_open": 3, "never_answered": 0, "median_seconds": 10800.0, "acceptance": 1.0,
    }


def test_an_empty_week_has_zeros_and_no_rate(db):
    [empty] = week_series(db, [(WEEK.start, WEEK.end)])
    assert empty["received"] == 0 and empty["decided"] == 0 and empty["still_open"] == 0
    assert empty["acceptance"] is None and empty["median_seconds"] is None


def test_the_median_of_an_odd_count_is_the_middle_one(db):
    for i, minutes in enumerate((10, 50, 20)):
        add(db, 6000 + i, "direct", "2026-11-17T10:00:00", "declined", decided=f"2026-11-17T10:{minutes}:00")
    assert week_series(db, [(WEEK.start, WEEK.end)])[0]["median_seconds"] == 1200.0


def test_the_stats_queries_use_the_new_indexes(db):
    plan = " ".join(str(row) for row in db.execute(
        "explain query plan select count(*) from requests where created_at >= ? and created_at < ?",
        ["2026-11-16T00:00:00+00:00", "2026-11-23T00:00:00+00:00"]).fetchall())
    assert "idx_requests_created_at" in plan
    plan = " ".join(str(row) for row in db.execute(
        "explain query plan select count(*) from requests where decided_at >= ? and decided_at < ?",
        ["2026-11-16T00:00:00+00:00", "2026-11-23T00:00:00+00:00"]).fetchall())
    assert "idx_requests_decided_at" in plan


EXPECTED_SUMMARY = """📊 Weekly summary
Mon 16 Nov 2026 – Sun 22 Nov 2026 (UTC)

Received: 8, week before: 4
· join requests: 3, week before: 1
· direct, to the bot: 4, week before: 3
· to your account: 1, week before: 0
Join requests per chat
· Rust <Embedded> & Co: 2, week before: 1
· Zig: 1, week before: 0

Decided: 6, week before: 1
· ✅ accepted: 2, week before: 1
· ❌ declined: 1, week before: 0
· ⛔ blocked: 1, week before: 0
· ⌛ expired: 1, week before: 0
· ↪️ handled elsewhere: 1, week before: 0
Still open: 5, week before: 3
Acceptance rate: 33 %, week before: 100 %
Median time to decision: 1 h 30 min, week before: 3 h
Never answered: 2, week before: 0

Top sources
· pycon25: 2, week before: 1
· rustconf: 1, week before: 0

How they found you
· Met in person: 2, week before: 1
· Referred by someone: 1, week before: 0
· Search: 1, week before: 0

Waiting longest (3 waiting in all)
· #3 <b>Eve</b> & co · direct · since 15 Nov (7 d 23 h)
· #9 Person5005 · join · since 20 Nov (2 d 21 h)
· #13 Person5011 · direct · since 23 Nov (1 h)"""


async def start_counting(svc, bot, clock, when: datetime) -> None:
    """The bot ran once before the week in question (the first start only records where it begins)."""
    saved = clock.current
    clock.current = when
    assert await catch_up_summary(svc, bot) == 0
    clock.current = saved


def state(db) -> dict:
    return json.loads(get_schedule_state(db, "weekly_summary"))


def summaries(api, chat_id: int) -> list[dict]:
    return [m for m in api.sent_to(chat_id) if m["text"].startswith("📊 Weekly summary")]


async def test_the_scheduled_summary_shows_every_number_against_the_week_before(app, db, fake_api, owner, clock):
    fake_api.private_message(owner, "/start")
    build_weeks(db)
    svc = deps_of(app)
    await start_counting(svc, app.bot, clock, at("2026-11-18T12:00:00"))
    clock.current = at("2026-11-23T09:00:00")
    assert await catch_up_summary(svc, app.bot) == 1
    [sent] = summaries(fake_api, OWNER)
    assert sent["text"] == EXPECTED_SUMMARY
    assert "Rust &lt;Embedded&gt; &amp; Co" in sent["html"] and "&lt;b&gt;Eve&lt;/b&gt;" in sent["html"]
    rows = sent["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in rows] == [
        [f"v1:{action}:{i}" for action in ("accept", "decline", "block")] for i in (3, 9, 13)]
    assert rows[1][0]["text"] == "✅ Approve #9", "join requests get Approve, as on their card"
    assert list(db.query("select detail from events where kind = 'weekly_summary_sent'")) == [
        {"detail": f"2026-11-16 {OWNER}"}]


async def test_a_decision_from_the_summary_buttons_is_carried_out(app, db, fake_api, owner, clock):
    driver = Driver(app, fake_api)
    fake_api.private_message(owner, "/start")
    build_weeks(db)
    svc = deps_of(app)
    await start_counting(svc, app.bot, clock, at("2026-11-18T12:00:00"))
    await catch_up_summary(svc, app.bot)
    [sent] = summaries(fake_api, OWNER)
    await driver.press(owner, OWNER, sent["message_id"], "v1:decline:13")
    assert db["requests"].get(13)["status"] == "declined"


async def test_the_summary_text_stays_after_a_decision_from_its_buttons(app, db, fake_api, owner, clock):
    driver = Driver(app, fake_api)
    fake_api.private_message(owner, "/start")
    build_weeks(db)
    svc = deps_of(app)
    await start_counting(svc, app.bot, clock, at("2026-11-18T12:00:00"))
    await catch_up_summary(svc, app.bot)
    [sent] = summaries(fake_api, OWNER)
    await driver.press(owner, OWNER, sent["message_id"], "v1:decline:13")
    after = next(m for m in fake_api.sent_to(OWNER) if m["message_id"] == sent["message_id"])
    assert after["text"] == sent["text"]
    assert [row[0]["callback_data"] for row in after["reply_markup"]["inline_keyboard"]] == [
        "v1:accept:3", "v1:accept:9"], "only the decided request's row is gone"


async def test_down_at_the_scheduled_time_sends_on_the_next_start_and_never_twice(make_app, settings, db,
                                                                                  fake_api, owner, clock):
    fake_api.private_message(owner, "/start")
    clock.current = at("2026-11-19T12:00:00")  # Thursday: the bot runs, then stops before Monday 09:00
    first = await make_app(settings, db)
    assert await catch_up_summary(deps_of(first), first.bot) == 0
    await first.shutdown()
    assert summaries(fake_api, OWNER) == []

    clock.current = at("2026-11-24T15:00:00")  # back on Tuesday afternoon
    second = await make_app(settings, db)
    svc = deps_of(second)
    assert await catch_up_summary(svc, second.bot) == 1
    assert await catch_up_summary(svc, second.bot) == 0
    await second.shutdown()

    third = await make_app(settings, db)  # another restart the same week
    svc = deps_of(third)
    assert await catch_up_summary(svc, third.bot) == 0
    assert [m["text"].splitlines()[1] for m in summaries(fake_api, OWNER)] == [
        "Mon 16 Nov 2026 – Sun 22 Nov 2026 (UTC)"]

    clock.current = at("2026-11-30T08:59:59")
    assert await catch_up_summary(svc, third.bot) == 0
    clock.current = at("2026-11-30T09:00:00")
    assert await catch_up_summary(svc, third.bot) == 1
    assert len(summaries(fake_api, OWNER)) == 2
    await third.shutdown()


async def test_the_periodic_job_sends_through_the_same_row(app, db, fake_api, owner, clock):
    fake_api.private_message(owner, "/start")
    svc = deps_of(app)
    await start_counting(svc, app.bot, clock, at("2026-11-18T12:00:00"))
    arm_jobs(app)
    [job] = app.job_queue.get_jobs_by_name("weekly-summary")
    await job.run(app)
    await job.run(app)
    assert len(summaries(fake_api, OWNER)) == 1


async def test_a_failed_send_is_retried_at_the_next_check(app, db, fake_api, owner, clock):
    fake_api.private_message(owner, "/start")
    svc = deps_of(app)
    await start_counting(svc, app.bot, clock, at("2026-11-18T12:00:00"))
    outage = {"on": True}  # Telegram answers 502 for longer than the request layer keeps retrying
    fake_api.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=1000,
                       when=lambda params: outage["on"])
    assert await catch_up_summary(svc, app.bot) == 0
    assert summaries(fake_api, OWNER) == [] and state(db)["done"] == [] and state(db)["trying"] is None
    outage["on"] = False
    assert await catch_up_summary(svc, app.bot) == 1
    assert len(summaries(fake_api, OWNER)) == 1


async def test_a_lost_answer_is_not_resent(settings, db, fake_api, owner, clock, caplog):
    fake_api.private_message(owner, "/start")
    # Without request-level retries: what reaches the summary is Telegram's TimedOut itself.
    app = build_application(settings, db=db, clock=clock, transport=fake_api.transport, retries=0)
    await app.initialize()
    svc = deps_of(app)
    await start_counting(svc, app.bot, clock, at("2026-11-18T12:00:00"))
    fake_api.fail_next("sendMessage", kind="timeout_after")  # delivered, but the answer never came back
    with caplog.at_level(logging.WARNING):
        assert await catch_up_summary(svc, app.bot) == 0
        assert await catch_up_summary(svc, app.bot) == 0
    assert len(summaries(fake_api, OWNER)) == 1
    assert "it may have arrived, not resending" in caplog.text
    await app.shutdown()


async def test_a_lost_answer_is_not_resent_by_the_request_layer_either(app, db, fake_api, owner, clock):
    fake_api.private_message(owner, "/start")
    svc = deps_of(app)
    await start_counting(svc, app.bot, clock, at("2026-11-18T12:00:00"))
    fake_api.fail_next("sendMessage", kind="timeout_after")
    await catch_up_summary(svc, app.bot)
    assert len(summaries(fake_api, OWNER)) == 1


async def test_a_crash_during_the_send_is_logged_and_not_resent(app, db, fake_api, owner, clock, caplog):
    fake_api.private_message(owner, "/start")
    svc = deps_of(app)
    db["schedule_state"].insert({"name": "weekly_summary", "updated_at": "2026-11-23T09:00:00+00:00",
                                 "value": json.dumps({"week": "2026-11-16", "done": [], "trying": OWNER})})
    with caplog.at_level(logging.WARNING):
        assert await catch_up_summary(svc, app.bot) == 0
    assert summaries(fake_api, OWNER) == []
    assert "interrupted mid-send; not resending" in caplog.text
    assert state(db) == {"week": "2026-11-16", "done": [OWNER], "trying": None}


async def test_the_review_chat_gets_it_too_and_a_refusal_there_is_not_retried(make_app, settings, db, fake_api,
                                                                           owner, clock, caplog):
    fake_api.private_message(owner, "/start")
    fake_api.add_chat(-100500, "Reviewers", type="group")
    app = await make_app(replace(settings, review_chat_id=-100500), db)
    svc = deps_of(app)
    await start_counting(svc, app.bot, clock, at("2026-11-18T12:00:00"))
    assert await catch_up_summary(svc, app.bot) == 2
    assert len(summaries(fake_api, OWNER)) == 1 and len(summaries(fake_api, -100500)) == 1

    clock.current = at("2026-11-30T09:00:00")
    fake_api.fail_next("sendMessage", error_code=403, description="Forbidden: bot was kicked from the group chat",
                       when=lambda p: str(p.get("chat_id")) == "-100500")
    with caplog.at_level(logging.ERROR):
        assert await catch_up_summary(svc, app.bot) == 1
        assert await catch_up_summary(svc, app.bot) == 0
    assert len(summaries(fake_api, OWNER)) == 2 and len(summaries(fake_api, -100500)) == 1
    assert "bot was kicked" in caplog.text
    await app.shutdown()


@pytest.mark.parametrize("zone, running, wrong_nine, right_nine, first_day, inside, outside", [
    # Berlin leaves summer time on Sunday 25 Oct 2026: Monday 09:00 CET is 08:00 UTC (09:00 CEST would be 07:00).
    ("Europe/Berlin", "2026-10-20T12:00:00", "2026-10-26T07:00:00", "2026-10-26T08:00:00", "Mon 19 Oct 2026",
     ("2026-10-18T22:00:00", "2026-10-25T22:59:59"), ("2026-10-18T21:59:59", "2026-10-25T23:00:00")),
    # New York leaves daylight time on Sunday 1 Nov 2026: Monday 09:00 EST is 14:00 UTC (09:00 EDT would be 13:00).
    ("America/New_York", "2026-10-27T12:00:00", "2026-11-02T13:00:00", "2026-11-02T14:00:00", "Mon 26 Oct 2026",
     ("2026-10-26T04:00:00", "2026-11-02T04:59:59"), ("2026-10-26T03:59:59", "2026-11-02T05:00:00")),
])
async def test_a_week_spanning_a_dst_change_is_sent_once_at_nine_local(make_app, settings, db, fake_api, owner,
                                                                       clock, zone, running, wrong_nine,
                                                                       right_nine, first_day, inside, outside):
    fake_api.private_message(owner, "/start")
    for i, created in enumerate(inside + outside):
        add(db, 7000 + i, "direct", created)
    app = await make_app(replace(settings, timezone=ZoneInfo(zone)), db)
    svc = deps_of(app)
    await start_counting(svc, app.bot, clock, at(running))  # running during the week before the change
    for moment in (wrong_nine, at(right_nine) - timedelta(seconds=1)):
        clock.current = at(moment) if isinstance(moment, str) else moment
        assert await catch_up_summary(svc, app.bot) == 0, moment
    clock.current = at(right_nine)
    assert await catch_up_summary(svc, app.bot) == 1
    clock.current = at(right_nine) + timedelta(minutes=5)
    assert await catch_up_summary(svc, app.bot) == 0
    [sent] = summaries(fake_api, OWNER)
    assert sent["text"].splitlines()[1].startswith(first_day) and f"({zone})" in sent["text"]
    assert "Received: 2, week before: 1" in sent["text"], \
        "exactly the two requests inside the local week (one just before)"
    await app.shutdown()


async def test_summary_command_shows_this_week_so_far_with_buttons(driver, db, fake_api, owner, clock):
    build_weeks(db)
    clock.current = at("2026-11-22T12:00:00")  # Sunday noon: 16 Nov 00:00 → now, against 9 Nov → 15 Nov 12:00
    await driver.send(owner, "/summary")
    text = driver.last(OWNER)["text"]
    assert text.startswith("📊 This week so far\nMon 16 Nov 2026 – Sun 22 Nov 2026 12:00 (UTC)")
    assert "Received: 7, this time last week: 4" in text, \
        "5007 (23:30) has not arrived yet; 5010 (15 Nov 10:00) counts last week"
    assert "· direct, to the bot: 3, this time last week: 3" in text
    assert "Still open: 4, this time last week: 3" in text, \
        "5005, 5006, 5010 and 5013 (decided only tomorrow)"
    assert driver.button(driver.last(OWNER), "v1:accept:3")


async def test_stats_command_shows_a_table_of_weeks(driver, db, owner):
    build_weeks(db)
    await driver.send(owner, "/stats 3")
    message = driver.last(OWNER)
    assert "<pre>" in message["html"]
    lines = message["text"].splitlines()
    assert lines[1:5] == [
        "week     in  ok  no open  acc  med",
        "09 Nov    4   1   0    3 100%   3h",
        "16 Nov    8   2   2    5  33%   1h",
        "23 Nov    1   1   0    5 100%  14h",
    ]
    await driver.send(owner, "/stats")
    assert len(driver.last(OWNER)["text"].splitlines()) == 1 + 1 + 8 + 1
    await driver.send(owner, "/stats 52")
    assert fits(driver.last(OWNER)["html"]) and "23 Nov" in driver.last(OWNER)["text"]


async def test_stats_on_a_new_bot_says_there_is_nothing_yet(driver, owner):
    await driver.send(owner, "/stats")
    text = driver.last(OWNER)["text"]
    assert text.startswith("📈 Nothing to count yet: no requests in the last 8 weeks") and "<pre>" not in \
        driver.last(OWNER)["html"]


@pytest.mark.parametrize("args", ["x", "0", "53", "1 2", "-3"])
async def test_stats_with_a_bad_argument_explains_the_usage(driver, owner, args):
    await driver.send(owner, f"/stats {args}")
    assert driver.last(OWNER)["text"] == "Usage: /stats [weeks] — how many weeks to show, 1 to 52 (default 8)."


async def test_non_reviewers_are_refused(driver, db, fake_api, stranger, reviewer):
    for command in ("/summary", "/stats", "/stats 4"):
        await driver.send(stranger, command)
        assert "only for the people who review requests" in driver.last(stranger["id"])["text"]
    assert db["requests"].count == 0
    await driver.send(reviewer, "/summary")
    assert driver.last(REVIEWER)["text"].startswith("📊 This week so far")


async def test_the_summary_fits_one_message_whatever_people_typed(app, db, fake_api, owner, clock):
    long = "<&>" * 60
    for i in range(30):
        chat = -2000 - i
        upsert_chat(db, chat, title=f"{long}{i}", type="supergroup", bot_status="administrator",
                    can_invite_users=True, now=at("2026-11-01T00:00:00"))
        add(db, 8000 + i, "join", "2026-11-17T10:00:00", chat=chat, source=f"{'s' * 60}{i:02d}",
            name=f"{long}{i}")
    svc = deps_of(app)
    text, shown = render_summary(svc, WEEK, so_far=False)
    assert fits(text) and len(shown) == 5 and "<&>" not in text
    assert "and 22 more" in text


async def test_the_first_start_records_where_it_begins_and_sends_nothing(app, db, fake_api, owner, clock):
    fake_api.private_message(owner, "/start")
    build_weeks(db)
    svc = deps_of(app)
    assert get_schedule_state(db, "weekly_summary") is None
    assert await catch_up_summary(svc, app.bot) == 0  # Monday 09:00 exactly, but nothing was running
    assert summaries(fake_api, OWNER) == []
    assert state(db) == {"week": "2026-11-16", "done": [OWNER], "trying": None}


async def test_summary_and_stats_read_in_another_thread_on_their_own_connection(driver, db, owner, monkeypatch):
    """With a million requests these reads take most of a second: they must not hold up other people's updates."""
    import threading

    import bot.flow.summaries as summaries

    seen = []
    real = summaries.week_series

    def watched(database, windows):
        seen.append((threading.get_ident(), database is db))
        return real(database, windows)

    monkeypatch.setattr(summaries, "week_series", watched)
    await driver.send(owner, "/stats")
    await driver.send(owner, "/summary")
    assert len(seen) == 2
    assert all(thread != threading.get_ident() and not same for thread, same in seen), seen
    assert "Received" in driver.last(OWNER)["text"]
