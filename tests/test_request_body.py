"""How calls go over the wire: every call as one JSON body (a card's text is not form-quoted byte by byte), an upload
still as a multipart form, and a text UTF-8 cannot encode escaped rather than lost."""

from helpers.flows import answer_all, requests
from helpers.world import OWNER


async def test_the_questions_the_card_and_the_decision_go_as_json_bodies(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger, more="at the Rust meetup in Lyon", why="I'd like your advice on my parser")
    card = driver.card()
    await driver.press(owner, OWNER, card["message_id"], driver.button(card, "v1:accept:"))
    formats = {media for (_, media) in fake_api.bodies}
    assert formats == {"application/json"}, fake_api.bodies
    assert {method for (method, _) in fake_api.bodies} >= {"sendMessage", "editMessageText", "answerCallbackQuery"}
    # The keyboard arrives as an object inside the body, not as a JSON string in a form field.
    sent_card = next(c.params for c in fake_api.calls if c.method == "sendMessage" and c.params["chat_id"] == OWNER
                     and "v1:accept:" in str(c.params.get("reply_markup")))
    assert isinstance(sent_card["reply_markup"], dict) and sent_card["parse_mode"] == "HTML"
    assert requests(db)[0]["status"] == "accepted"


async def test_an_export_file_still_goes_as_a_multipart_upload(driver, fake_api, db, stranger, owner):
    await driver.send(stranger, "/start")
    await answer_all(driver, stranger, more="at the Rust meetup in Lyon", why="I'd like your advice on my parser")
    await driver.send(owner, "/export")
    assert fake_api.bodies["sendDocument", "multipart/form-data"] == 2
    assert [c["document"]["filename"].rsplit(".", 1)[1] for c in fake_api.calls_to("sendDocument")] == ["csv", "jsonl"]
    assert [row["kind"] for row in db.query("select kind from events where kind = 'exported'")] == ["exported"]


async def test_a_text_utf8_cannot_encode_reaches_telegram_escaped_instead_of_failing(driver, app, fake_api):
    # Text from updates is made valid at the edge (bot/telegram/read.py); this is the net under a value that was not.
    sent = await app.bot.send_message(OWNER, "half a pair: \ud83d")
    assert sent.message_id
    assert fake_api.calls_to("sendMessage")[-1]["text"] == "half a pair: \ud83d"
    assert fake_api.bodies["sendMessage", "application/json"] == 1
