"""Update builders: what users, chats and business connections do to the bot, as Telegram updates."""

from __future__ import annotations

import copy
import zlib
from typing import Any

from fakegram.errors import public


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class UpdateBuilders:
    """Test-facing builders that change the fake's world and queue the update; mixed into FakeBotAPI."""

    def user(self, user_id: int, first_name: str, last_name: str | None = None, username: str | None = None,
             language_code: str | None = "en", is_premium: bool | None = None, photos: int = 1,
             bio: str | None = None) -> dict:
        """Create (or update) a Telegram user and return its User dict. `photos` (how many profile photos; most
        people have one) and `bio` are what getUserProfilePhotos and getChat (its photo and bio) answer about them."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username), ("language_code", language_code),
                           ("is_premium", is_premium)):
            if value is not None:
                user[key] = value
        with self.lock:
            self.users[user_id] = user
            self.profiles[user_id] = {"photos": photos, "bio": bio}
        return copy.deepcopy(user)

    def raw_update(self, fields: dict) -> dict:
        """Queue an update exactly as given, only update_id added: e.g. one the bot's library cannot parse.

        The fake's state is left alone; `fields` needs one key naming the update's kind (e.g. "message").
        """
        if not fields or "update_id" in fields:
            raise ValueError("raw_update takes the update's fields without update_id, e.g. {'message': {...}}")
        with self.lock:
            return self._queue(copy.deepcopy(fields))

    def block_bot(self, user: dict | int) -> dict:
        """The user blocks the bot; returns the private my_chat_member update Telegram sends."""
        with self.lock:
            user = self._user(user)
            self.blocked.add(user["id"])
            return self._push("my_chat_member", {
                "chat": self._private_chat(user), "from": user, "date": int(self.now),
                "old_chat_member": {"status": "member", "user": self.bot_user},
                "new_chat_member": {"status": "kicked", "user": self.bot_user, "until_date": 0}})

    def _content(self, text: str | None, caption: str | None, photo: bool = False, sticker: bool = False,
                 voice: bool = False, document: bool = False, poll: bool = False, dice: bool = False) -> dict:
        self._next_id["file"] = n = self._next_id.get("file", 0) + 1
        ids = {"file_id": f"fake-file-{n}", "file_unique_id": f"fake-unique-{n}"}
        content: dict[str, Any] = {}
        if text is not None:
            content["text"] = text
            if text.startswith("/"):
                content["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": _utf16_len(text.split(maxsplit=1)[0])}]
        if photo:
            content["photo"] = [{**ids, "width": 640, "height": 480, "file_size": 24000}]
        if sticker:
            content["sticker"] = {**ids, "width": 512, "height": 512, "is_animated": False, "is_video": False,
                                  "type": "regular", "emoji": "\N{THUMBS UP SIGN}"}
        if voice:
            content["voice"] = {**ids, "duration": 3, "mime_type": "audio/ogg"}
        if document:
            content["document"] = {**ids, "file_name": "file.pdf", "mime_type": "application/pdf"}
        if poll:
            options = [{"text": t, "voter_count": 0, "persistent_id": f"fake-option-{n}-{i}"}
                       for i, t in enumerate(("Pizza", "Pasta"))]
            content["poll"] = {"id": f"fake-poll-{n}", "question": "Pizza or pasta?", "options": options,
                               "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                               "allows_multiple_answers": False, "allows_revoting": True, "members_only": False}
        if dice:
            content["dice"] = {"emoji": "\N{GAME DIE}", "value": 4}
        if caption is not None:
            content["caption"] = caption
        if not content:
            raise ValueError("a message needs text, a caption or media")
        return content

    def private_message(self, user: dict | int, text: str | None = None, *, caption: str | None = None,
                        photo: bool = False, sticker: bool = False, voice: bool = False, document: bool = False,
                        poll: bool = False, dice: bool = False) -> dict:
        """The user writes to the bot in private; returns the "message" update."""
        with self.lock:
            user = self._user(user)
            self.started.add(user["id"])
            self.blocked.discard(user["id"])  # writing to a blocked bot means restarting it first
            message = self._store(user["id"], {"from": user, "chat": self._private_chat(user),
                                               **self._content(text, caption, photo, sticker, voice, document,
                                                               poll, dice)})
            return self._push("message", message)

    def group_message(self, user: dict | int, chat_id: int, text: str, *, reply_to: int | None = None) -> dict:
        """The user writes in a registered group, optionally replying to a message there; returns the update."""
        with self.lock:
            user = self._user(user)
            group = self._group({"chat_id": chat_id})
            payload = {"from": user, "chat": self._chat_json(group), **self._content(text, None, *[False] * 4)}
            if reply_to is not None:
                replied = self.messages.get(chat_id, {}).get(reply_to)
                if replied is None:
                    raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
                payload["reply_to_message"] = public(replied)
            return self._push("message", self._store(chat_id, payload))

    def edit_private_message(self, user: dict | int, message_id: int, text: str) -> dict:
        """The user edits one of their private messages; returns the "edited_message" update."""
        with self.lock:
            return self._push("edited_message", self._edit_incoming(self._user(user)["id"], message_id, text))

    def _edit_incoming(self, key: Any, message_id: int, text: str) -> dict:
        message = self.messages.get(key, {}).get(message_id)
        if message is None or message.get("outgoing"):
            raise ValueError(f"no incoming message {message_id} in chat {key}")
        message.pop("entities", None)
        message.update({"caption": text} if "caption" in message else self._content(text, None, *[False] * 4))
        message["edit_date"] = int(self.now)
        return message

    def press_button(self, user: dict | int, chat_id: int, message_id: int, data: str, *,
                     business_connection_id: str | None = None, check_buttons: bool = True) -> dict:
        """The user presses an inline button of a bot message; returns the "callback_query" update.

        check_buttons=False sends `data` even if no button carries it (a tampered or stale client).
        """
        with self.lock:
            user = self._user(user)
            key = ("biz", business_connection_id, chat_id) if business_connection_id else chat_id
            message = self.messages.get(key, {}).get(message_id)
            buttons = [b for row in (message or {}).get("reply_markup", {}).get("inline_keyboard", []) for b in row]
            if message is None or (check_buttons and not any(b.get("callback_data") == data for b in buttons)):
                raise ValueError(f"message {message_id} in chat {chat_id} has no button with callback_data={data!r}")
            if chat_id == user["id"] and not business_connection_id:
                self.started.add(user["id"])
            query_id = str(self._rng.getrandbits(62))
            self.callback_queries[query_id] = {"answered": False, "user_id": user["id"], "data": data,
                                               "text": None, "show_alert": False}
            instance = str(zlib.crc32(repr(key).encode()) * 7919)
            return self._push("callback_query", {"id": query_id, "from": user, "message": public(message),
                                                 "chat_instance": instance, "data": data})

    def add_chat(self, chat_id: int, title: str, type: str = "supergroup", *,  # noqa: A002 - Bot API name
                 bot_status: str = "administrator", can_invite_users: bool = True, username: str | None = None,
                 owner: dict | int | None = None) -> dict:
        """Register a group/supergroup/channel the bot is in; returns its Chat dict."""
        with self.lock:
            owner_id = self._user(owner)["id"] if owner is not None else None
            self.chats[chat_id] = {"id": chat_id, "type": type, "title": title, "username": username,
                                   "bot_status": bot_status, "can_invite_users": can_invite_users,
                                   "members": set(), "owner_id": owner_id}
            return self._chat_json(self.chats[chat_id])

    def set_bot_rights(self, chat_id: int, status: str, can_invite_users: bool) -> None:
        """Change the bot's membership in a chat silently (no update)."""
        with self.lock:
            self._group({"chat_id": chat_id}).update(bot_status=status, can_invite_users=can_invite_users)

    def my_chat_member(self, chat_id: int, actor_user: dict | int, new_status: str, *,
                       can_invite_users: bool = True) -> dict:
        """Someone changes the bot's status in a chat; returns the "my_chat_member" update."""
        with self.lock:
            if chat_id not in self.chats:
                raise ValueError(f"unknown chat {chat_id}: register it with api.add_chat(...) first")
            return self._set_bot_status(self.chats[chat_id], self._user(actor_user), new_status, can_invite_users)

    def join_request(self, user: dict | int, chat_id: int, *, invite_link: dict | str | None = None,
                     bio: str | None = None) -> dict:
        """The user asks to join a chat; returns the "chat_join_request" update (opens the 5-minute DM window)."""
        with self.lock:
            user = self._user(user)
            if chat_id not in self.chats:
                raise ValueError(f"unknown chat {chat_id}: register it with api.add_chat(...) first")
            self.join_requests[(chat_id, user["id"])] = {"pending": True, "date": self.now, "outcome": None}
            payload = {"chat": self._chat_json(self.chats[chat_id]), "from": user, "user_chat_id": user["id"],
                       "date": int(self.now)}
            if bio is not None:
                payload["bio"] = bio
            if isinstance(invite_link, str):
                invite_link = self.invite_links[invite_link]
            if invite_link is not None:
                payload["invite_link"] = {k: v for k, v in invite_link.items() if k != "chat_id"}
            return self._push("chat_join_request", payload)

    def resolve_join_request(self, user: dict | int, chat_id: int, *, approve: bool) -> None:
        """Another admin (or the requester withdrawing, approve=False) settles a pending request."""
        with self.lock:
            user_id = self._user(user)["id"]
            self.join_requests[(chat_id, user_id)].update(pending=False, outcome="approved" if approve else "declined")
            if approve:
                self.chats[chat_id]["members"].add(user_id)

    def business_connection(self, connection_id: str, owner_user: dict | int, *, can_reply: bool = True,
                            is_enabled: bool = True) -> dict:
        """A Telegram Business user connects (or edits/disconnects) the bot; returns the update."""
        with self.lock:
            owner = self._user(owner_user)
            rights = {"can_read_messages": True, **({"can_reply": True} if can_reply else {})}
            conn = {"id": connection_id, "user": owner, "user_chat_id": owner["id"], "date": int(self.now),
                    "is_enabled": is_enabled, "rights": rights}
            self.business_connections[connection_id] = conn
            return self._push("business_connection", conn)

    def _business_chat(self, connection_id: str, chat_user: dict | int) -> tuple[dict, dict]:
        conn = self.business_connections.get(connection_id)
        if conn is None or not conn["is_enabled"]:
            raise ValueError(f"business connection {connection_id!r} is unknown or disabled")
        return conn, self._user(chat_user)

    def business_message(self, connection_id: str, sender: dict | int, chat_user: dict | int,
                         text: str | None = None, *, caption: str | None = None, photo: bool = False,
                         sticker: bool = False, voice: bool = False, document: bool = False) -> dict:
        """A message in the owner's private chat with chat_user; returns the "business_message" update."""
        with self.lock:
            conn, peer = self._business_chat(connection_id, chat_user)
            sender = self._user(sender)
            if sender["id"] != conn["user"]["id"]:
                self._biz_incoming[(connection_id, peer["id"])] = self.now
            message = self._store(("biz", connection_id, peer["id"]), {
                "from": sender, "chat": self._private_chat(peer), "business_connection_id": connection_id,
                **self._content(text, caption, photo, sticker, voice, document)})
            return self._push("business_message", message)

    def edited_business_message(self, connection_id: str, chat_user: dict | int, message_id: int, text: str) -> dict:
        """A message in a business chat is edited; returns the "edited_business_message" update."""
        with self.lock:
            _, peer = self._business_chat(connection_id, chat_user)
            message = self._edit_incoming(("biz", connection_id, peer["id"]), message_id, text)
            return self._push("edited_business_message", message)

    def deleted_business_messages(self, connection_id: str, chat_user: dict | int, message_ids: list[int]) -> dict:
        """Messages in a business chat are deleted; returns the "deleted_business_messages" update."""
        with self.lock:
            _, peer = self._business_chat(connection_id, chat_user)
            stored = self.messages.get(("biz", connection_id, peer["id"]), {})
            for message_id in message_ids:
                stored.pop(message_id, None)
            return self._push("deleted_business_messages", {
                "business_connection_id": connection_id, "chat": self._private_chat(peer),
                "message_ids": list(message_ids)})
