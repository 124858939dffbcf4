"""Sending through each driver to the real emulator over HTTP: what arrives, and how."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import pytest

from adapters.sandbox.telegram import TelegramSandbox
from adapters.telegram import TelegramAdapter
from broadcaster.adapter import AdapterContext, ChannelMessage, RenderContext
from broadcaster.errors import ConfigError, InputError, TransientError
from content.model import Announcement, Poll, Target, Variant

from .conftest import AdapterFactory

CTX = RenderContext(3, "Q3ZP", "http://127.0.0.1:8080/v/Q3ZP")
TOKEN_A = "111111:regency-lebak-token-aaaaaaaaaaaa"
TOKEN_B = "222222:regency-serang-token-bbbbbbbbbbb"


def flood_warning(
    body: str = "Mohon **waspada** banjir, cek [BMKG](https://bmkg.go.id).",
) -> Announcement:
    return Announcement(
        variants={"id": Variant(title="Peringatan Dini", body=body)},
        poll=Poll(question="Apakah wilayah Anda tergenang?", options=["Ya", "Tidak"]),
        source="BMKG",
        target=Target(regions=["36"]),
    )


async def test_text_arrives_as_formatted_message(tg: TelegramAdapter, chat: str) -> None:
    text = tg.render(flood_warning(), "id", CTX)[0]
    result = await tg.send(text, chat)
    (arrived,) = tg.sandbox.messages(int(chat))
    assert result.message_id == str(arrived.message_id) and result.note is None
    assert arrived.parse_mode == "HTML"
    assert arrived.text == (
        "Peringatan Dini\n\nMohon waspada banjir, cek BMKG.\n\n"
        "Sumber: BMKG\nCek keaslian: http://127.0.0.1:8080/v/Q3ZP"
    )
    kinds = {(e.type, e.url) for e in arrived.entities}
    assert {("bold", None), ("text_link", "https://bmkg.go.id")} <= kinds


async def test_poll_arrives_as_native_poll(make_adapter: AdapterFactory, driver: str) -> None:
    tg = await make_adapter(driver=driver, poll_anonymous=False)
    chat = await tg.sandbox_group("RW 003")
    content = flood_warning().model_copy(
        update={
            "poll": Poll(question="Butuh bantuan apa?", options=["Air", "Makanan"], multiple=True)
        }
    )
    poll_message = tg.render(content, "id", CTX)[-1]
    result = await tg.send(poll_message, chat)
    assert result.poll_id is not None
    poll = tg.sandbox.poll(result.poll_id)
    assert (poll.chat_id, str(poll.message_id)) == (int(chat), result.message_id)
    assert poll.question == "Butuh bantuan apa?" and poll.options == ["Air", "Makanan"]
    assert poll.is_anonymous is False and poll.allows_multiple_answers is True


async def test_long_announcement_arrives_in_order_in_several_messages(
    tg: TelegramAdapter, chat: str
) -> None:
    body = "\n\n".join(f"Paragraf {i}. " + "Jauhi bantaran sungai. " * 60 for i in range(8))
    messages = tg.render(flood_warning(body), "id", CTX)
    assert len(messages) >= 4 and messages[-1].kind == "poll"
    for message in messages:
        await tg.send(message, chat)
    arrived = tg.sandbox.messages(int(chat))
    texts = [m.text or "" for m in arrived if m.poll is None]
    assert len(texts) == len(messages) - 1
    assert all(0 < len(t) <= 4096 for t in texts)
    assert (
        " ".join(texts).split()
        == (
            "Peringatan Dini " + body + " Sumber: BMKG Cek keaslian: http://127.0.0.1:8080/v/Q3ZP"
        ).split()
    )
    assert arrived[-1].poll is not None


async def test_photo_and_document_by_url_with_caption(tg: TelegramAdapter, chat: str) -> None:
    photo = ChannelMessage(
        "photo",
        {"url": "https://bpbd.bantenprov.go.id/peta.png", "caption": "<b>Peta</b> genangan"}
        | {"parse_mode": "HTML"},
    )
    document = ChannelMessage(
        "document", {"url": "https://bpbd.bantenprov.go.id/panduan.pdf", "caption": "Panduan"}
    )
    await tg.send(photo, chat)
    await tg.send(document, chat)
    first, second = tg.sandbox.messages(int(chat))
    assert first.kind == "photo" and first.text == "Peta genangan"
    assert [e.type for e in first.entities] == ["bold"]
    assert second.kind == "document" and second.document is not None
    assert second.document["file_name"] == "panduan.pdf" and second.text == "Panduan"


async def test_paid_broadcast_is_requested_per_message(
    make_adapter: AdapterFactory, driver: str
) -> None:
    tg = await make_adapter(driver=driver, allow_paid_broadcast=True)
    chat = await tg.sandbox_group("RT 002")
    await tg.send(ChannelMessage("text", {"text": "Uji", "parse_mode": "HTML"}), chat)
    assert tg.sandbox.messages(int(chat))[0].paid_broadcast is True
    assert tg.limits.global_per_second == 1000.0


async def test_accounts_with_both_drivers_share_a_process_and_a_group(
    tmp_path: Path, external: TelegramSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two regency bots on one Bot API server (base_url + token_env), one per driver."""
    external.register_bot(TOKEN_A)
    external.register_bot(TOKEN_B)
    monkeypatch.setenv("LEBAK_BOT_TOKEN", TOKEN_A)
    monkeypatch.setenv("SERANG_BOT_TOKEN", TOKEN_B)
    admin = external.community.add_user("Bu RT")
    group = external.community.create_group("RT 001", creator=admin.id)
    adapters = []
    for account, driver, env in (("lebak", "ptb", "LEBAK"), ("serang", "aiogram", "SERANG")):
        settings = {"driver": driver, "token_env": f"{env}_BOT_TOKEN", "base_url": external.url}
        adapters.append(TelegramAdapter(AdapterContext(account, settings, tmp_path)))
    for token in (TOKEN_A, TOKEN_B):
        external.community.add_bot(group.id, token, by_user=admin.id)
    for adapter in adapters:
        await adapter.start()
    try:
        await asyncio.gather(
            *(
                adapter.send(
                    ChannelMessage("text", {"text": f"{adapter.account} {i}", "parse_mode": None}),
                    str(group.id),
                )
                for i in range(5)
                for adapter in adapters
            )
        )
    finally:
        for adapter in adapters:
            await adapter.stop()
    for token, account in ((TOKEN_A, "lebak"), (TOKEN_B, "serang")):
        texts = sorted(m.text or "" for m in external.messages(group.id, bot=token))
        assert texts == [f"{account} {i}" for i in range(5)]


