"""Every Telegram failure lands on the right core error class, through each driver.

The failures are real: the emulator answers with Telegram's exact error bodies (its own limits,
kicked bots, migrated groups, bad markup) or injects faults (429 storms, 5xx, dropped
connections, slow answers).
"""

from __future__ import annotations

import pytest

from adapters.telegram import TelegramAdapter
from adapters.telegram.errors import (
    MarkupRejected,
    ProviderFailure,
    delivery_error,
    redact,
    status_from_phrase,
)
from broadcaster.adapter import ChannelMessage
from broadcaster.errors import (
    AddressMoved,
    DeliveryError,
    PermanentError,
    RateLimited,
    RecipientGone,
    TransientError,
)

from .conftest import AdapterFactory, bot_id, group_admin


def text(body: str, parse_mode: str | None = "HTML") -> ChannelMessage:
    return ChannelMessage("text", {"text": body, "parse_mode": parse_mode})


async def test_injected_429_gives_its_retry_after(tg: TelegramAdapter, chat: str) -> None:
    tg.sandbox.add_fault("rate_limit", count=1, retry_after=7)
    with pytest.raises(RateLimited) as caught:
        await tg.send(text("Uji"), chat)
    assert caught.value.retry_after == 7 and caught.value.provider_code == "429"
    assert "7" in str(caught.value)
    await tg.send(text("Uji lagi"), chat)  # the storm is over


async def test_emulator_limits_answer_429_with_retry_after(
    make_adapter: AdapterFactory, driver: str
) -> None:
    tg = await make_adapter(driver=driver, relaxed=False)  # Telegram's published limits
    chat = await tg.sandbox_group("RT 004")
    await tg.send(text("pertama"), chat)
    with pytest.raises(RateLimited) as caught:  # a second message to one chat within 1 s
        await tg.send(text("kedua"), chat)
    assert caught.value.retry_after == 1


async def test_migrated_group_moves_to_its_supergroup(tg: TelegramAdapter, chat: str) -> None:
    supergroup = tg.sandbox.community.migrate_group(int(chat))
    with pytest.raises(AddressMoved) as caught:
        await tg.send(text("Uji"), chat)
    assert caught.value.new_address == str(supergroup.id)
    assert caught.value.provider_code == "400"
    new_address = TelegramAdapter.normalize_address(caught.value.new_address)
    await tg.send(text("Uji"), new_address)
    assert [m.text for m in tg.sandbox.messages(supergroup.id)] == ["Uji"]


@pytest.mark.parametrize(("ban", "wording"), [(True, "kicked"), (False, "not a member")])
async def test_removed_bot_means_recipient_gone(
    tg: TelegramAdapter, chat: str, ban: bool, wording: str
) -> None:
    sandbox = tg.sandbox
    sandbox.community.remove_bot(
        int(chat), bot_id(tg), by_user=group_admin(sandbox, int(chat)), ban=ban
    )
    with pytest.raises(RecipientGone, match=wording) as caught:
        await tg.send(text("Uji"), chat)
    assert caught.value.provider_code == "403"


async def test_unknown_chat_means_recipient_gone(tg: TelegramAdapter) -> None:
    with pytest.raises(RecipientGone, match=r"(?i)chat not found") as caught:
        await tg.send(text("Uji"), "-999")
    assert caught.value.provider_code == "400"


async def test_resident_who_blocked_the_bot_is_gone(tg: TelegramAdapter) -> None:
    community = tg.sandbox.community
    resident = community.add_user("Warga")
    community.start_private(resident.id, bot_id(tg))
    await tg.send(text("Terima kasih"), str(resident.id))
    community.block_bot(resident.id, bot_id(tg))
    with pytest.raises(RecipientGone, match="blocked"):
        await tg.send(text("Uji"), str(resident.id))


async def test_unparsable_markup_is_resent_once_as_plain_text(
    tg: TelegramAdapter, chat: str
) -> None:
    broken = text('<b>Awas banjir</b> &amp; <a href="https://bmkg.go.id">BMKG</a> <i>longsor')
    result = await tg.send(broken, chat)
    assert result.note is not None
    assert result.note.startswith("resent as plain text: Bad Request: can't parse entities")
    (arrived,) = tg.sandbox.messages(int(chat))
    assert arrived.parse_mode is None
    assert {e.type for e in arrived.entities} <= {"url"}  # only what Telegram detects itself
    assert arrived.text == "Awas banjir & BMKG (https://bmkg.go.id) longsor"
    assert result.message_id == str(arrived.message_id)


async def test_plain_resend_that_fails_reports_its_own_failure(
    tg: TelegramAdapter, chat: str
) -> None:
    with pytest.raises(PermanentError, match=r"(?i)too long"):
        await tg.send(text("<b>" + "x" * 5000), chat)
    assert tg.sandbox.messages(int(chat)) == []


