"""fakegram answers getUserProfilePhotos and getChat (for a user: bio and current photo) from its own user registry, in
real shapes."""

from helpers.world import BASE_URL, TOKEN
from telegram import Bot
from telegram.error import BadRequest
from telegram.request import HTTPXRequest

from fakegram import FakeBotAPI


async def test_profile_photos_and_bio_in_bot_api_shapes():
    api = FakeBotAPI(token=TOKEN)
    api.user(5001, "Ada", photos=3, bio="Poet of numbers")
    api.user(5002, "Max", photos=0)
    bot = Bot(TOKEN, base_url=BASE_URL, request=HTTPXRequest(httpx_kwargs={"transport": api.transport}))
    async with bot:
        photos = await bot.get_user_profile_photos(5001, limit=1)
        assert photos.total_count == 3 and len(photos.photos) == 1 and photos.photos[0][-1].width == 640
        assert len((await bot.get_user_profile_photos(5001, offset=1)).photos) == 2
        none = await bot.get_user_profile_photos(5002, limit=1)
        assert (none.total_count, none.photos) == (0, ())
        chat = await bot.get_chat(5001)
        assert (chat.type, chat.first_name, chat.bio) == ("private", "Ada", "Poet of numbers")
        assert chat.photo is not None and chat.photo.big_file_id, "a user's current photo, as Telegram gives it"
        max_chat = await bot.get_chat(5002)
        assert (max_chat.bio, max_chat.photo) == (None, None), "no photo: no photo field"
        try:
            await bot.get_user_profile_photos(404, limit=1)
        except BadRequest as exc:
            assert "user not found" in str(exc).lower()
        else:
            raise AssertionError("an unknown user is refused")
    assert "photos" not in api.users[5001] and "bio" not in api.users[5001], "User JSON stays a real User"
