"""Only reviewers decide: every owner command and every reviewer button of the real app refuses anyone else."""

from helpers.world import OWNER
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.core.callbacks import ACTIONS

REQUESTER_COMMANDS = {"start", "forget_me"}
REQUESTER_ACTIONS = {"pick"}


def registered(app, kind):
    return [h for group in app.handlers.values() for h in group if isinstance(h, kind)]


async def test_every_owner_command_refuses_a_non_reviewer(driver, fake_api, db, stranger):
    commands = sorted({c for h in registered(driver.app, CommandHandler) for c in h.commands} - REQUESTER_COMMANDS)
    assert len(commands) >= 11, commands
    for command in commands:
        await driver.send(stranger, f"/{command} @ada 3")
        assert "only for the people who review requests" in driver.last(stranger["id"])["text"], command
    refused = [e["detail"] for e in db.query("select detail from events where kind = 'refused_command'")]
    assert len(refused) == len(commands)
    assert list(db.query("select * from requests")) == []
    assert list(db.query("select standing from people where standing != 'unknown'")) == []


async def test_every_reviewer_button_refuses_a_non_reviewer(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "/start")
    await driver.send(stranger, "We met at PyCon US 2025 in Pittsburgh")
    await driver.send(stranger, "You asked me to send the benchmark numbers for the JIT we discussed")
    await driver.answer_followup(stranger)
    card = driver.card()
    handled = {a for h in registered(driver.app, CallbackQueryHandler) if h.pattern for a in h.pattern.actions}
    actions = [a for a in ACTIONS if a not in REQUESTER_ACTIONS]
    assert set(actions) <= handled, handled
    calls_before = len([c for c in fake_api.calls if c.method != "answerCallbackQuery"])
    for action in actions:
        await driver.feed(fake_api.press_button(stranger, OWNER, card["message_id"], f"v1:{action}:1",
                                                check_buttons=False))
        alert = fake_api.calls_to("answerCallbackQuery")[-1]
        assert alert["show_alert"] is True and "Only the reviewers" in alert["text"], action
    assert len([c for c in fake_api.calls if c.method != "answerCallbackQuery"]) == calls_before, \
        "a refused press sends nothing"
    assert db["requests"].get(1)["status"] == "pending"
    assert len(list(db.query("select * from events where kind = 'refused_press'"))) == len(actions)


async def test_the_refusals_speak_the_strangers_language(driver, fake_api, db, owner):
    olena = fake_api.user(5010, "Olena", language_code="uk")
    await driver.send(olena, "/pending")
    assert driver.last(olena["id"])["text"] == "Вибачте, ця команда доступна лише тим, хто розглядає заявки тут."
    await driver.send(olena, "/start")
    await driver.send(olena, "Ми познайомилися на PyCon у Варшаві, після вашої доповіді")
    await driver.send(olena, "Хочу показати вам свій парсер і отримати відгук")
    await driver.answer_followup(olena)
    card = driver.card()
    await driver.feed(fake_api.press_button(olena, OWNER, card["message_id"], "v1:accept:1", check_buttons=False))
    assert fake_api.calls_to("answerCallbackQuery")[-1]["text"] == (
        "Вирішувати щодо заявок можуть лише ті, хто їх розглядає в цьому боті.")
    assert db.one("select status from requests")["status"] in ("asking", "pending")
