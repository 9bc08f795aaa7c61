"""The Combot Anti-Spam lookup (CAS_CHECK) against a local stand-in: listed, not listed, a timeout, the day-long
cache, and AUTO_DECLINE=cas declining a listed requester silently."""

from dataclasses import replace

import pytest
from helpers.cas import CasStandIn
from helpers.flows import answer_all, requests
from helpers.world import OWNER, Driver

from bot.jobs import deps_of
from db.signals import get_signals

GROUP = -1001234567890
SPAMMER = 7777


@pytest.fixture
def cas():
    stand_in = CasStandIn(listed={SPAMMER})
    yield stand_in
    stand_in.close()


@pytest.fixture
def cas_settings(settings, cas):
    return replace(settings, cas_check=True, cas_url=cas.url)


async def started(make_app, settings, db, fake_api, owner) -> Driver:
    fake_api.private_message(owner, "/start")
    return Driver(await make_app(settings, db), fake_api)


def signal_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.startswith("🔎")), "")


async def test_a_listed_requester_is_shown_and_suggested_for_decline(make_app, cas_settings, db, fake_api, owner,
                                                                     cas):
    driver = await started(make_app, cas_settings, db, fake_api, owner)
    spammer = fake_api.user(SPAMMER, "Sam", username="sam_deals")
    await driver.send(spammer, "/start")
    assert cas.asked == [SPAMMER], "one lookup, only the id"
    assert "How did you find me?" in driver.last(SPAMMER)["text"], "without AUTO_DECLINE=cas, still asked"
    await answer_all(driver, spammer)
    card = driver.card()["text"]
    assert signal_line(card) == "🔎 listed in CAS"
    assert "Suggest: decline — the profile: listed in CAS" in card
    assert get_signals(db, 1)["cas"] == "listed"
    assert db["cas_checks"].get(SPAMMER)["listed"] == 1

    fake_api.add_chat(GROUP, "Rust Embedded")
    await driver.feed(fake_api.join_request(spammer, GROUP))
    assert cas.asked == [SPAMMER], "the answer is reused for a day"
    assert get_signals(db, 2)["cas"] == "listed"
    await driver.app.shutdown()


async def test_a_requester_not_listed_shows_nothing(make_app, cas_settings, db, fake_api, owner, stranger, cas):
    driver = await started(make_app, cas_settings, db, fake_api, owner)
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    assert cas.asked == [stranger["id"]]
    assert get_signals(db, 1)["cas"] == "clear" and db["cas_checks"].get(stranger["id"])["listed"] == 0
    assert signal_line(driver.card()["text"]) == ""
    await driver.app.shutdown()


async def test_business_requests_are_not_looked_up(make_app, cas_settings, db, fake_api, owner, stranger, cas):
    driver = await started(make_app, cas_settings, db, fake_api, owner)
    await driver.feed(fake_api.business_connection("biz-1", owner))
    await driver.feed(fake_api.business_message("biz-1", stranger, stranger, "Hi, we met at PyCon"))
    assert requests(db)[0]["kind"] == "business" and cas.asked == []
    await driver.app.shutdown()


async def test_a_lookup_that_times_out_is_said_on_the_card_and_does_not_stop_the_questions(
        make_app, cas_settings, db, fake_api, owner, stranger, cas):
    cas.hang = True
    driver = await started(make_app, cas_settings, db, fake_api, owner)
    deps_of(driver.app).cas.timeout = 0.2
    await driver.send(stranger, "/start")
    assert "How did you find me?" in driver.last(stranger["id"])["text"]
    assert get_signals(db, 1)["cas"] == "failed" and list(db.query("select * from cas_checks")) == []
    cas.hang = False
    await answer_all(driver, stranger)
    card = driver.card()["text"]
    assert signal_line(card) == "🔎 CAS check failed" and "Suggest: accept" in card, "failed is not suspicious"
    await driver.app.shutdown()


async def test_cas_is_not_asked_unless_turned_on(driver, fake_api, db, stranger, cas):
    await driver.send(stranger, "/start")
    assert cas.asked == [] and deps_of(driver.app).cas is None
    assert get_signals(db, 1)["cas"] is None


async def test_auto_decline_cas_declines_listed_requesters_silently(make_app, cas_settings, db, fake_api, owner,
                                                                     clock):
    settings = replace(cas_settings, auto_decline=frozenset({"cas"}))
    driver = await started(make_app, settings, db, fake_api, owner)
    fake_api.add_chat(GROUP, "Rust Embedded")
    spammer = fake_api.user(SPAMMER, "Sam")
    before = len(fake_api.sent_to(OWNER))
    await driver.feed(fake_api.join_request(spammer, GROUP))
    assert fake_api.calls_to("declineChatJoinRequest") == [{"chat_id": GROUP, "user_id": SPAMMER}]
    assert fake_api.sent_to(SPAMMER) == [], "no question, no word"
    assert len(fake_api.sent_to(OWNER)) == before, "no card"
    assert fake_api.calls_to("getChat") == [], "no profile call for someone declined"
    [request] = requests(db)
    assert (request["status"], request["decided_by_name"]) == ("declined", "doorman (auto-decline: cas)")
    assert list(db.query("select detail from events where kind = 'auto_declined'")) == [{"detail": "cas"}]

    await driver.send(fake_api.user(SPAMMER + 1, "Bo"), "/start")
    assert "How did you find me?" in driver.last(SPAMMER + 1)["text"], "not listed: asked as usual"
    clock.advance(hours=1)
    await driver.send(owner, "/summary")
    assert "Auto-declined (AUTO_DECLINE): 1" in driver.last(OWNER)["text"], "counted like pitch and creepy"
    await driver.app.shutdown()
