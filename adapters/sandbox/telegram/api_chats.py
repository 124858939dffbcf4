"""Bot API methods about the bot, chats and updates: getMe, getChat, getChatMember,
getChatAdministrators, getChatMemberCount, leaveChat, getUpdates, setWebhook, deleteWebhook,
getWebhookInfo, set/get/deleteMyCommands, logOut, close.
"""

from __future__ import annotations

import re
from typing import Any

from .api import Answer, CallContext, method, target_chat
from .errors import bad_request
from .models import PRESENT, member_json

JsonDict = dict[str, Any]
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
#: Update types a bot may ask for (Bot API ``Update`` fields).
UPDATE_TYPES: frozenset[str] = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


@method("getMe")
async def get_me(ctx: CallContext) -> Answer:
    return Answer(ctx.bot.get_me_json())


@method("logOut")
async def log_out(ctx: CallContext) -> Answer:
    return Answer(True)


@method("close")
async def close(ctx: CallContext) -> Answer:
    return Answer(True)


@method("getChat")
async def get_chat(ctx: CallContext) -> Answer:
    return Answer(target_chat(ctx).to_full_json())


@method("getChatMember")
async def get_chat_member(ctx: CallContext) -> Answer:
    chat = target_chat(ctx)
    user_id = ctx.params.get_int("user_id")
    if user_id is None:
        raise bad_request("user_id is empty")
    user = ctx.state.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    status = chat.status(user_id)
    if chat.type == "private" and user_id in (chat.id, ctx.bot.id):
        status = "member"
    return Answer(member_json(user, status, ctx.state.config.omit_member_fields))


@method("getChatAdministrators")
async def get_chat_administrators(ctx: CallContext) -> Answer:
    chat = target_chat(ctx)
    if not chat.is_group:
        raise bad_request("there are no administrators in the private chat")
    return_bots = ctx.params.get_bool("return_bots")
    admins: list[JsonDict] = []
    for user_id, status in chat.roster.items():
        if status not in ("creator", "administrator"):
            continue
        user = ctx.state.users[user_id]
        # Telegram omits bots other than the calling one unless return_bots is set.
        if user.is_bot and user_id != ctx.bot.id and not return_bots:
            continue
        admins.append(member_json(user, status, ctx.state.config.omit_member_fields))
    admins.sort(key=lambda member: member["status"] != "creator")
    return Answer(admins)


@method("getChatMemberCount")
async def get_chat_member_count(ctx: CallContext) -> Answer:
    chat = target_chat(ctx)
    return Answer(sum(1 for status in chat.roster.values() if status in PRESENT))


@method("leaveChat")
async def leave_chat(ctx: CallContext) -> Answer:
    chat = target_chat(ctx)
    if not chat.is_group:
        raise bad_request("chat member status can't be changed in private chats")
    ctx.community.bot_left(chat, ctx.bot)
    return Answer(True)


def _allowed_updates(ctx: CallContext) -> list[str] | None:
    raw = ctx.params.get_json("allowed_updates")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise bad_request("can't parse allowed_updates JSON object")
    # Unknown names are ignored, as by Telegram.
    return [item for item in raw if item in UPDATE_TYPES]


@method("getUpdates")
async def get_updates(ctx: CallContext) -> Answer:
    params = ctx.params
    timeout = params.get_float("timeout") or 0.0
    updates = await ctx.state.queue(ctx.bot.id).get_updates(
        params.get_int("offset"), params.get_int("limit"), timeout, _allowed_updates(ctx)
    )
    return Answer(updates)


@method("setWebhook")
async def set_webhook(ctx: CallContext) -> Answer:
    params = ctx.params
    queue = ctx.state.queue(ctx.bot.id)
    url = (params.get_str("url") or "").strip()
    drop = params.get_bool("drop_pending_updates")
    if not url:
        was_set = queue.delete_webhook(drop)
        return Answer(True, "Webhook was deleted" if was_set else "Webhook is already deleted")
    if not url.lower().startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get_str("secret_token")
    if secret is not None and not _SECRET_TOKEN.match(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    max_connections = params.get_int("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    unchanged = queue.webhook is not None and queue.webhook.url == url
    queue.set_webhook(url, secret, max_connections, _allowed_updates(ctx), drop)
    return Answer(True, "Webhook is already set" if unchanged else "Webhook was set")


@method("deleteWebhook")
async def delete_webhook(ctx: CallContext) -> Answer:
    queue = ctx.state.queue(ctx.bot.id)
    was_set = queue.delete_webhook(ctx.params.get_bool("drop_pending_updates"))
    return Answer(True, "Webhook was deleted" if was_set else "Webhook is already deleted")


@method("getWebhookInfo")
async def get_webhook_info(ctx: CallContext) -> Answer:
    return Answer(ctx.state.queue(ctx.bot.id).webhook_info())


@method("setMyCommands")
async def set_my_commands(ctx: CallContext) -> Answer:
    commands = ctx.params.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        name = command.get("command") if isinstance(command, dict) else None
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
            raise bad_request("BOT_COMMAND_INVALID")
    ctx.bot.commands = [
        {"command": c["command"], "description": str(c.get("description", ""))} for c in commands
    ]
    return Answer(True)


@method("getMyCommands")
async def get_my_commands(ctx: CallContext) -> Answer:
    return Answer(list(ctx.bot.commands))


@method("deleteMyCommands")
async def delete_my_commands(ctx: CallContext) -> Answer:
    ctx.bot.commands = []
    return Answer(True)
