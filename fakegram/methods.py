"""The Bot API methods the fake implements: one `_api_<snake_name>` handler each, plus their checks."""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import urlsplit

from fakegram.errors import ApiError, bad, forbidden, public
from fakegram.html_check import HtmlError, parse_html

NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the "
                "same as a current content and reply markup of the message")
# Telegram's default when allowed_updates was never set (or set to [])
NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}
JOIN_WINDOW = 300
BUSINESS_WINDOW = 24 * 3600
WEBHOOK_PORTS = (80, 88, 443, 8443)


def _update_kind(update: dict) -> str:
    return next(key for key in update if key != "update_id")


class BotMethods:
    """Bot API method handlers and their validation; mixed into FakeBotAPI (uses its state and helpers)."""

    # -- checks shared by the handlers --------------------------------------------------------

    def _join_window_open(self, user_id: int) -> bool:
        return any(uid == user_id and req["pending"] and self.now - req["date"] <= JOIN_WINDOW
                   for (_, uid), req in self.join_requests.items())

    def _can_invite(self, chat: dict) -> bool:
        return chat["bot_status"] == "administrator" and chat["can_invite_users"]

    def _render(self, text: Any, parse_mode: Any) -> str:
        text = "" if text is None else str(text)
        mode = str(parse_mode or "").lower()
        if mode == "html":
            try:
                text = parse_html(text, strict_ampersand=self.strict_html)
            except HtmlError as error:
                raise bad(f"can't parse entities: {error}") from None
        elif mode and mode not in ("markdown", "markdownv2"):
            raise bad("unsupported parse_mode")
        text = text.strip()
        if not text:
            raise bad("message text is empty")
        if len(text) > 4096:
            raise bad("message is too long")
        return text

    def _markup(self, markup: Any) -> dict | None:
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                raise bad("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None  # reply keyboards are accepted but not echoed back in the Message
        for row in markup["inline_keyboard"]:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise bad("BUTTON_DATA_INVALID")
        return markup

    def _target(self, params: dict) -> tuple[Any, dict, dict, dict]:
        """(storage key, chat, sender, extra message fields) for a message the bot sends."""
        conn_id = params.get("business_connection_id")
        if conn_id is not None:
            conn = self.business_connections.get(str(conn_id))
            if conn is None or not conn["is_enabled"]:
                raise bad("BUSINESS_CONNECTION_INVALID")
            if not conn["rights"].get("can_reply"):
                raise bad("BOT_ACCESS_FORBIDDEN")
            chat_id = params.get("chat_id")
            last = self._biz_incoming.get((str(conn_id), chat_id))
            if last is None or self.now - last > BUSINESS_WINDOW or chat_id not in self.users:
                raise bad("BUSINESS_PEER_USAGE_MISSING")
            extra = {"business_connection_id": str(conn_id), "sender_business_bot": self.bot_user}
            return ("biz", str(conn_id), chat_id), self._private_chat(self.users[chat_id]), conn["user"], extra
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        if chat_id in self.chats:
            chat = self.chats[chat_id]
            if chat["bot_status"] == "left":
                raise forbidden(f"bot is not a member of the {chat['type']} chat")
            if chat["bot_status"] == "kicked":
                raise forbidden(f"bot was kicked from the {chat['type']} chat")
            if chat["type"] == "channel" and chat["bot_status"] != "administrator":
                raise bad("need administrator rights in the channel chat")
            return chat_id, self._chat_json(chat), self.bot_user, {}
        if chat_id > 0 and chat_id in self.users:
            if chat_id in self.blocked:
                raise forbidden("bot was blocked by the user")
            if chat_id in self.started or self._join_window_open(chat_id):
                return chat_id, self._private_chat(self.users[chat_id]), self.bot_user, {}
            raise forbidden("bot can't initiate conversation with a user")
        raise bad("chat not found")

    def _message_key(self, params: dict) -> Any:
        conn_id = params.get("business_connection_id")
        if conn_id is not None:
            if str(conn_id) not in self.business_connections:
                raise bad("BUSINESS_CONNECTION_INVALID")
            return ("biz", str(conn_id), params.get("chat_id"))
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        if chat_id in self.blocked:
            raise forbidden("bot was blocked by the user")
        return chat_id

    def _edit(self, params: dict, text: str | None) -> dict:
        key = self._message_key(params)
        markup = self._markup(params.get("reply_markup"))
        message = self.messages.get(key, {}).get(params.get("message_id"))
        if message is None:
            raise bad("message to edit not found")
        if not message.get("outgoing"):
            raise bad("message can't be edited")
        if "text" not in message:
            raise bad("there is no text in the message to edit")
        if text is None:
            text, html, mode = message["text"], message.get("html"), message.get("parse_mode")
        else:
            html, mode = params.get("text"), params.get("parse_mode")
        same_format = (message.get("html") if message.get("parse_mode") else None) == (html if mode else None)
        if message["text"] == text and same_format and message.get("reply_markup") == markup:
            raise bad(NOT_MODIFIED)
        message.update(text=text, html=html, parse_mode=mode, edited=True, edit_date=int(self.now))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return public(message)

    # -- handlers -----------------------------------------------------------------------------

    def _api_get_me(self, params: dict) -> dict:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": True, "has_main_web_app": False}

    def _ready(self, params: dict) -> bool:
        return bool(self._deliverable(params))

    def _deliverable(self, params: dict) -> list[dict]:
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self.updates = self.updates[offset:]
        allowed = params.get("allowed_updates", self._allowed)
        if allowed:
            return [u for u in self.updates if _update_kind(u) in allowed]
        return [u for u in self.updates if _update_kind(u) not in NOT_BY_DEFAULT]

    def _api_get_updates(self, params: dict) -> list[dict]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active;"
                                " use deleteWebhook to delete the webhook first")
        if "allowed_updates" in params:
            self._allowed = list(params["allowed_updates"] or [])
            self.allowed_updates_seen.append(list(self._allowed))
        limit = params.get("limit") or 100
        return copy.deepcopy(self._deliverable(params)[:max(1, min(100, limit))])

    def _api_delete_webhook(self, params: dict) -> bool:
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = None
        return True

    def _api_set_webhook(self, params: dict) -> bool:
        url = str(params.get("url") or "")
        if not url:  # Telegram: an empty URL removes the webhook
            return self._api_delete_webhook(params)
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in WEBHOOK_PORTS:
            raise bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad("secret token contains unallowed characters")
        if "allowed_updates" in params:
            self._allowed = list(params["allowed_updates"] or [])
            self.allowed_updates_seen.append(list(self._allowed))
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook = copy.deepcopy(params)
        return True

    def _api_get_webhook_info(self, params: dict) -> dict:
        info = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.updates)}
        if self.webhook is not None:  # never the secret: Telegram does not tell it back
            info.update(url=self.webhook["url"], max_connections=self.webhook.get("max_connections") or 40)
            if self._allowed:
                info["allowed_updates"] = list(self._allowed)
        return info

    def _commands_key(self, params: dict) -> str:
        return json.dumps([params.get("scope") or {"type": "default"}, params.get("language_code") or ""])

    def _api_set_my_commands(self, params: dict) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description") or "") <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    def _api_get_my_commands(self, params: dict) -> list:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    def _api_delete_my_commands(self, params: dict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def commands_for(self, chat_id: int) -> list[dict]:
        """The "/" menu a user sees in their private chat with the bot, resolved in Telegram's scope order."""
        with self.lock:
            menus = {}
            for key, listed in self.commands.items():
                scope, language = json.loads(key)
                if not language:
                    menus[(scope.get("type"), str(scope.get("chat_id", "")))] = listed
            for wanted in (("chat", str(chat_id)), ("all_private_chats", ""), ("default", "")):
                if wanted in menus:
                    return copy.deepcopy(menus[wanted])
            return []

    def _api_send_message(self, params: dict) -> dict:
        text = self._render(params.get("text"), params.get("parse_mode"))
        markup = self._markup(params.get("reply_markup"))
        key, chat, sender, extra = self._target(params)
        message = {"from": sender, "chat": chat, **extra, "text": text, "outgoing": True,
                   "html": params.get("text"), "parse_mode": params.get("parse_mode")}
        reply_to = (params.get("reply_parameters") or {}).get("message_id")
        if reply_to is not None:
            original = self.messages.get(key, {}).get(reply_to)
            if original is None and not params["reply_parameters"].get("allow_sending_without_reply"):
                raise bad("message to be replied not found")
            if original is not None:
                message["reply_to_message"] = public(original)
        if markup:
            message["reply_markup"] = markup
        return public(self._store(key, message))

    def _api_send_document(self, params: dict) -> dict:
        document = params.get("document")
        if isinstance(document, str) and document in self.files:
            stored = self.files[document]
        elif isinstance(document, dict) and "content" in document:
            if not document["content"]:
                raise bad("file must be non-empty")
            if len(document["content"]) > 50 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            stored = {"file_name": document.get("filename") or "document", "content": document["content"]}
        else:
            raise bad("wrong remote file identifier specified: can't unserialize it. Wrong last symbol")
        caption = params.get("caption")
        caption = self._render(caption, params.get("parse_mode")) if caption not in (None, "") else None
        if caption is not None and len(caption) > 1024:
            raise bad("message caption is too long")
        markup = self._markup(params.get("reply_markup"))
        key, chat, sender, extra = self._target(params)
        file_id = f"BQAC{len(self.files) + 1:08d}"
        self.files[file_id] = stored
        message = {"from": sender, "chat": chat, **extra, "outgoing": True, "html": params.get("caption"),
                   "parse_mode": params.get("parse_mode"),
                   "document": {"file_id": file_id, "file_unique_id": f"AgAD{len(self.files):08d}",
                                "file_name": stored["file_name"], "file_size": len(stored["content"])}}
        if caption is not None:
            message["caption"] = caption
        if markup:
            message["reply_markup"] = markup
        return public(self._store(key, message))

    def document(self, chat_id: int, index: int = -1) -> tuple[str, bytes]:
        """(file name, content) of a document the bot sent to a chat (the last one unless `index` says)."""
        sent = [m for m in self.sent_to(chat_id) if "document" in m]
        return self.files[sent[index]["document"]["file_id"]]["file_name"], \
            self.files[sent[index]["document"]["file_id"]]["content"]

    def _api_edit_message_text(self, params: dict) -> dict:
        return self._edit(params, self._render(params.get("text"), params.get("parse_mode")))

    def _api_edit_message_reply_markup(self, params: dict) -> dict:
        return self._edit(params, None)

    def _api_delete_message(self, params: dict) -> bool:
        key = self._message_key(params)
        if self.messages.get(key, {}).pop(params.get("message_id"), None) is None:
            raise bad("message to delete not found")
        return True

    def _api_answer_callback_query(self, params: dict) -> bool:
        query = self.callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query["answered"]:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        query.update(answered=True, text=params.get("text"), show_alert=bool(params.get("show_alert")))
        return True

    def _api_send_chat_action(self, params: dict) -> bool:
        self._target(params)
        return True

    def _join_decision(self, params: dict, approve: bool) -> bool:
        chat = self._group(params)
        if not self._can_invite(chat):
            raise bad("CHAT_ADMIN_REQUIRED")
        user_id = params.get("user_id")
        if approve and user_id in chat["members"]:
            raise bad("USER_ALREADY_PARTICIPANT")
        request = self.join_requests.get((chat["id"], user_id))
        if request is None or not request["pending"]:
            raise bad("HIDE_REQUESTER_MISSING")
        request.update(pending=False, outcome="approved" if approve else "declined")
        if approve:
            chat["members"].add(user_id)
        return True

    def _api_approve_chat_join_request(self, params: dict) -> bool:
        return self._join_decision(params, approve=True)

    def _api_decline_chat_join_request(self, params: dict) -> bool:
        return self._join_decision(params, approve=False)

    def _api_create_chat_invite_link(self, params: dict) -> dict:
        chat = self._group(params)
        if not self._can_invite(chat):
            raise bad("not enough rights to manage chat invite links")
        name = params.get("name")
        if name is not None and len(str(name)) > 32:
            raise bad("invite link name is too long")
        if params.get("creates_join_request") and params.get("member_limit"):
            raise bad("member limit can't be specified for links requiring administrator approval")
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
        link = {"invite_link": "https://t.me/+" + "".join(self._rng.choice(alphabet) for _ in range(16)),
                "creator": self.bot_user, "creates_join_request": bool(params.get("creates_join_request")),
                "is_primary": False, "is_revoked": False}
        for key in ("name", "expire_date", "member_limit"):
            if params.get(key) is not None:
                link[key] = params[key]
        self.invite_links[link["invite_link"]] = {**link, "chat_id": chat["id"]}
        return copy.deepcopy(link)

    def _api_get_chat(self, params: dict) -> dict:
        chat_id = self._resolve_chat_id(params.get("chat_id"))
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
                               "gifts_from_channels"), chat_id > 0)
        full = {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}
        if chat_id in self.chats:
            return {**self._chat_json(self.chats[chat_id]), **full}
        if chat_id in self.users:
            profile = self.profiles.get(chat_id, {})
            # Telegram: a user's current profile photo, in a private chat's ChatFullInfo; absent when there is none.
            photo = {"small_file_id": f"fake-photo-{chat_id}-small", "small_file_unique_id": f"fake-photo-s-{chat_id}",
                     "big_file_id": f"fake-photo-{chat_id}-big", "big_file_unique_id": f"fake-photo-b-{chat_id}"}
            return {**self._private_chat(self.users[chat_id]), **full,
                    **({"photo": photo} if profile.get("photos", 1) else {}),
                    **({"bio": profile["bio"]} if profile.get("bio") else {})}
        raise bad("chat not found")

    def _api_get_user_profile_photos(self, params: dict) -> dict:
        user_id = params.get("user_id")
        if user_id not in self.users:
            raise bad("user not found")
        total = self.profiles.get(user_id, {}).get("photos", 1)
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        if not 1 <= limit <= 100:
            raise bad("limit must be between 1 and 100")
        photos = []
        for n in range(offset, min(total, offset + limit)):
            ids = {"file_id": f"fake-photo-{user_id}-{n}", "file_unique_id": f"fake-photo-u-{user_id}-{n}"}
            photos.append([{**ids, "width": w, "height": w, "file_size": w * 40} for w in (160, 320, 640)])
        return {"total_count": total, "photos": photos}

    def _api_get_chat_member(self, params: dict) -> dict:
        chat = self._group(params)
        user_id = params.get("user_id")
        if user_id == self.bot_id:
            return self._bot_member(chat)
        if user_id not in self.users:
            raise bad("user not found")
        user = self.users[user_id]
        if chat.get("owner_id") == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        return {"status": "member" if user_id in chat["members"] else "left", "user": user}

    def _api_get_chat_administrators(self, params: dict) -> list[dict]:
        chat = self._group(params)
        admins = []
        if chat.get("owner_id") in self.users:
            admins.append({"status": "creator", "user": self.users[chat["owner_id"]], "is_anonymous": False})
        if chat["bot_status"] == "administrator":
            admins.append(self._bot_member(chat))
        return admins

    def _api_get_business_connection(self, params: dict) -> dict:
        conn = self.business_connections.get(str(params.get("business_connection_id")))
        if conn is None:
            raise bad("BUSINESS_CONNECTION_INVALID")
        return copy.deepcopy(conn)

    def _api_leave_chat(self, params: dict) -> bool:
        chat = self._group(params)
        self._set_bot_status(chat, self.bot_user, "left", chat["can_invite_users"])
        return True
