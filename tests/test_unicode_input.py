"""Odd Unicode from Telegram: lone surrogates are made valid at the edge, bidi controls cannot reorder a card, and
an answer of invisible characters is no answer."""

from helpers.flows import answer_all, requests
from helpers.world import OWNER

from db.answers import list_answers

LONE = "\ud800"  # what json.loads makes of "\ud800" in an update: not encodable as UTF-8, so not storable
GROUP = -1009876543210
CONN = "biz-conn-odd"
LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u200e\u00ad \u3164"  # zero-width, joiners, BOM, mark, soft hyphen…


async def test_lone_surrogates_in_names_answers_captions_and_edits_become_replacement_characters(driver, fake_api,
                                                                                                  db):
    zoe = fake_api.user(5010, f"Zo{LONE}e", f"Q{LONE}", username=f"zoe{LONE}")
    await driver.send(zoe, f"/start {LONE}")
    assert "Hi Zo\ufffde!" in driver.last(zoe["id"])["text"]
    sent = await driver.send(zoe, photo=True, caption=f"We met at PyCon US 2025 {LONE}")
    await driver.feed(fake_api.edit_private_message(zoe, sent["message"]["message_id"],
                                                    f"We met at PyCon US 2025 {LONE} in Pittsburgh"))
    await driver.send(zoe, f"You asked me to send the JIT benchmark numbers {LONE}")
    await driver.answer_followup(zoe, f"At the Rust meetup in Pittsburgh, after your talk {LONE}")

    person = db["people"].get(5010)
    assert (person["first_name"], person["last_name"], person["username"]) == ("Zo\ufffde", "Q\ufffd", "zoe\ufffd")
    answers = list_answers(db, 1)
    assert answers["how"]["text"] == "We met at PyCon US 2025 \ufffd in Pittsburgh"
    assert answers["why"]["text"] == "You asked me to send the JIT benchmark numbers \ufffd"
    assert requests(db)[0]["status"] == "pending"
    card = driver.card()
    assert "Zo\ufffde Q\ufffd" in card["text"] and "PyCon US 2025 \ufffd in Pittsburgh" in card["text"]


async def test_lone_surrogates_in_a_chat_title_bio_and_invite_link_name_become_replacement_characters(
        driver, fake_api, db, stranger, owner):
    fake_api.add_chat(GROUP, f"Rust {LONE} Embedded")
    await driver.feed(fake_api.my_chat_member(GROUP, owner, "administrator"))
    assert "I now screen join requests for Rust \ufffd Embedded." in driver.last(OWNER)["text"]
    link = {"invite_link": "https://t.me/+odd", "creator": owner, "creates_join_request": True, "is_primary": False,
            "is_revoked": False, "name": f"conf{LONE}"}
    await driver.feed(fake_api.join_request(stranger, GROUP, bio=f"Firmware {LONE} dev", invite_link=link))
    assert "Thanks for asking to join Rust \ufffd Embedded" in driver.last(stranger["id"])["text"]
    await driver.send(stranger, "Your talk at RustConf 2025 about async drivers")
    await driver.send(stranger, "I build embedded Rust and want to learn from the group")
    await driver.answer_followup(stranger)

    [request] = requests(db)
    assert (request["bio"], request["source"]) == ("Firmware \ufffd dev", "conf\ufffd")
    assert db["chats"].get(GROUP)["title"] == "Rust \ufffd Embedded"
    card = driver.card()
    assert "Rust \ufffd Embedded" in card["text"] and "Firmware \ufffd dev" in card["text"]


async def test_a_lone_surrogate_in_a_business_owner_name_becomes_a_replacement_character(driver, fake_api, db,
                                                                                          stranger):
    owner = fake_api.user(OWNER, f"Ol{LONE}ga", "Owner", username="olga")
    await driver.feed(fake_api.business_connection(CONN, owner))
    assert db["business_connections"].get(CONN)["owner_name"] == "Ol\ufffdga Owner"
    await driver.feed(fake_api.business_message(CONN, stranger, stranger, f"Hi {LONE} about your book"))
    assert "I'm Ol\ufffdga Owner's assistant" in fake_api.sent_to(stranger["id"], CONN)[-1]["text"]
    assert requests(db)[0]["opening_note"] == "Hi \ufffd about your book"


def isolated_throughout(text: str) -> bool:
    """No embedding or override anywhere, and every isolate closed, in order, by the end."""
    depth = 0
    for char in text:
        if char in (LRE, RLE, PDF, LRO, RLO):
            return False
        depth += char in (LRI, RLI, FSI)
        if char == PDI:
            if depth == 0:
                return False
            depth -= 1
    return depth == 0


async def test_bidi_controls_in_names_and_answers_are_isolated_on_the_card(driver, fake_api, db, owner):
    eve = fake_api.user(5011, f"Eve{RLO}", f"{PDI}Mallory{LRE}", username=f"eve{RLO}")
    await driver.send(eve, "/start")
    await driver.send(eve, f"{RLO}Other{PDF}")
    await driver.send(eve, f"Since you are someone I {RLI}know and trust{PDI}{PDI}, I'd like to add you{LRO}")
    assert await driver.answer_followup(eve, f"At the Rust meetup{RLO}, after your talk")

    assert db["people"].get(5011)["first_name"] == f"Eve{RLO}", "stored as sent"
    card = driver.card()["text"]
    assert isolated_throughout(card)
    for shown in ("Eve Mallory", "eve", "Other", "Since you are someone I know and trust, I'd like to add you",
                  "At the Rust meetup, after your talk"):
        assert f"{FSI}{shown}{PDI}" in card
    await driver.send(owner, "/pending")
    pending = driver.last(OWNER)["text"]
    assert isolated_throughout(pending) and f"{FSI}Eve Mallory{PDI}" in pending
    await driver.press(owner, OWNER, driver.card()["message_id"], "v1:accept:1")
    assert isolated_throughout(driver.card()["text"])


async def test_an_answer_of_only_invisible_characters_counts_as_empty(driver, fake_api, db, stranger):
    await driver.send(stranger, INVISIBLE)
    [request] = requests(db)
    assert request["opening_note"] is None, "an invisible first message is no note"
    await driver.send(stranger, INVISIBLE)
    assert "Could you write a little more?" in driver.last(stranger["id"])["text"]
    assert list_answers(db, 1) == {}
    await driver.send(stranger, "Other")
    await driver.send(stranger, "\u200b" * 50)
    assert "Could you write a little more?" in driver.last(stranger["id"])["text"]
    await driver.send(stranger, "Since you are someone I know and trust, I'd like to add you to my network.")
    assert "One more thing" in driver.last(stranger["id"])["text"]
    await driver.send(stranger, INVISIBLE)
    assert "Could you write a little more?" in driver.last(stranger["id"])["text"]
    assert [f["answer"] for f in db.query("select answer from followups")] == [None]
    assert requests(db)[0]["status"] == "asking"
    await driver.send(stranger, "We met at RustConf 2025 in Seattle, after your talk")
    assert requests(db)[0]["status"] == "pending"


async def test_an_invisible_reply_to_the_owners_question_is_asked_again(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger)
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:ask:"))
    await driver.send(owner, "Which parser exactly?")
    await driver.send(stranger, INVISIBLE)
    assert "Could you write a little more?" in driver.last(stranger["id"])["text"]
    assert [f["answer"] for f in db.query("select answer from followups where origin = 'owner'")] == [None]
    await driver.send(stranger, "The PEG one in your blog post")
    assert [f["answer"] for f in db.query("select answer from followups where origin = 'owner'")] == [
        "The PEG one in your blog post"]
