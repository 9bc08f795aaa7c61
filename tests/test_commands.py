"""Telegram's "/" menu: the reviewers' commands in their chats, /start and /help for everyone; an unknown command
says so and lists the commands."""

import json

from helpers.world import OWNER, REVIEWER

from bot.core.commands import REVIEWER_COMMANDS
from bot.jobs import on_start


def menu(api, scope: dict) -> list[str]:
    found = [commands for key, commands in api.commands.items() if json.loads(key) == [scope, ""]]
    return [c["command"] for c in (found[0] if found else [])]


async def test_the_menu_is_set_per_audience_at_start(driver, fake_api):
    await on_start(driver.app)
    assert menu(fake_api, {"type": "default"}) == ["start", "help", "forget_me"]
    reviewers = [name for name, _ in REVIEWER_COMMANDS]
    for chat_id in (OWNER, REVIEWER):
        assert menu(fake_api, {"type": "chat", "chat_id": chat_id}) == reviewers
    for command in ("pending", "summary", "stats", "people", "history", "allow", "block", "unblock", "chats",
                    "links", "export", "forget", "help"):
        assert command in reviewers, "every reviewer command of the help is in the menu"


async def test_a_refused_menu_is_logged_and_the_rest_still_set(driver, fake_api, caplog):
    fake_api.fail_next("setMyCommands", description="Bad Request: chat not found",
                       when=lambda params: "chat_id" in str(params.get("scope")) and str(REVIEWER) in
                       str(params.get("scope")))
    await on_start(driver.app)
    assert menu(fake_api, {"type": "chat", "chat_id": OWNER}) and not menu(fake_api, {"type": "chat",
                                                                                     "chat_id": REVIEWER})
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_an_unknown_command_says_so_then_lists_the_commands(driver, fake_api, owner, db):
    await driver.send(owner, "/foo bar")
    text = driver.last(OWNER)["text"]
    assert text.startswith("I don't know /foo. These are my commands:") and "/pending — " in text
    assert "asks everyone who wants to reach you" not in text, "the short list, not the whole help"
    await driver.send(owner, "<b>hello</b>")
    assert "asks everyone who wants to reach you" in driver.last(OWNER)["text"], "plain text still gets the help"
    assert list(db.query("select count(*) as n from requests"))[0]["n"] == 0, "a reviewer never becomes a requester"
