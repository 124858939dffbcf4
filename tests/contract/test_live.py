"""Contract checks against each adapter's running sandbox: lifecycle, sending, error mapping,
webhook authentication and group discovery. Every test here shares the module's event loop
with the ``live`` fixture (one started account per case)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from adapters.email import EmailAdapter
from broadcaster.adapter import InboundEvent
from broadcaster.errors import ConfigError, DeliveryError
from content.i18n import DEFAULT_LANGUAGE

from .cases import ALL, CASES, Case, params, usual_announcement
from .conftest import ACCOUNT, Live, build, mounted
from .test_static import CTX

pytestmark = pytest.mark.asyncio(loop_scope="module")

#: addresses well-formed for each channel that the sandbox has never heard of
UNKNOWN = {
    "telegram": "-1009999999999",
    "whatsapp": "6289900000001",
    "waha": "120363999999999999@g.us",
    "email": "tidak-ada@warga.sandbox.test",
}


@pytest.mark.parametrize("case", params(ALL))
async def test_async_with_starts_and_stops_and_stop_is_idempotent(
    case: Case, tmp_path: Path
) -> None:
    adapter = build(case, tmp_path)
    async with adapter as entered:
        assert entered is adapter
        address = await adapter.sandbox_group("RT 002 / RW 001 Kamanisan")
        assert address
    await adapter.stop()  # a second stop must be harmless
    await adapter.stop()


async def test_every_rendered_message_is_sent_with_an_id(live: Live) -> None:
    adapter = live.adapter
    address = await live.group("RT 005 / RW 002 Cipocok Jaya")
    messages = adapter.render(usual_announcement(), DEFAULT_LANGUAGE, CTX)
    assert len(messages) >= 2 or live.case.adapter == "email"
    for message in messages:
        result = await adapter.send(message, address)
        assert isinstance(result.message_id, str) and result.message_id.strip(), message.kind


async def test_unknown_address_is_a_delivery_error(live: Live) -> None:
    adapter = live.adapter
    if live.case.adapter not in UNKNOWN:
        pytest.skip(f"{live.case.adapter}: every address is deliverable")
    address = adapter.normalize_address(UNKNOWN[live.case.adapter])
    if isinstance(adapter, EmailAdapter):
        # the sandbox accepts any mailbox, as a submission server does; a provider refusing
        # the recipient at RCPT is how a mailbox that does not exist shows up
        adapter.sandbox.fail(address, 550, "5.1.1 <tidak-ada>: Recipient address rejected")
    [message, *_] = adapter.render(usual_announcement(), "id", CTX)
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(message, address)
    assert type(caught.value) is not DeliveryError, "raise the subclass that says what to do"
    assert str(caught.value).strip()


async def test_webhooks_refuse_unauthenticated_posts(live: Live) -> None:
    adapter = live.adapter
    events: list[InboundEvent] = []
    routes = adapter.http_routes(_no_event)
    if not routes:
        assert routes == []
        return
    paths = {getattr(route, "path", "") for route in routes}
    assert all(paths), paths
    transport = httpx.ASGITransport(app=mounted(adapter, events))
    async with httpx.AsyncClient(transport=transport, base_url="http://hooks.test") as client:
        for path in sorted(paths):
            # a path parameter (the email links' signed token) gets a token nobody signed
            url = f"/hooks/{ACCOUNT}" + path.replace("{token}", "dGlkYWstc2FoLmJ1a2Fu")
            answer = await client.post(url, json={"update_id": 1, "event": "message"})
            # email links carry their signature in the URL and answer a bad one with 400
            # (adapters/email/routes.py): still refused before anything was done
            allowed = {400, 401, 403, 405} if live.case.adapter == "email" else {401, 403}
            assert answer.status_code in allowed, (path, answer.status_code, answer.text)
    assert events == []


async def test_discover_groups(live: Live) -> None:
    adapter = live.adapter
    if live.case.adapter != "waha":
        with pytest.raises(ConfigError) as caught:
            await adapter.discover_groups()
        assert str(caught.value).strip()
        return
    address = await live.group("Warga RT 007 / RW 004 Serang")
    found = {group.address: group for group in await adapter.discover_groups()}
    assert address in found
    assert found[address].title == "Warga RT 007 / RW 004 Serang"


@pytest.mark.parametrize("case", params(CASES))
async def test_sandbox_groups_are_distinct(case: Case, tmp_path: Path) -> None:
    async with build(case, tmp_path) as adapter:
        first = await adapter.sandbox_group("RT 001")
        second = await adapter.sandbox_group("RT 001")
    assert first != second


async def _no_event(event: InboundEvent) -> None:
    raise AssertionError(f"no event expected, got {event}")
