"""Contract checks that need no running provider: registration, limits, addresses, rendering,
and webhooks refusing unauthenticated requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from broadcaster.adapter import (
    Adapter,
    ChannelMessage,
    InboundEvent,
    Limits,
    RenderContext,
    adapter_class,
)
from broadcaster.errors import ConfigError, InputError
from content.i18n import DEFAULT_LANGUAGE

from .cases import (
    ALL,
    BODY_MARK,
    QUESTION_EN,
    QUESTION_ID,
    TEXT_KEYS,
    TITLE_EN,
    TITLE_ID,
    Case,
    long_announcement,
    params,
    strings,
    text_length,
    usual_announcement,
)
from .conftest import ACCOUNT, build, mounted

CTX = RenderContext(announcement_id=7, short_code="KX7Q2", verify_url="https://cek.example/KX7Q2")
GARBAGE = ("", "   ", "not an address!!")


def render(
    case: Case, tmp_path: Path, language: str, *, over_limit: bool = False
) -> tuple[Adapter, list[ChannelMessage]]:
    """``case``'s rendering of the usual announcement, or with ``over_limit`` of one whose body
    is longer than the adapter's ``text_max``."""
    adapter = build(case, tmp_path)
    limit = adapter.limits.text_max
    announcement = long_announcement(limit) if over_limit else usual_announcement()
    return adapter, adapter.render(announcement, language, CTX)


def blob(message: ChannelMessage) -> str:
    return "\n".join(strings(message.payload))


@pytest.mark.parametrize("case", params(ALL))
def test_registered_under_its_entry_point(case: Case) -> None:
    cls = adapter_class(case.adapter)
    assert issubclass(cls, Adapter)
    assert isinstance(cls.channel, str) and cls.channel.strip()


@pytest.mark.parametrize("case", params(ALL))
def test_limits_are_data(case: Case, tmp_path: Path) -> None:
    limits = build(case, tmp_path).limits
    assert isinstance(limits, Limits)
    assert limits.text_max > 0
    assert limits.global_per_second is None or limits.global_per_second > 0


@pytest.mark.parametrize("case", params(ALL))
async def test_sandbox_address_is_normalized_idempotently(case: Case, tmp_path: Path) -> None:
    adapter = build(case, tmp_path)
    async with adapter:
        address = await adapter.sandbox_group("RT 001 / RW 003 Tajur")
    once = adapter.normalize_address(address)
    assert adapter.normalize_address(once) == once
    assert adapter.normalize_address(address) == once


@pytest.mark.parametrize("case", params(ALL))
@pytest.mark.parametrize("garbage", GARBAGE, ids=["empty", "blank", "words"])
def test_garbage_address_is_an_input_error(case: Case, garbage: str) -> None:
    cls = adapter_class(case.adapter)
    with pytest.raises(InputError) as caught:
        cls.normalize_address(garbage)
    assert str(caught.value).strip()


@pytest.mark.parametrize(
    "case",
    params(ALL),
)
def test_render_keeps_every_text_within_text_max(case: Case, tmp_path: Path) -> None:
    adapter, messages = render(case, tmp_path, DEFAULT_LANGUAGE, over_limit=True)
    limit = adapter.limits.text_max
    lengths = [
        text_length(m.payload[k], m.payload.get("parse_mode"))
        for m in messages
        for k in TEXT_KEYS
        if isinstance(m.payload.get(k), str)
    ]
    assert lengths, f"no text-like payload in {[m.kind for m in messages]}"
    too_long = [n for n in lengths if n > limit]
    assert too_long == [], f"over text_max {limit}"


@pytest.mark.parametrize("case", params(ALL))
def test_render_puts_the_text_before_the_poll(case: Case, tmp_path: Path) -> None:
    _, messages = render(case, tmp_path, DEFAULT_LANGUAGE)
    body = [i for i, m in enumerate(messages) if BODY_MARK in blob(m)]
    poll = [i for i, m in enumerate(messages) if QUESTION_ID in blob(m)]
    assert body and poll, "the body and the poll must both be rendered"
    assert max(body) <= min(poll)
    assert all(BODY_MARK not in blob(m) for m in messages[min(poll) + 1 :])


@pytest.mark.parametrize("case", params(ALL))
def test_render_speaks_indonesian_by_default_and_english_on_request(
    case: Case, tmp_path: Path
) -> None:
    for language in (DEFAULT_LANGUAGE, "jv"):  # no Javanese variant: Indonesian is the fallback
        _, messages = render(case, tmp_path, language)
        text = "\n".join(blob(m) for m in messages)
        assert TITLE_ID in text and QUESTION_ID in text and BODY_MARK in text
        assert TITLE_EN not in text and QUESTION_EN not in text
    _, messages = render(case, tmp_path, "en")
    text = "\n".join(blob(m) for m in messages)
    assert TITLE_EN in text and QUESTION_EN in text
    assert TITLE_ID not in text and QUESTION_ID not in text and BODY_MARK not in text


#: a resident's reply "2" (a vote) in a group, as WAHA posts it
WAHA_REPLY = {
    "event": "message",
    "session": "default",
    "payload": {
        "from": "120363000000000001@g.us",
        "participant": "6281234567890@c.us",
        "body": "2",
        "id": "false_120363000000000001@g.us_3EB0C0FFEE",
        "fromMe": False,
        "timestamp": 1700000000,
    },
}


async def refused(
    adapter: Adapter, path: str, body: dict[str, Any] | None = None
) -> tuple[int, list[InboundEvent]]:
    """POST ``body`` (default: a plausible update) to ``path`` under the account's hooks without
    any credential; the answer's status and the events that reached the sink."""
    events: list[InboundEvent] = []
    transport = httpx.ASGITransport(app=mounted(adapter, events))
    async with httpx.AsyncClient(transport=transport, base_url="http://hooks.test") as client:
        answer = await client.post(
            f"/hooks/{ACCOUNT}{path}", json=body or {"update_id": 1, "message": {"text": "2"}}
        )
    return answer.status_code, events


async def test_telegram_webhook_refuses_a_request_without_the_secret(tmp_path: Path) -> None:
    """``updates = "webhook"`` serves ``POST /telegram`` (no start needed to build the routes)."""
    for driver in ("ptb", "aiogram"):
        case = Case(f"telegram-{driver}", "telegram", {"sandbox": True, "driver": driver})
        adapter = build(
            case, tmp_path, updates="webhook", webhook_url="https://example.id/hooks/x/telegram"
        )
        assert adapter.http_routes(_ignore) != []
        status, events = await refused(adapter, "/telegram")
        assert status in (401, 403) and events == []


def test_a_real_waha_account_needs_a_webhook_key(tmp_path: Path) -> None:
    """A gateway account that could not check its webhooks' signatures is refused at once."""
    with pytest.raises(ConfigError, match="hmac_key_env"):
        build(Case("waha-real", "waha", {"base_url": "http://127.0.0.1:9"}), tmp_path)


async def test_waha_webhook_refuses_posts_before_its_key_is_loaded(tmp_path: Path) -> None:
    # a sandbox account generates its key in start(): until then nothing is accepted
    adapter = build(Case("waha-sandbox", "waha", {"sandbox": True}), tmp_path)
    status, events = await refused(adapter, "/waha", WAHA_REPLY)
    assert status in (401, 403, 503) and events == []


async def _ignore(event: InboundEvent) -> None:
    raise AssertionError(f"no event expected, got {event}")
