"""Join requests to the owner's groups and channels, the bot's membership there, /chats and /links."""

from telegram import ChatMember, Update
from telegram.ext import Application, ChatJoinRequestHandler, ChatMemberHandler, CommandHandler

from bot.core.untrusted import valid_text
from bot.flow import chats
from bot.handlers.context import DoormanContext
from bot.handlers.guard import reviewer_command
from bot.telegram.read import chat_title, command_args, join_values


async def screen_join_request(update: Update, context: DoormanContext) -> None:
    """Answers a join request: asks the requester the first question at once (the 5-minute window)."""
    await chats.screen_join_request(context.deps, context.bot,
                                    chats.JoinRequest(**join_values(update.chat_join_request, context.bot.id)))


async def track_bot_membership(update: Update, context: DoormanContext) -> None:
    """Answers a change of the bot's own membership: a requester who blocked it, or its rights in a chat."""
    change = update.my_chat_member
    chat, new = change.chat, change.new_chat_member
    if chat.type == chat.PRIVATE:
        if new.status in (ChatMember.BANNED, ChatMember.LEFT):
            await chats.requester_left(context.deps, context.bot, chat.id)
        return
    can_invite = bool(getattr(new, "can_invite_users", False)) or new.status == ChatMember.OWNER
    await chats.track_bot_membership(context.deps, context.bot, chat_id=chat.id, title=chat_title(chat),
                                     chat_type=chat.type, status=new.status, can_invite_users=can_invite,
                                     actor_id=change.from_user.id, username=valid_text(chat.username))


@reviewer_command
async def list_chats(update: Update, context: DoormanContext) -> None:
    """Answers /chats with every known group or channel, whether it is screened, and its open requests."""
    await update.effective_message.reply_text(chats.chats_text(context.deps))


@reviewer_command
async def create_link(update: Update, context: DoormanContext) -> None:
    """Answers /links <source> [chat id] with a new invite link that needs approval, named after the source."""
    await update.effective_message.reply_text(
        await chats.create_link(context.deps, context.bot, command_args(context.args), update.effective_user.id))


def register(app: Application) -> None:
    """Register join-request screening, the bot's membership tracking and the chat commands."""
    app.add_handler(ChatJoinRequestHandler(screen_join_request))
    app.add_handler(ChatMemberHandler(track_bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CommandHandler("chats", list_chats))
    app.add_handler(CommandHandler("links", create_link))
