"""A slow Bot API call for one requester never blocks another; one requester's updates stay in order."""

import asyncio
from collections import Counter

import httpx
from helpers.world import BASE_URL, OWNER
from telegram import Update

from bot.app import build_application
from db.answers import list_answers
from fakegram.transport import decode_params


class SlowFor(httpx.AsyncBaseTransport):
    """Wraps the fake's transport: calls that mention one chat id take `delay` seconds to answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, chat_id: int, delay: float):
        self.inner, self.chat_id, self.delay = inner, chat_id, delay

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        params = decode_params(request.headers.get("content-type", ""), request.content)
        if params.get("chat_id") == self.chat_id:
            await asyncio.sleep(self.delay)
        return await self.inner.handle_async_request(request)


async def test_a_slow_requester_does_not_hold_up_others_and_keeps_its_order(settings, db, fake_api, clock):
    owner = fake_api.user(OWNER, "Olga")
    fake_api.private_message(owner, "/start")
    slow, quick = fake_api.user(7100, "Slow"), fake_api.user(7200, "Quick")
    app = build_application(settings, db=db, clock=clock, transport=SlowFor(fake_api.transport, 7100, 0.5))
    assert settings.base_url == BASE_URL
    await app.initialize()
    await app.start()
    try:
        for update in (fake_api.private_message(slow, "/start"),
                       fake_api.private_message(slow, "We met at PyCon US 2025 in Pittsburgh"),
                       fake_api.private_message(quick, "/start")):
            await app.update_queue.put(Update.de_json(update, app.bot))
        for _ in range(200):
            if len(fake_api.sent_to(7100)) >= 2:
                break
            await asyncio.sleep(0.02)
    finally:
        await app.stop()
        await app.shutdown()
    order = [c.params["chat_id"] for c in fake_api.calls if c.method == "sendMessage" and c.ok
             and c.params["chat_id"] in (7100, 7200)]
    assert order[0] == 7200, "the quick requester was answered while the slow one's call was in flight"
    assert list_answers(db, 1)["how"]["text"] == "We met at PyCon US 2025 in Pittsburgh", \
        "the slow requester's answer was handled after their /start, not as a new request's opening note"
    assert len(list(db.query("select * from requests where user_id = 7100"))) == 1


async def test_updates_from_one_sender_run_in_arrival_order_while_others_overtake(fake_api):
    from bot.telegram.concurrency import PerSenderProcessor

    processor = PerSenderProcessor()
    a, b = fake_api.user(1, "A"), fake_api.user(2, "B")
    updates = [Update.de_json(fake_api.private_message(u, text), None) for u, text in ((a, "a1"), (a, "a2"), (b, "b1"))]
    finished = []

    async def handle(update: Update, delay: float):
        await asyncio.sleep(delay)
        finished.append(update.effective_message.text)

    await asyncio.gather(processor.process_update(updates[0], handle(updates[0], 0.2)),
                         processor.process_update(updates[1], handle(updates[1], 0)),
                         processor.process_update(updates[2], handle(updates[2], 0.05)))
    assert finished == ["b1", "a1", "a2"]
    assert processor._locks == {}, "no lock is kept once a sender's updates are done"


async def test_a_flood_of_join_requests_never_keeps_an_answer_waiting(fake_api):
    from bot.telegram.concurrency import PerSenderProcessor

    processor = PerSenderProcessor(max_concurrent_updates=4, join_requests_at_once=8)
    fake_api.add_chat(-100777, "Viral")
    release = asyncio.Event()
    started = []

    async def waiting_for_telegram(name: str) -> None:
        started.append(name)
        await release.wait()  # a first question waiting for its turn at Telegram's pace

    async def answered(name: str) -> None:
        started.append(name)

    joins = [Update.de_json(fake_api.join_request(fake_api.user(20_000 + i, f"J{i}"), -100777), None)
             for i in range(50)]
    tasks = [asyncio.create_task(processor.process_update(u, waiting_for_telegram(f"join {i}")))
             for i, u in enumerate(joins)]
    await asyncio.sleep(0)
    answer = Update.de_json(fake_api.private_message(fake_api.user(30_000, "Ada"), "We met at PyCon"), None)
    await asyncio.wait_for(processor.process_update(answer, answered("answer")), 5)
    assert "answer" in started, "the answer ran while 50 join requests waited"
    assert sum(name.startswith("join") for name in started) == 8, "join requests run in their own pool of 8"
    release.set()
    await asyncio.gather(*tasks)
    assert len(started) == 51


async def test_join_requests_that_never_wait_on_telegram_start_a_few_per_turn_of_the_event_loop(fake_api):
    # When a raid's windows closed, join requests recorded as "not asked" ran 64 at a time in lockstep: every turn of
    # the loop took 100-150 ms, and paced sends and replies waited that long for each.
    from bot.telegram.concurrency import PerSenderProcessor

    processor = PerSenderProcessor(join_requests_at_once=64, join_starts_per_turn=8)
    fake_api.add_chat(-100777, "Viral")
    loop = asyncio.get_running_loop()
    turn, ticking, starts = [0], [True], Counter()

    def tick() -> None:  # runs once in every turn of the event loop
        turn[0] += 1
        if ticking[0]:
            loop.call_soon(tick)

    async def recorded_as_not_asked(i: int) -> None:
        starts[turn[0]] += 1  # no Bot API call: the whole update runs within this one turn

    joins = [Update.de_json(fake_api.join_request(fake_api.user(20_000 + i, f"J{i}"), -100777), None)
             for i in range(200)]
    loop.call_soon(tick)
    try:
        await asyncio.wait_for(asyncio.gather(*(processor.process_update(u, recorded_as_not_asked(i))
                                                for i, u in enumerate(joins))), 5)
    finally:
        ticking[0] = False
    assert sum(starts.values()) == 200
    assert max(starts.values()) == 8, f"join requests started per turn: {sorted(starts.values())}"
