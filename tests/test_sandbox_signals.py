"""The sandbox's "New stranger…" form sets a profile photo, Premium and a bio, and the card's signals show them."""

from helpers.flows import answer_all
from helpers.world import TOKEN as TEST_TOKEN

from bot.sandbox.world import World


async def test_a_sandbox_stranger_without_photo_with_premium_and_bio(driver, fake_api, db):
    world = World(fake_api)
    plain = world.act("new-stranger", {"first_name": "Ann"})["stranger"]
    zed = world.act("new-stranger", {"first_name": "Zed", "photo": False, "premium": True,
                                     "bio": "Deals daily at shop.xyz"})["stranger"]
    assert fake_api.profiles[plain] == {"photos": 1, "bio": None} and "is_premium" not in fake_api.users[plain]
    assert fake_api.profiles[zed] == {"photos": 0, "bio": "Deals daily at shop.xyz"}
    assert fake_api.users[zed]["is_premium"] is True and fake_api.token == TEST_TOKEN

    user = fake_api.users[zed]
    await driver.send(user, "/start")
    await answer_all(driver, user)
    card = driver.card()["text"]
    assert "🔎 no photo · no username · link in bio · Premium" in card
    assert "Bio: \u2068Deals daily at shop.xyz\u2069" in card