async def test_too_long_and_other_bad_requests_are_permanent(
    tg: TelegramAdapter, chat: str
) -> None:
    with pytest.raises(PermanentError, match=r"(?i)message is too long") as caught:
        await tg.send(text("x" * 5000), chat)
    assert caught.value.provider_code == "400"
    assert not isinstance(caught.value, MarkupRejected)
    one_option = ChannelMessage("poll", {"question": "Q?", "options": ["A"]})
    with pytest.raises(PermanentError, match=r"(?i)at least 2 option"):
        await tg.send(one_option, chat)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_transient(tg: TelegramAdapter, chat: str, status: int) -> None:
    tg.sandbox.add_fault("server_error", count=1, status=status)
    with pytest.raises(TransientError) as caught:
        await tg.send(text("Uji"), chat)
    assert caught.value.provider_code == str(status)


async def test_dropped_connection_is_transient(tg: TelegramAdapter, chat: str) -> None:
    tg.sandbox.add_fault("drop", count=1)
    with pytest.raises(TransientError) as caught:
        await tg.send(text("Uji"), chat)
    assert caught.value.provider_code is None
    await tg.send(text("Uji lagi"), chat)  # the pool recovers from the broken connection


async def test_timeout_is_transient(make_adapter: AdapterFactory, driver: str) -> None:
    tg = await make_adapter(driver=driver, request_timeout=0.2)
    chat = await tg.sandbox_group("RT 005")
    tg.sandbox.add_fault("slow", count=1, delay_ms=600)
    with pytest.raises(TransientError, match=r"(?i)time"):
        await tg.send(text("Uji"), chat)


@pytest.mark.parametrize(
    "message",
    [
        ChannelMessage("sticker", {"file_id": "x"}),
        ChannelMessage("text", {"parse_mode": "HTML"}),
        ChannelMessage("poll", {"question": "Q?"}),
        ChannelMessage("photo", {"caption": "tanpa url"}),
    ],
)
async def test_malformed_messages_are_permanent(
    tg: TelegramAdapter, chat: str, message: ChannelMessage
) -> None:
    with pytest.raises(PermanentError):
        await tg.send(message, chat)


# -- the mapping itself, for answers the emulator does not produce ------------------------------


@pytest.mark.parametrize(
    ("failure", "expected", "code"),
    [
        (ProviderFailure("Forbidden: group chat was deactivated", 403), RecipientGone, "403"),
        (ProviderFailure("Forbidden: user is deactivated", 403), RecipientGone, "403"),
        (ProviderFailure("Forbidden: bot was blocked by the user", 403), RecipientGone, "403"),
        (ProviderFailure("Forbidden: bot can't send messages to bots", 403), PermanentError, "403"),
        (ProviderFailure("Bad Request: not enough rights", 400), PermanentError, "400"),
        (ProviderFailure("Request Entity Too Large", 413), PermanentError, "413"),
        (ProviderFailure("Unauthorized", 401), TransientError, "401"),
        (ProviderFailure("Not Found", 404), TransientError, "404"),
        (ProviderFailure("Conflict: terminated by other getUpdates", 409), TransientError, "409"),
        (ProviderFailure("Gateway Timeout", 504), TransientError, "504"),
        (ProviderFailure("Payment Required", 402), PermanentError, "402"),
        (ProviderFailure("Server disconnected", None), TransientError, None),
        (ProviderFailure("Bad Request: can't parse entities: x", 400), MarkupRejected, "400"),
    ],
)
def test_mapping_table(
    failure: ProviderFailure, expected: type[DeliveryError], code: str | None
) -> None:
    error = delivery_error(failure)
    assert type(error) is expected
    assert error.provider_code == code
    assert str(error) == failure.description


def test_429_without_parameters_reads_the_description() -> None:
    error = delivery_error(ProviderFailure("Too Many Requests: retry after 12", 429))
    assert isinstance(error, RateLimited) and error.retry_after == 12
    bare = delivery_error(ProviderFailure("Too Many Requests", 429))
    assert isinstance(bare, RateLimited) and bare.retry_after == 5


def test_migration_wins_over_the_status() -> None:
    error = delivery_error(ProviderFailure("upgraded", 400, migrate_to_chat_id=-1002100000001))
    assert isinstance(error, AddressMoved) and error.new_address == "-1002100000001"


def test_status_from_phrase() -> None:
    assert status_from_phrase("Bad Gateway (502). Parsing the server response failed") == 502
    assert status_from_phrase("Internal Server Error") == 500
    assert status_from_phrase("Too Many Requests: retry after 3") == 429
    assert status_from_phrase("httpx.ConnectError: All connection attempts failed") is None
    assert status_from_phrase("OK (200)") is None


def test_redact_removes_tokens() -> None:
    token = "123456789:AAH-very_secret-token-value-0123456789"
    assert (
        redact(f"POST http://h/bot{token}/sendMessage", None)
        == "POST http://h/bot<token>/sendMessage"
    )
    assert redact(f"The token `{token}` was rejected", None) == "The token `<token>` was rejected"
    assert redact("short 12:ab stays", token) == "short 12:ab stays"
