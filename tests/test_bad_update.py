"""An update the bot cannot read is logged and skipped; every other update of its getUpdates batch is handled."""

import sqlite3

from helpers.process import start_bot, stop_bot, wait_for
from helpers.world import OWNER, TOKEN


def unreadable_start(user_id: int) -> dict:
    """A /start whose sender lacks first_name and is_bot: python-telegram-bot cannot build an Update from it."""
    return {"message": {"message_id": 1, "date": 0, "chat": {"id": user_id, "type": "private"},
                        "from": {"id": user_id}, "text": "/start",
                        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


def asked(api, user_id: int) -> bool:
    return any("How did you find me?" in m["text"] for m in api.sent_to(user_id))


def test_an_unreadable_update_is_skipped_and_the_rest_of_its_batch_is_answered(fake_api, tmp_path):
    server = fake_api.serve()
    owner = fake_api.user(OWNER, "Olga")
    sam, kim = fake_api.user(7001, "Sam"), fake_api.user(7002, "Kim")
    # Queued before the bot starts, so its first getUpdates fetches them in one batch, unreadable first and last.
    fake_api.private_message(owner, "/start")
    first_bad = fake_api.raw_update(unreadable_start(7005))["update_id"]
    fake_api.private_message(sam, "/start")
    last_bad = fake_api.raw_update(unreadable_start(7006))["update_id"]
    db_path = tmp_path / "doorman.db"
    bot = start_bot(server.base_url, db_path, tmp_path)
    try:
        wait_for(lambda: asked(fake_api, 7001), "Sam's /start to be answered", timeout=20)
        fake_api.private_message(kim, "/start")  # a later batch: polling moved past the unreadable last update
        wait_for(lambda: asked(fake_api, 7002), "Kim's /start to be answered", timeout=20)
    finally:
        output = stop_bot(bot)
        server.close()
    batches = [[u["update_id"] for u in c.result] for c in fake_api.calls if c.method == "getUpdates" and c.result]
    assert {first_bad, last_bad} <= set(batches[0]), "one batch held the unreadable updates and Sam's /start"
    delivered = [update_id for batch in batches for update_id in batch]
    assert delivered.count(first_bad) == delivered.count(last_bad) == 1, "acknowledged, never fetched again"
    for update_id in (first_bad, last_bad):
        assert f"update {update_id} could not be read" in output, output
    assert TOKEN not in output and "Traceback" not in output, output
    assert fake_api.sent_to(7005) == [] and fake_api.sent_to(7006) == []
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select user_id, status from requests order by id").fetchall() == [
            (7001, "asking"), (7002, "asking")]
