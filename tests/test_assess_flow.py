"""The assessor inside the bot: assessed once and stored, a follow-up only when it could change the suggestion,
the card says which assessor spoke, an optional language model through `llm` (faked with its plugin hook)."""

import json
import threading
from dataclasses import replace
from datetime import timedelta

import llm
import pytest
from helpers.flows import requests
from helpers.world import OWNER, Driver

from db.assessments import get_assessment


def followups(db) -> list[dict]:
    return list(db.query("select * from followups order by id"))


async def answer(driver, user, how: str, why: str) -> None:
    await driver.send(user, "/start")
    await driver.send(user, how)
    await driver.send(user, why)


async def test_a_named_event_in_the_third_person_gets_no_follow_up_and_is_assessed_once(driver, db, stranger):
    await answer(driver, stranger, "Met the owner at PyCon after the asyncio talk",
                 "I'd like feedback on my Rust parser")
    texts = [m["text"] for m in driver.api.sent_to(stranger["id"])]
    assert not any("One more thing" in t for t in texts)
    assert "Thank you" in texts[-1]
    [request] = requests(db)
    stored = get_assessment(db, request["id"])
    assert (stored["tie"], stored["action"], stored["followup"]) == ("strong", "accept", None)
    assert stored["assessor"].startswith("model ")
    card = driver.card()["text"]
    assert "Suggest: accept" in card and f"({stored['assessor']})" in card
    assert "Met the owner at PyCon after the asyncio talk; wants feedback on my Rust parser" in card


async def test_a_vague_request_gets_exactly_one_targeted_follow_up(driver, db, stranger):
    await answer(driver, stranger, "a friend", "networking")
    asked = [m["text"] for m in driver.api.sent_to(stranger["id"]) if "One more thing" in m["text"]]
    assert len(asked) == 1 and "who introduced you" in asked[0]
    [followup] = followups(db)
    assert (followup["origin"], followup["topic"]) == ("auto", "how_found")
    await driver.send(stranger, "Marta Kowalska from the Kraków Python meetup")
    await driver.send(stranger, "and one more thing, are you around next week?")
    assert len([m for m in driver.api.sent_to(stranger["id"]) if "One more thing" in m["text"]]) == 1
    assert len(followups(db)) == 1
    [request] = requests(db)
    assert request["status"] == "pending" and request["card_message_id"]
    assert "Marta Kowalska" in driver.card()["text"]


async def test_an_edited_answer_is_assessed_again(driver, db, fake_api, stranger):
    await driver.send(stranger, "/start")
    sent = await driver.send(stranger, "google")
    assert get_assessment(db, 1) is None, "nothing is assessed before the answers are in"
    await driver.feed(fake_api.edit_private_message(stranger, sent["message"]["message_id"],
                                                    "We worked together at Spotify on the payments team in 2021"))
    await driver.send(stranger, "I'm hiring for my startup and would love your advice on the first engineers")
    stored = get_assessment(db, 1)
    assert stored["tie"] == "strong", "the edited answer is what was assessed"


# --- an optional language model, faked through llm's plugin hook --------------------------------------------

class FakeModel(llm.Model):
    """Answers with fixed labels, fails, or never answers (until released), depending on its id."""

    can_stream = False
    supports_schema = True
    seen: list[str] = []
    release = threading.Event()

    def __init__(self, model_id: str):
        self.model_id = model_id

    def execute(self, prompt, stream, response, conversation=None):
        FakeModel.seen.append(prompt.prompt)
        if self.model_id == "doorman-broken":
            raise RuntimeError("the service is down")
        if self.model_id == "doorman-slow":
            FakeModel.release.wait(60)  # longer than any timeout the test sets: the bot must not wait for it
        yield json.dumps({"tie": "weak", "generic": False, "pitch": True, "creepy": False, "vague": False,
                          "action": "decline", "summary": "Sells an SEO package"})


class FakePlugin:
    @llm.hookimpl
    def register_models(self, register):
        for model_id in ("doorman-fake", "doorman-broken", "doorman-slow"):
            register(FakeModel(model_id))


@pytest.fixture
def fake_llm():
    plugin = FakePlugin()
    llm.pm.register(plugin, name="doorman-test-models")
    llm.get_model("doorman-fake")  # the first lookup loads every installed plugin: not part of any timeout
    FakeModel.seen.clear()
    FakeModel.release.clear()
    yield FakeModel
    FakeModel.release.set()
    llm.pm.unregister(plugin)


@pytest.mark.parametrize("model_id, timeout, spoke", [
    ("doorman-fake", 60, "llm doorman-fake"),
    ("doorman-broken", 60, "doorman-broken failed"),
    ("doorman-slow", 0.2, "doorman-slow timed out"),
])
async def test_an_llm_speaks_first_and_the_local_model_takes_over_on_any_failure(
        make_app, settings, db, fake_api, owner, reviewer, stranger, fake_llm, model_id, timeout, spoke):
    app = await make_app(replace(settings, assess_model=model_id, assess_timeout=timedelta(seconds=timeout)), db)
    for person in (owner, reviewer):
        fake_api.private_message(person, "/start")
    driver = Driver(app, fake_api)
    await answer(driver, stranger, "We met at FOSDEM 2026 in the Rust devroom", "Would you review my crate?")
    stored = get_assessment(db, 1)
    assert spoke in stored["assessor"]
    card = driver.card(OWNER)["text"]
    assert spoke in card
    if model_id == "doorman-fake":
        assert (stored["pitch"], stored["action"], stored["summary"]) == (1, "decline", "Sells an SEO package")
    else:
        assert stored["action"] == "accept", "the local model decided"
    sent = json.loads(fake_llm.seen[0])
    assert sent["how_they_found_the_owner"].startswith("We met at FOSDEM") and "Ada" not in fake_llm.seen[0]
    fake_llm.release.set()  # let the abandoned call finish, so the event loop can close
    await app.shutdown()
