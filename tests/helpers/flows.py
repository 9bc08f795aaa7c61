"""Walks shared by flow tests: a requester answering everything, and the request rows."""

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
