"""WAHA gateway adapter against the real emulator: sending, error mapping, pacing, the HMAC
webhook, group discovery, and votes from native polls and number replies in the same tally as
the Cloud API's buttons and lists."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from adapters.sandbox.waha import sign
from adapters.waha import WahaAdapter
from adapters.whatsapp import WhatsAppAdapter
from broadcaster.adapter import AdapterContext, ChannelMessage, InboundEvent
from broadcaster.errors import (
    AccountBlocked,
    InputError,
    RateLimited,
    RecipientGone,
)
from broadcaster.store.records import GroupStatus
from content.model import Level
from tests.core.harness import rig
from tests.whatsapp.conftest import free_port, serve, wait_until

FAST = {"min_interval": 0.01, "jitter": 0, "group_interval": 0, "quiet_hours": "off"}


@pytest.fixture
async def waha(tmp_path: Path) -> AsyncIterator[WahaAdapter]:
    adapter = WahaAdapter(AdapterContext("gw", {"sandbox": True, **FAST}, tmp_path))
    await adapter.start()
    yield adapter
    await adapter.stop()


def test_address() -> None:
    assert WahaAdapter.normalize_address(" 120363012345678901@g.us ") == "120363012345678901@g.us"
    with pytest.raises(InputError):
        WahaAdapter.normalize_address("6281234567890@c.us")


async def test_send_text_and_native_poll(waha: WahaAdapter) -> None:
    group = waha.sandbox.create_group("RT 01 Tajur")
    text = await waha.send(ChannelMessage("text", {"text": "*Peringatan*"}), group.id)
    poll = await waha.send(
        ChannelMessage("poll", {"name": "Tergenang?", "options": ["Ya", "Tidak"]}), group.id
    )
    assert text.poll_id is None and poll.poll_id == poll.message_id
    assert [m.kind for m in waha.sandbox.sent] == ["text", "poll"]
    assert waha.sandbox.sent[1].poll_options == ["Ya", "Tidak"]


async def test_discover_groups(waha: WahaAdapter) -> None:
    a = waha.sandbox.create_group("RT 01 Tajur", members=7)
    b = waha.sandbox.create_group("PKK Kamanisan", members=3)
    found = {g.address: g for g in await waha.discover_groups()}
    assert {a.id, b.id} < set(found)  # besides the sandbox's sample groups
    assert found[a.id].title == "RT 01 Tajur" and found[a.id].participants == 8


@pytest.mark.parametrize("code", [463, 475])
async def test_ban_precursors_pause_the_number(waha: WahaAdapter, code: int) -> None:
    group = waha.sandbox.create_group("RT 02")
    waha.sandbox.faults.append((code, 1))
    with pytest.raises(AccountBlocked) as caught:
        await waha.send(ChannelMessage("text", {"text": "halo"}), group.id)
    assert caught.value.provider_code == str(code)
    assert caught.value.pause == waha.settings.ban_pause


async def test_session_not_working_pauses_until_it_works_again(waha: WahaAdapter) -> None:
    group = waha.sandbox.create_group("RT 03")
    waha.sandbox.status = "FAILED"
    with pytest.raises(AccountBlocked, match="session not working"):
        await waha.send(ChannelMessage("text", {"text": "halo"}), group.id)
    waha._on_session("FAILED")  # as the session.status webhook reports
    with pytest.raises(AccountBlocked, match="FAILED, not WORKING"):
        await waha.send(ChannelMessage("text", {"text": "halo"}), group.id)
    waha.sandbox.status = "WORKING"
    await waha.send(ChannelMessage("text", {"text": "halo"}), group.id)


async def test_left_group_is_gone_and_bad_key_blocks(waha: WahaAdapter) -> None:
    with pytest.raises(RecipientGone):
        await waha.send(ChannelMessage("text", {"text": "halo"}), "120363999999999999@g.us")
    waha.sandbox.api_key = "rotated"
    with pytest.raises(AccountBlocked) as caught:
        await waha.send(ChannelMessage("text", {"text": "halo"}), "120363999999999999@g.us")
    assert caught.value.pause is None


async def test_pacing_quiet_hours_and_daily_cap(tmp_path: Path) -> None:
    always_quiet = {**FAST, "quiet_hours": "00:00-23:59"}
    quiet = WahaAdapter(AdapterContext("gw", {"sandbox": True, **always_quiet}, tmp_path))
    with pytest.raises(RateLimited, match="quiet hours"):
        await quiet.pacer.before_send()
    capped = WahaAdapter(AdapterContext("gw", {"sandbox": True, **FAST, "daily_cap": 2}, tmp_path))
    await capped.pacer.before_send()
    await capped.pacer.before_send()
    with pytest.raises(RateLimited, match="daily cap") as caught:
        await capped.pacer.before_send()
    assert 0 < caught.value.retry_after <= 86400
    assert capped.limits.global_per_second == 100.0


async def test_webhook_hmac(waha: WahaAdapter) -> None:
    seen: list[InboundEvent] = []

    async def sink(event: InboundEvent) -> None:
        seen.append(event)

    app = Starlette(routes=[Mount("/hooks/gw", routes=waha.http_routes(sink))])
    key = waha.sandbox.hmac_key
    assert key is not None
    payload = {
        "from": "120363000000000001@g.us",
        "participant": "6281@c.us",
        "body": "Siap 👍",
        "id": "false_x_1",
        "fromMe": False,
        "timestamp": 1700000000,
    }
    body = json.dumps(waha.sandbox.envelope("message", payload)).encode()
    altered = body.replace(b"Siap", b"Siaq")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        url = "/hooks/gw/waha"
        assert (await c.post(url, content=body)).status_code == 401
        assert (
            await c.post(url, content=body, headers={"X-Webhook-Hmac": sign("x", body)})
        ).status_code == 403
        assert (
            await c.post(url, content=altered, headers={"X-Webhook-Hmac": sign(key, body)})
        ).status_code == 403
        assert seen == []
        assert (
            await c.post(url, content=body, headers={"X-Webhook-Hmac": sign(key, body)})
        ).status_code == 200
    assert [(e.kind, e.address, e.data["text"]) for e in seen] == [
        ("reply", "120363000000000001@g.us", "Siap 👍")
    ]


async def test_every_kind_of_vote_lands_in_one_tally(tmp_path: Path) -> None:
    port = free_port()
    hooks = f"http://127.0.0.1:{port}/hooks"
    accounts: dict[str, Any] = {
        "wa": {
            "adapter": "whatsapp",
            "sandbox": True,
            "template": "pengumuman_resmi",
            "webhook_url": f"{hooks}/wa/whatsapp",
        },
        "gw": {"adapter": "waha", "sandbox": True, "webhook_url": f"{hooks}/gw/waha", **FAST},
    }
    async with rig(tmp_path, accounts=accounts) as r, serve(r.engine, port):
        store = r.app.store
        regions = [x async for x in store.iter_regions("36", Level.rt)][:5]
        groups: dict[str, tuple[str, int]] = {}
        for name, account, region in zip(
            ["button", "list", "wa_number", "native", "gw_number"],
            ["wa", "wa", "wa", "gw", "gw"],
            regions,
            strict=True,
        ):
            address = await r.app.adapters[account].sandbox_group(f"Warga {region.code}")
            group = await r.app.directory.add_group(
                "officer", account, address, region.code, "rt", status=GroupStatus.active
            )
            groups[name] = (address, group.id)

        async def opted_in() -> bool:
            wa_names = ("button", "list", "wa_number")
            return all([await store.last_inbound("wa", groups[n][0]) for n in wa_names])

        await wait_until(opted_in)
        record = await r.approved(poll=True)
        await r.dispatch_now(record)
        await r.engine.drain(30)  # a poll follows its text 6 s later (pair rate)
        wa = r.app.adapters["wa"]
        gw = r.app.adapters["gw"]
        assert isinstance(wa, WhatsAppAdapter) and isinstance(gw, WahaAdapter)

        def last_id(to: str) -> str:
            return [m.id for m in wa.sandbox.state.accepted if m.to == to][-1]

        b, li, n = groups["button"][0], groups["list"][0], groups["wa_number"][0]
        wa.sandbox.inbound(b, button={"id": "opt:0", "title": "Ya"}, context=last_id(b))
        wa.sandbox.inbound(li, list_reply={"id": "opt:1", "title": "Tidak"}, context=last_id(li))
        wa.sandbox.inbound(n, text="2")
        native = groups["native"][0]
        poll = [m for m in gw.sandbox.sent if m.chat_id == native and m.kind == "poll"][0]
        members = gw.sandbox.groups[native].members
        gw.sandbox.member_vote(poll.id, members[1], ["Ya"])
        gw.sandbox.member_vote(poll.id, members[2], ["Tidak"])
        gw.sandbox.member_vote(poll.id, members[2], ["Ya"])  # changed vote replaces
        numbered = groups["gw_number"][0]
        gw.sandbox.member_message(numbered, gw.sandbox.groups[numbered].members[3], "2")
        gw.sandbox.member_message(numbered, gw.sandbox.groups[numbered].members[4], "Siap pak")

        expected = {
            groups["button"][1]: (1, 0),
            groups["list"][1]: (0, 1),
            groups["wa_number"][1]: (0, 1),
            groups["native"][1]: (2, 0),
            groups["gw_number"][1]: (0, 1),
        }

        async def tallied() -> bool:
            tally = {t.group_id: t.counts for t in await store.poll_tally(record.id, 2)}
            return tally == expected

        await wait_until(tallied)

        async def replied() -> bool:  # its webhook may still be on its way after the "2"
            return "Siap pak" in [x.text for x in await store.list_replies()]

        await wait_until(replied)
        texts = [x.text for x in await store.list_replies()]
        assert "Siap pak" in texts and "2" not in texts  # the number went to the tally


def test_groups_discover_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from broadcaster.cli.main import app

    (tmp_path / "config.toml").write_text(
        '[service]\ndata_dir = "var"\n[http]\nenabled = false\n'
        '[accounts.gw]\nadapter = "waha"\nsandbox = true\n'
    )
    runner = CliRunner()
    config = ["--config", str(tmp_path / "config.toml")]
    assert runner.invoke(app, ["users", "add", "admin", "--role", "admin", *config]).exit_code == 0
    result = runner.invoke(
        app, ["groups", "discover", "--account", "gw", "--as", "admin", "--json", *config]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["title"] for r in rows} == {
        "Warga RT 01 RW 03 Tajur (contoh)",
        "PKK Kelurahan Kamanisan (contoh)",
    }
    assert all(r["status"] == "unmapped" and r["address"].endswith("@g.us") for r in rows)
    missing = runner.invoke(
        app, ["groups", "discover", "--account", "nope", "--as", "admin", *config]
    )
    assert missing.exit_code == 1
