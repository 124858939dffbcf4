"""Bot API methods that send or change messages: sendMessage, sendPhoto, sendDocument,
sendPoll, stopPoll, deleteMessage, sendChatAction, answerCallbackQuery.

Each send validates everything first (chat access, text, markup, reply target) and only then
passes the rate limits, so a refused request never consumes quota.
"""

from __future__ import annotations

import time
from typing import Any

from .api import Answer, CallContext, admit_send, method, reply_markup, reply_target, target_chat
from .errors import bad_request
from .formatting import format_text, parse_plain
from .models import PollRecord

JsonDict = dict[str, Any]

MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MAX_POLL_OPTIONS = 12
MIN_OPEN_PERIOD, MAX_OPEN_PERIOD = 5, 2_628_000
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


@method("sendMessage")
async def send_message(ctx: CallContext) -> Answer:
    chat = target_chat(ctx)
    raw = ctx.params.get_str("text")
    if not raw:
        raise bad_request("message text is empty")
    parse_mode = ctx.params.get_str("parse_mode")
    formatted = format_text(raw, parse_mode, ctx.params.get_json("entities"), kind="text")
    reply_to = reply_target(ctx, chat)
    markup = reply_markup(ctx)
    paid = admit_send(ctx, chat)
    message = ctx.state.store_message(
        chat,
        ctx.bot.user,
        text=formatted.text,
        raw_text=raw,
        parse_mode=parse_mode,
        entities=formatted.entities,
        reply_markup=markup,
        reply_to_message_id=reply_to,
        paid_broadcast=paid,
    )
    return Answer(ctx.state.message_json(message))


@method("sendPhoto")
async def send_photo(ctx: CallContext) -> Answer:
    return await _send_media(ctx, "photo")


@method("sendDocument")
async def send_document(ctx: CallContext) -> Answer:
    return await _send_media(ctx, "document")


async def _send_media(ctx: CallContext, field: str) -> Answer:
    """A photo or document by file_id, URL or upload; the content itself is not kept."""
    chat = target_chat(ctx)
    params = ctx.params
    reference = params.get_str(field)
    upload = params.upload(field)
    if reference is not None and reference.startswith("attach://"):
        upload = params.upload(reference.removeprefix("attach://"))
        reference = None
    if not reference and upload is None:
        raise bad_request(f"there is no {field} in the request")
    caption_raw = params.get_str("caption") or ""
    parse_mode = params.get_str("parse_mode")
    caption = format_text(
        caption_raw, parse_mode, params.get_json("caption_entities"), kind="caption"
    )
    reply_to = reply_target(ctx, chat)
    markup = reply_markup(ctx)
    paid = admit_send(ctx, chat)
    is_url = reference is not None and reference.lower().startswith(("http://", "https://"))
    file_id = reference if reference and not is_url else ctx.state.new_file_id("BQACAgUAAxkBAAI")
    extra: JsonDict = {}
    if field == "photo":
        extra["photo_file_id"] = file_id
    else:
        name = upload.filename if upload is not None else (reference or "").rsplit("/", 1)[-1]
        extra["document"] = {
            "file_id": file_id,
            "file_unique_id": file_id[-16:],
            "file_name": name or "document",
            "mime_type": upload.content_type if upload is not None else "application/octet-stream",
            "file_size": upload.size if upload is not None else 0,
        }
    message = ctx.state.store_message(
        chat,
        ctx.bot.user,
        text=caption.text,
        raw_text=caption_raw,
        parse_mode=parse_mode,
        entities=caption.entities,
        reply_markup=markup,
        reply_to_message_id=reply_to,
        paid_broadcast=paid,
        **extra,
    )
    return Answer(ctx.state.message_json(message))


@method("sendPoll")
async def send_poll(ctx: CallContext) -> Answer:
    chat = target_chat(ctx)
    params = ctx.params
    question = parse_plain(params.get_str("question") or "", params.get_str("question_parse_mode"))
    if not question.text:
        raise bad_request("poll question must be non-empty")
    if len(question.text) > MAX_POLL_QUESTION:
        raise bad_request(f"poll question length must not exceed {MAX_POLL_QUESTION}")
    options = _poll_options(ctx)
    poll_type = params.get_str("type") or "regular"
    if poll_type not in ("regular", "quiz"):
        raise bad_request("wrong poll type specified")
    correct = _correct_option(ctx, poll_type, len(options))
    close_date = _close_date(ctx)
    reply_to = reply_target(ctx, chat)
    markup = reply_markup(ctx)
    paid = admit_send(ctx, chat)
    message = ctx.state.store_message(
        chat,
        ctx.bot.user,
        reply_markup=markup,
        reply_to_message_id=reply_to,
        paid_broadcast=paid,
    )
    poll = PollRecord(
        id=ctx.state.new_poll_id(),
        chat_id=chat.id,
        message_id=message.message_id,
        bot_id=ctx.bot.id,
        question=question.text,
        options=options,
        is_anonymous=params.get_bool("is_anonymous", True),
        type=poll_type,
        allows_multiple_answers=poll_type == "regular"
        and params.get_bool("allows_multiple_answers"),
        is_closed=params.get_bool("is_closed"),
        correct_option_id=correct,
        explanation=params.get_str("explanation") if poll_type == "quiz" else None,
        open_period=params.get_int("open_period"),
        close_date=close_date,
    )
    message.poll = poll
    ctx.state.polls[poll.id] = poll
    if not poll.is_closed:
        ctx.community.schedule_close(poll)
    return Answer(ctx.state.message_json(message))


