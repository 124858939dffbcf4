"""End to end: the engine dispatches through a sandbox Cloud API account, the emulator posts
signed webhooks back to the service's HTTP app, and votes by button, list and number reply land
in one tally; receipts update deliveries; an unreachable contact is removed; a blocked account
stops and raises the alert."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from typer.testing import CliRunner

from adapters.sandbox.whatsapp import Fault
from adapters.whatsapp import WhatsAppAdapter
from broadcaster.cli.main import app as cli_app
from broadcaster.store.records import GroupStatus
from content.model import Level
from tests.core.harness import Rig, rig

from .conftest import free_port, serve, wait_until


def account(port: int, **extra: object) -> dict[str, object]:
    return {
        "wa": {
            "adapter": "whatsapp",
            "sandbox": True,
            "template": "pengumuman_resmi",
            "webhook_url": f"http://127.0.0.1:{port}/hooks/wa/whatsapp",
            **extra,
        }
    }


async def residents(r: Rig, count: int) -> list[tuple[str, int]]:
    """``count`` opted-in residents (each wrote first), one active group each."""
    adapter = r.app.adapters["wa"]
    out = []
    regions = [x async for x in r.app.store.iter_regions("36", Level.rt)][:count]
    for region in regions:
        address = await adapter.sandbox_group(f"Warga {region.code}")
        group = await r.app.directory.add_group(
            "officer", "wa", address, region.code, "rt", status=GroupStatus.active
        )
        out.append((address, group.id))
    return out


async def test_votes_from_buttons_lists_and_numbers_share_one_tally(tmp_path: Path) -> None:
    port = free_port()
    async with rig(tmp_path, accounts=account(port)) as r:
        wa = r.app.adapters["wa"]
        assert isinstance(wa, WhatsAppAdapter)
        async with serve(r.engine, port):
            people = await residents(r, 4)
            store = r.app.store

            async def windows_open() -> bool:
                return all([await store.last_inbound("wa", a) is not None for a, _ in people])

            await wait_until(windows_open)
            # the fourth resident's window is long closed: they get the template
            late = people[3][0]
            wa.sandbox.state.residents[late].last_inbound = time.time() - 90_000
            wa._windows.pop(late, None)
            await store.touch_window("wa", late, 0.0)
            await _reset_window(store, late)
            record = await r.approved(poll=True)
            dispatch = await r.dispatch_now(record)
            await r.engine.drain(30)  # a poll follows its text 6 s later (pair rate)
            progress = await store.dispatch_progress(dispatch.id)
            assert progress.by_status.get("sent") == 4

            def poll_message(to: str) -> str:
                found = [m for m in wa.sandbox.state.accepted if m.to == to]
                return found[-1].id

            (a1, _), (a2, _), (a3, g3), (a4, g4) = people
            sandbox = wa.sandbox
            sandbox.inbound(a1, button={"id": "opt:0", "title": "Ya"}, context=poll_message(a1))
            sandbox.inbound(
                a2, list_reply={"id": "opt:1", "title": "Tidak"}, context=poll_message(a2)
            )
            sandbox.inbound(a3, text="2")
            sandbox.inbound(a4, text=" 1. ")  # replying to the template's "Balas 1 / 2"
            sandbox.inbound(a1, button={"id": "opt:1", "title": "Tidak"}, context=poll_message(a1))

            async def all_votes() -> bool:
                tally = await store.poll_tally(record.id, 2)
                return (
                    sum(sum(t.counts) for t in tally) == 4
                    and any(t.counts == (0, 1) for t in tally)
                    and sorted(t.counts for t in tally).count((0, 1)) == 3
                )

            await wait_until(all_votes)
            tally = {t.group_id: t.counts for t in await store.poll_tally(record.id, 2)}
            assert tally[g3] == (0, 1) and tally[g4] == (1, 0)
            assert sorted(tally.values()) == [(0, 1), (0, 1), (0, 1), (1, 0)]

            async def read_receipts() -> bool:
                counts = await store.receipt_counts(dispatch.id)
                return counts.get("read", 0) >= 4

            await wait_until(read_receipts)
            assert sandbox.webhooks_failed == 0


async def _reset_window(store: object, address: str) -> None:
    # the opt-in webhook set the window; put it back 25 hours (as if they wrote yesterday)
    from broadcaster.store.sqlite import SqliteStore

    assert isinstance(store, SqliteStore)
    async with store._tx() as db:
        await db.execute(
            "UPDATE inbound_windows SET last_at = ? WHERE address = ?",
            (time.time() - 90_000, address),
        )


async def test_unreachable_contact_is_removed_and_receipt_fails_delivery(tmp_path: Path) -> None:
    port = free_port()
    async with rig(tmp_path, accounts=account(port)) as r:
        wa = r.app.adapters["wa"]
        assert isinstance(wa, WhatsAppAdapter)
        async with serve(r.engine, port):
            people = await residents(r, 2)
            store = r.app.store

            async def windows_open() -> bool:
                return all([await store.last_inbound("wa", a) is not None for a, _ in people])

            await wait_until(windows_open)
            gone, gone_group = people[1]
            wa.sandbox.state.residents[gone].reachable = False  # accepted, then failed 131026
            dispatch = await r.dispatch_now(await r.approved())
            await r.engine.drain(10)

            async def removed() -> bool:
                group = await store.get_group(gone_group)
                return group.status is GroupStatus.removed

            await wait_until(removed)
            counts = await store.receipt_counts(dispatch.id)
            assert counts.get("failed") == 1
            progress = await store.dispatch_progress(dispatch.id)
            assert progress.by_status.get("failed") == 1


async def test_policy_block_stops_the_account_and_alerts(tmp_path: Path) -> None:
    port = free_port()
    async with rig(tmp_path, accounts=account(port)) as r:
        wa = r.app.adapters["wa"]
        assert isinstance(wa, WhatsAppAdapter)
        async with serve(r.engine, port):
            people = await residents(r, 3)
            wa.sandbox.state.faults.append(Fault(368, times=1))
            dispatch = await r.dispatch_now(await r.approved())

            async def blocked() -> bool:
                return r.engine.senders["wa"].blocked_until > 0

            await wait_until(blocked)
            await _settle()
            sender = r.engine.senders["wa"]
            assert "368" in (sender.blocked_reason or "")
            assert r.engine.metrics.blocked_accounts == {"wa": "368"}
            metrics = r.engine.metrics.render().decode()
            assert (
                'broadcaster_account_blocked{account="wa",channel="whatsapp",code="368"} 1.0'
                in metrics
            )
            # sends already in flight finish; nothing new goes out; the rest stay queued
            accepted = len(wa.sandbox.state.accepted)
            await _settle()
            assert len(wa.sandbox.state.accepted) == accepted < 3
            progress = await r.app.store.dispatch_progress(dispatch.id)
            assert progress.by_status.get("queued", 0) == 3 - accepted
            assert len(people) == 3


async def _settle() -> None:
    await asyncio.sleep(0.3)


async def test_dispatches_status_shows_receipts_per_channel(tmp_path: Path) -> None:
    """``broadcaster dispatches status`` counts receipts (delivered, read, failed) under the
    channel that reports them, not under a channel without receipts in the same dispatch."""
    port = free_port()
    accounts = {**account(port), "scripted": {"adapter": "scripted"}}
    async with rig(tmp_path, accounts=accounts) as r:
        wa = r.app.adapters["wa"]
        assert isinstance(wa, WhatsAppAdapter)
        async with serve(r.engine, port):
            people = await residents(r, 4)
            store = r.app.store

            async def windows_open() -> bool:
                return all([await store.last_inbound("wa", a) is not None for a, _ in people])

            await wait_until(windows_open)
            await r.add_groups("scripted", under="3673")
            state = wa.sandbox.state
            state.residents[people[0][0]].reachable = False  # failed (131026)
            state.residents[people[1][0]].reads = False  # delivered, never read
            dispatch = await r.dispatch_now(await r.approved())
            await r.engine.drain(10)

            async def receipts_in() -> bool:
                counts = await store.receipt_counts(dispatch.id)
                return counts == {"failed": 1, "delivered": 1, "read": 2}

            await wait_until(receipts_in)
            config = tmp_path / "cli.toml"
            config.write_text(
                f'[service]\ndata_dir = "{tmp_path / "cli-var"}"\n'
                f'[store]\nurl = "sqlite:///{tmp_path / "broadcaster.db"}"\n'
                '[http]\nenabled = false\n[accounts.wa]\nadapter = "whatsapp"\nsandbox = true\n'
                '[accounts.scripted]\nadapter = "scripted"\n'
            )
            args = ["dispatches", "status", str(dispatch.id), "--config", str(config)]
            shown = await asyncio.to_thread(CliRunner().invoke, cli_app, [*args, "--json"])
            assert shown.exit_code == 0, shown.output
            row = json.loads(shown.stdout)
            assert set(row["by_channel"]) == {"whatsapp", "scripted"}
            assert row["receipts"] == {"whatsapp": {"delivered": 1, "read": 2, "failed": 1}}
            assert list(row["receipts"]["whatsapp"]) == ["delivered", "read", "failed"]
            human = await asyncio.to_thread(CliRunner().invoke, cli_app, args)
            assert human.exit_code == 0, human.output
            assert "receipts" in human.stdout and "'read': 2" in human.stdout

            # a dispatch to channels without receipts shows none
            only_scripted = await r.dispatch_now(await r.approved(channels=["scripted"]))
            await r.engine.drain(10)
            args[2] = str(only_scripted.id)
            plain = await asyncio.to_thread(CliRunner().invoke, cli_app, [*args, "--json"])
            assert plain.exit_code == 0, plain.output
            assert "receipts" not in json.loads(plain.stdout)