async def test_the_token_never_reaches_the_logs(
    tmp_path: Path,
    external: TelegramSandbox,
    driver: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    external.register_bot(TOKEN_A)
    admin = external.community.add_user("Bu RT")
    group = external.community.create_group("RT 001", creator=admin.id)
    external.community.add_bot(group.id, TOKEN_A, by_user=admin.id)
    monkeypatch.setenv("BOT_TOKEN", TOKEN_A)
    caplog.set_level(logging.DEBUG)
    settings = {"driver": driver, "token_env": "BOT_TOKEN", "base_url": external.url}
    adapter = TelegramAdapter(AdapterContext("tg", settings, tmp_path))
    await adapter.start()
    try:
        await adapter.send(ChannelMessage("text", {"text": "halo"}), str(group.id))
    finally:
        await adapter.stop()
    assert caplog.records, "expected the libraries to log something at DEBUG"
    secret = TOKEN_A.split(":")[1]
    assert not [r.getMessage() for r in caplog.records if secret in r.getMessage()]


@pytest.mark.parametrize("token", [TOKEN_A, "not-a-token-at-all"])  # unknown; malformed
async def test_a_rejected_token_stops_start_without_showing_it(
    tmp_path: Path,
    external: TelegramSandbox,
    driver: str,
    monkeypatch: pytest.MonkeyPatch,
    token: str,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", token)
    settings = {"driver": driver, "token_env": "BOT_TOKEN", "base_url": external.url}
    adapter = TelegramAdapter(AdapterContext("tg", settings, tmp_path))
    with pytest.raises(ConfigError, match="rejected the bot token from \\$BOT_TOKEN") as caught:
        await adapter.start()
    assert token.split(":")[-1] not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_missing_token_variable_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    adapter = TelegramAdapter(AdapterContext("tg", {"token_env": "NO_SUCH_TOKEN"}, tmp_path))
    with pytest.raises(ConfigError, match="'NO_SUCH_TOKEN' is not set"):
        await adapter.start()


async def test_unreachable_api_only_warns_at_start_and_sends_retry_later(
    tmp_path: Path, driver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("BOT_TOKEN", TOKEN_A)
    settings = {"driver": driver, "token_env": "BOT_TOKEN", "base_url": f"http://127.0.0.1:{port}"}
    adapter = TelegramAdapter(AdapterContext("tg", settings, tmp_path))
    await adapter.start()
    try:
        with pytest.raises(TransientError) as caught:
            await adapter.send(ChannelMessage("text", {"text": "halo"}), "-100123")
        assert caught.value.provider_code is None
    finally:
        await adapter.stop()


async def test_sandbox_api_only_on_sandbox_accounts(tmp_path: Path) -> None:
    adapter = TelegramAdapter(AdapterContext("tg", {"token_env": "BOT_TOKEN"}, tmp_path))
    with pytest.raises(ConfigError, match="not a sandbox account"):
        _ = adapter.sandbox
    with pytest.raises(ConfigError, match="no sandbox"):
        await adapter.sandbox_group("RT 001")


async def test_send_before_start_is_transient(tmp_path: Path) -> None:
    adapter = TelegramAdapter(AdapterContext("tg", {"sandbox": True}, tmp_path))
    with pytest.raises(TransientError, match="not started"):
        await adapter.send(ChannelMessage("text", {"text": "halo"}), "-1")
    await adapter.stop()  # stopping a never-started adapter is fine


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("-1001234567890", "-1001234567890"), (" -4012 345 678 ", "-4012345678"), ("0042", "42")],
)
def test_normalize_address_accepts_chat_ids(given: str, canonical: str) -> None:
    assert TelegramAdapter.normalize_address(given) == canonical


@pytest.mark.parametrize("bad", ["", "-100abc", "0", "12.5", "9" * 17, "+62812"])
def test_normalize_address_rejects_anything_else(bad: str) -> None:
    with pytest.raises(InputError, match="numeric id"):
        TelegramAdapter.normalize_address(bad)


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"sandbox": True, "driver": "telethon"}, "driver"),
        ({"sandbox": True, "parse_mode": "MarkdownV2"}, "HTML only"),
        ({"sandbox": True, "tokn_env": "X"}, "unknown telegram setting"),
        ({}, "token_env: required"),
        ({"token_env": "X", "base_url": "api.telegram.org"}, "not an http"),
        ({"sandbox": True, "request_timeout": 0}, "positive"),
    ],
)
def test_bad_settings_are_config_errors(
    tmp_path: Path, settings: dict[str, object], problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        TelegramAdapter(AdapterContext("tg", settings, tmp_path))


def test_settings_from_environment_strings(tmp_path: Path) -> None:
    raw = {"sandbox": True, "allow_paid_broadcast": "true", "request_timeout": "2.5"}
    adapter = TelegramAdapter(AdapterContext("tg", raw, tmp_path))
    assert adapter.settings.allow_paid_broadcast and adapter.settings.request_timeout == 2.5