def _poll_options(ctx: CallContext) -> list[str]:
    raw = ctx.params.get_json("options")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise bad_request("can't parse options JSON object")
    minimum = ctx.state.config.min_poll_options
    if len(raw) < minimum:
        if minimum <= 1:
            raise bad_request("poll must have at least one answer option")
        raise bad_request(f"poll must have at least {minimum} option")
    if len(raw) > MAX_POLL_OPTIONS:
        raise bad_request(f"poll can't have more than {MAX_POLL_OPTIONS} options")
    options: list[str] = []
    for item in raw:
        # Bot API 7.3+ takes InputPollOption objects; older clients send plain strings.
        if isinstance(item, dict):
            text, mode = item.get("text"), item.get("text_parse_mode")
        else:
            text, mode = item, None
        if not isinstance(text, str | int | float) or isinstance(text, bool):
            raise bad_request("can't parse options JSON object")
        parsed = parse_plain(str(text), mode if isinstance(mode, str) else None).text
        if not parsed:
            raise bad_request("poll options must be non-empty")
        if len(parsed) > MAX_POLL_OPTION:
            raise bad_request(f"poll options length must not exceed {MAX_POLL_OPTION}")
        options.append(parsed)
    return options


def _correct_option(ctx: CallContext, poll_type: str, option_count: int) -> int | None:
    if poll_type != "quiz":
        return None
    correct = ctx.params.get_int("correct_option_id")
    many = ctx.params.get_json("correct_option_ids")
    if correct is None and isinstance(many, list) and len(many) == 1 and isinstance(many[0], int):
        correct = many[0]
    if correct is None or not 0 <= correct < option_count:
        raise bad_request("wrong correct option id specified")
    return correct


def _close_date(ctx: CallContext) -> int | None:
    open_period = ctx.params.get_int("open_period")
    close_date = ctx.params.get_int("close_date")
    now = int(time.time())
    if open_period is not None and close_date is not None:
        raise bad_request("can't use open_period and close_date together")
    if open_period is not None:
        if not MIN_OPEN_PERIOD <= open_period <= MAX_OPEN_PERIOD:
            raise bad_request("wrong open period specified")
        return now + open_period
    if close_date is not None:
        if not MIN_OPEN_PERIOD <= close_date - now <= MAX_OPEN_PERIOD:
            raise bad_request("wrong close date specified")
        return close_date
    return None


@method("stopPoll")
async def stop_poll(ctx: CallContext) -> Answer:
    chat = target_chat(ctx)
    message_id = ctx.params.get_int("message_id")
    message = chat.messages.get(message_id) if message_id is not None else None
    if message is None or message.poll is None or message.sender.id != ctx.bot.id:
        raise bad_request("message with poll to stop not found")
    if message.poll.is_closed:
        raise bad_request("poll has already been closed")
    markup = reply_markup(ctx)
    if markup is not None:
        message.reply_markup = markup
    return Answer(ctx.community.close_poll(message.poll.id).to_json())


@method("deleteMessage")
async def delete_message(ctx: CallContext) -> Answer:
    chat = target_chat(ctx)
    message_id = ctx.params.get_int("message_id")
    message = chat.messages.get(message_id) if message_id is not None else None
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    bot_is_admin = chat.status(ctx.bot.id) in ("creator", "administrator")
    if message.sender.id != ctx.bot.id and chat.is_group and not bot_is_admin:
        raise bad_request("message can't be deleted")
    message.deleted = True
    return Answer(True)


@method("sendChatAction")
async def send_chat_action(ctx: CallContext) -> Answer:
    target_chat(ctx)
    if ctx.params.get_str("action") not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return Answer(True)


@method("answerCallbackQuery")
async def answer_callback_query(ctx: CallContext) -> Answer:
    query_id = ctx.params.get_str("callback_query_id") or ""
    known = ctx.community.callback_queries.get(query_id)
    if known is None or known[0] != ctx.bot.id or known[1] is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    ctx.community.callback_queries[query_id] = (
        ctx.bot.id,
        {
            "text": ctx.params.get_str("text"),
            "show_alert": ctx.params.get_bool("show_alert"),
            "url": ctx.params.get_str("url"),
        },
    )
    return Answer(True)
