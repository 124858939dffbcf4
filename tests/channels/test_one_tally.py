"""One announcement with a poll, dispatched by the real engine to groups on every channel, and
every kind of vote landing in one tally: Telegram (native poll, emulator), WhatsApp Cloud API
(reply button, list row, a number reply), WAHA (native poll with a changed vote, a number reply)
and email (signed vote links clicked through the served HTTP app). ``broadcaster results`` then
shows every vote per region, rolled up RT → province."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from adapters.email import EmailAdapter
from adapters.telegram import TelegramAdapter
from adapters.waha import WahaAdapter
from adapters.whatsapp import WhatsAppAdapter
from broadcaster.cli.main import app as cli_app
from broadcaster.regions import level_of, parent_code
from broadcaster.results import results
from broadcaster.store.records import GroupStatus
from content.model import Level
from tests.core.harness import Rig, rig
from tests.telegram.conftest import RELAXED
from tests.whatsapp.conftest import free_port, serve, wait_until

YA, TIDAK = 0, 1
PACING = {"min_interval": 0.01, "jitter": 0, "group_interval": 0, "quiet_hours": "off"}
#: each group of the test: its name → account
GROUPS = {
    "tg": "tg",
    "wa_button": "wa",
    "wa_list": "wa",
    "wa_number": "wa",
    "waha_native": "gw",
    "waha_number": "gw",
    "email": "mail",
}


def accounts(port: int) -> dict[str, Any]:
    hooks = f"http://127.0.0.1:{port}/hooks"
    return {
        "tg": {"adapter": "telegram", "sandbox": True, "updates": "polling"},
        "wa": {
            "adapter": "whatsapp",
            "sandbox": True,
            "template": "pengumuman_resmi",
            "webhook_url": f"{hooks}/wa/whatsapp",
        },
        "gw": {"adapter": "waha", "sandbox": True, "webhook_url": f"{hooks}/gw/waha", **PACING},
        "mail": {"adapter": "email", "sandbox": True},
    }


async def add_groups(r: Rig) -> dict[str, tuple[str, int, str]]:
    """One active group per entry of GROUPS, on RTs spread over villages and regencies:
    name → (address, group id, region)."""
    rts = [x async for x in r.app.store.iter_regions("36", Level.rt)]
    spread = rts[:: max(1, len(rts) // len(GROUPS))][: len(GROUPS)]
    out: dict[str, tuple[str, int, str]] = {}
    for (name, account), region in zip(GROUPS.items(), spread, strict=True):
        address = await r.app.adapters[account].sandbox_group(f"Warga {region.code}")
        group = await r.app.directory.add_group(
            "officer", account, address, region.code, "rt", status=GroupStatus.active
        )
        out[name] = (address, group.id, region.code)
    return out


def rolled_up(expected: dict[str, tuple[int, int]], level: Level) -> dict[str, tuple[int, int]]:
    """The expected counts summed per ancestor at ``level`` (by walking region codes up)."""
    out: dict[str, tuple[int, int]] = {}
    for region, (ya, tidak) in expected.items():
        code: str | None = region
        while code is not None and level_of(code) is not level:
            code = parent_code(code)
        assert code is not None
        old = out.get(code, (0, 0))
        out[code] = (old[0] + ya, old[1] + tidak)
    return out


async def test_every_channel_votes_into_one_tally(tmp_path: Path) -> None:
    port = free_port()
    service = {"public_url": f"http://127.0.0.1:{port}"}  # the links the sandbox mail carries
    async with rig(tmp_path, service=service, accounts=accounts(port)) as r, serve(r.engine, port):
        tg, wa, gw, mail = (r.app.adapters[n] for n in ("tg", "wa", "gw", "mail"))
        assert isinstance(tg, TelegramAdapter) and isinstance(wa, WhatsAppAdapter)
        assert isinstance(gw, WahaAdapter) and isinstance(mail, EmailAdapter)
        tg.sandbox.configure_limits(RELAXED)
        store = r.app.store
        groups = await add_groups(r)
        # two residents in the Telegram group besides its admin
        chat = int(groups["tg"][0])
        community = tg.sandbox.community
        joko, ani = community.add_user("Pak Joko"), community.add_user("Bu Ani")
        community.add_member(chat, joko.id)
        community.add_member(chat, ani.id)

        async def opted_in() -> bool:  # the Cloud API residents wrote first (window open)
            wa_groups = [groups[n][0] for n in ("wa_button", "wa_list", "wa_number")]
            return all([await store.last_inbound("wa", a) for a in wa_groups])

        await wait_until(opted_in)
        record = await r.approved(poll=True)
        dispatch = await r.dispatch_now(record)
        await r.engine.drain(20)
        progress = await store.dispatch_progress(dispatch.id, by_channel=True)
        assert progress.by_status == {"sent": len(GROUPS)}
        assert set(progress.by_channel) == {"telegram", "whatsapp", "email"}

        # Telegram: native poll votes (one resident changes their mind)
        [tg_poll] = [m.poll for m in tg.sandbox.messages(chat) if m.poll is not None]
        community.vote(tg_poll.id, joko.id, [TIDAK])
        community.vote(tg_poll.id, ani.id, [TIDAK])
        community.vote(tg_poll.id, joko.id, [YA])

        # Cloud API: a reply button, a list row and a bare number
        def last_sent(to: str) -> str:
            return [m.id for m in wa.sandbox.state.accepted if m.to == to][-1]

        button, listed, number = (groups[n][0] for n in ("wa_button", "wa_list", "wa_number"))
        wa.sandbox.inbound(button, button={"id": "opt:0", "title": "Ya"}, context=last_sent(button))
        wa.sandbox.inbound(
            listed, list_reply={"id": "opt:1", "title": "Tidak"}, context=last_sent(listed)
        )
        wa.sandbox.inbound(number, text="2")

        # WAHA: native poll votes (a changed vote replaces the first) and a number reply
        native = groups["waha_native"][0]
        [gw_poll] = [m for m in gw.sandbox.sent if m.chat_id == native and m.kind == "poll"]
        members = gw.sandbox.groups[native].members
        gw.sandbox.member_vote(gw_poll.id, members[1], ["Ya"])
        gw.sandbox.member_vote(gw_poll.id, members[2], ["Tidak"])
        gw.sandbox.member_vote(gw_poll.id, members[2], ["Ya"])
        numbered = groups["waha_number"][0]
        gw.sandbox.member_message(numbered, gw.sandbox.groups[numbered].members[3], "2")

        # email: the signed links, clicked over real HTTP (the last click counts)
        [message] = mail.sandbox.messages_to(groups["email"][0])
        plain = message.get_body(("plain",))
        assert plain is not None
        pattern = rf"http://127\.0\.0\.1:{port}/hooks/mail/vote/[\w.-]+"
        links = re.findall(pattern, plain.get_content())
        assert len(links) == 2
        async with httpx.AsyncClient() as client:
            for link in (links[YA], links[TIDAK]):
                page = await client.get(link)
                assert page.status_code == 200 and "Terima kasih" in page.text

        expected_by_group = {
            groups["tg"][1]: (1, 1),
            groups["wa_button"][1]: (1, 0),
            groups["wa_list"][1]: (0, 1),
            groups["wa_number"][1]: (0, 1),
            groups["waha_native"][1]: (2, 0),
            groups["waha_number"][1]: (0, 1),
            groups["email"][1]: (0, 1),
        }

        async def tallied() -> bool:
            tally = {t.group_id: t.counts for t in await store.poll_tally(record.id, 2)}
            return tally == expected_by_group

        await wait_until(tallied, within=10)

        # the roll-up: every level from RT to province carries every vote
        region_of = {g: region for _, g, region in groups.values()}
        by_rt = {region_of[g]: counts for g, counts in expected_by_group.items()}
        assert len(rolled_up(by_rt, Level.regency)) > 1  # the groups span several regencies
        for level in (Level.rt, Level.rw, Level.village, Level.district, Level.regency):
            _, rows = await results(store, record.id, level)
            assert {row.region: row.counts for row in rows} == rolled_up(by_rt, level)
        total_ya = sum(c[YA] for c in expected_by_group.values())
        total_tidak = sum(c[TIDAK] for c in expected_by_group.values())

        # and the command line shows the same, from the same database
        shown = await cli_results(tmp_path, record.id, "province")
        assert shown == [
            {
                "region": "36",
                "name": shown[0]["name"],
                "groups": len(GROUPS),
                "Ya": total_ya,
                "Tidak": total_tidak,
                "total": total_ya + total_tidak,
            }
        ]
        assert shown[0]["name"].upper() == "BANTEN"
        per_rt = await cli_results(tmp_path, record.id, "rt")
        assert {row["region"]: (row["Ya"], row["Tidak"]) for row in per_rt} == by_rt


async def cli_results(tmp_path: Path, announcement: int, level: str) -> list[dict[str, Any]]:
    """``broadcaster results ID --level LEVEL --json`` against the rig's SQLite file."""
    folder = tmp_path / "cli"
    folder.mkdir(exist_ok=True)
    config = folder / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "{tmp_path / "cli-var"}"\n'
        f'[store]\nurl = "sqlite:///{tmp_path / "broadcaster.db"}"\n'
        "[http]\nenabled = false\n"
        '[accounts.outbox]\nadapter = "file"\n'
    )
    args = ["results", str(announcement), "--level", level, "--json", "--config", str(config)]
    result = await asyncio.to_thread(CliRunner().invoke, cli_app, args)
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows
