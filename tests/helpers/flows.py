"""Walks shared by flow tests: a requester answering everything, the request rows, a card left due."""

def requests(db) -> list[dict]:
    """Every request row, oldest first."""
    return list(db.query("select * from requests order by id"))


async def answer_all(driver, user, *, how="Met in person", more="at PyCon 2025, your Rust talk",
                     why="I'd like feedback on my parser"):
    """Walk a requester through both questions (the first by button) after /start."""
    question = driver.last(user["id"])
    await driver.press(user, user["id"], question["message_id"], driver.button(question, "v1:pick:"))
    await driver.send(user, more)
    await driver.send(user, why)
    await driver.answer_followup(user)


async def stop_with_a_card_due(make_app, settings, db, fake_api, stranger, owner) -> None:
    """A bot whose card send fails with all its retries after the last answer, then stops: the card is due."""
    from helpers.world import OWNER, Driver

    fake_api.private_message(owner, "/start")
    first = Driver(await make_app(settings, db), fake_api)
    await first.send(stranger, "/start")
    await first.send(stranger, "Read your blog post on SQLite WAL mode")
    fake_api.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=4,
                       when=lambda params: params.get("chat_id") == OWNER)
    await first.send(stranger, "Want to ask about checkpoints")
    await first.answer_followup(stranger)
    assert requests(db)[0]["status"] == "pending" and requests(db)[0]["card_message_id"] is None
    await first.app.shutdown()
