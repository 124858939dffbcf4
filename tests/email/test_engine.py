"""End to end through the core: approve → dispatch → real SMTP (the account's sandbox server);
then residents click vote and unsubscribe links served by the HTTP app, and one address
bounces at RCPT."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from adapters.email import EmailAdapter
from broadcaster.adapter import adapter_class
from broadcaster.http import create_http_app
from broadcaster.store.records import GroupStatus
from content.model import Level
from tests.core.harness import Rig, rig

ACCOUNTS = {"surel": {"adapter": "email", "sandbox": True}}


def test_entry_point() -> None:
    assert adapter_class("email") is EmailAdapter


async def setup(r: Rig) -> tuple[EmailAdapter, dict[int, str]]:
    adapter = r.app.adapters["surel"]
    assert isinstance(adapter, EmailAdapter)
    groups: dict[int, str] = {}
    async for region in r.app.store.iter_regions("3673", Level.rt):
        address = await adapter.sandbox_group(f"RT {region.code}")
        group = await r.app.directory.add_group(
            "officer", "surel", address, region.code, "rt", status=GroupStatus.active
        )
        groups[group.id] = address
    return adapter, groups


def vote_links(adapter: EmailAdapter, address: str) -> list[str]:
    [message] = adapter.sandbox.messages_to(address)
    plain = message.get_body(("plain",))
    assert plain is not None
    return [
        link.split("127.0.0.1:8080", 1)[1]
        for link in re.findall(
            r"http://127\.0\.0\.1:8080/hooks/surel/vote/[\w.-]+", plain.get_content()
        )
    ]


async def test_dispatch_votes_unsubscribe_and_bounce(tmp_path: Path) -> None:
    async with rig(tmp_path, accounts=ACCOUNTS) as r:
        adapter, groups = await setup(r)
        assert len(groups) == 6
        gone_group, *rest = groups
        adapter.sandbox.fail(groups[gone_group], 550, "5.1.1 User unknown")

        record = await r.approved(regions=["3673"], poll=True)
        dispatch = await r.dispatch_now(record)
        await r.engine.drain(30)
        progress = await r.app.store.dispatch_progress(dispatch.id)
        assert progress.by_status == {"sent": 5, "failed": 1}
        assert (await r.app.store.get_group(gone_group)).status is GroupStatus.removed
        # one persistent connection pool: far fewer connections than messages
        assert adapter.sandbox.connections <= adapter.settings.pool_size < 5

        http = create_http_app(r.engine)
        transport = httpx.ASGITransport(app=http)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as c:
            first, second, third = rest[:3]
            ya, tidak = vote_links(adapter, groups[first])
            page = await c.get(ya)
            assert page.status_code == 200 and 'lang="id"' in page.text
            assert "Terima kasih, pilihan Anda telah kami catat: <strong>Ya</strong>" in page.text
            assert (await c.get(ya)).status_code == 200  # a repeat click changes nothing
            ya2, _ = vote_links(adapter, groups[second])
            await c.get(ya2)
            _, tidak3 = vote_links(adapter, groups[third])
            await c.get(tidak3)
            await c.get(ya)  # change back and forth: the last click counts
            await c.get(tidak)
            # tampered by one character: refused, nothing recorded
            bad = ya2[:-3] + ("x" if ya2[-3] != "x" else "y") + ya2[-2:]
            refused = await c.get(bad)
            assert refused.status_code == 400 and "tidak sah" in refused.text
            expired_token = adapter.signer.vote_token("p", 0, time.time() - 1, groups[second])
            expired = await c.get(f"/hooks/surel/vote/{expired_token}")
            assert expired.status_code == 410 and "kedaluwarsa" in expired.text

            tally = {t.group_id: t.counts for t in await r.app.store.poll_tally(record.id, 2)}
            assert tally[first] == (0, 1) and tally[second] == (1, 0) and tally[third] == (0, 1)

            # unsubscribe: GET only asks; POST (RFC 8058 one-click) pauses the group
            [mail] = adapter.sandbox.messages_to(groups[second])
            url = re.findall(r"<([^>]+)>", str(mail["List-Unsubscribe"]))[0]
            path = url.split("127.0.0.1:8080", 1)[1]
            confirm = await c.get(path)
            assert confirm.status_code == 200 and 'method="post"' in confirm.text
            assert (await r.app.store.get_group(second)).status is GroupStatus.active
            done = await c.post(path, data={"List-Unsubscribe": "One-Click"})
            assert done.status_code == 200 and "tidak akan menerima pengumuman" in done.text
            assert (await r.app.store.get_group(second)).status is GroupStatus.paused
            audit = await r.app.store.list_audit(object_type="group", object_id=str(second))
            assert any(e.action == "group.paused" for e in audit)
            again = await c.post(path, data={"List-Unsubscribe": "One-Click"})
            assert again.status_code == 200
            tampered = await c.post(path[:-2] + "zz", data={"List-Unsubscribe": "One-Click"})
            assert tampered.status_code == 400
        # the core's "paused" notice is not mailed to the address that just unsubscribed
        await r.engine.send_notices()
        assert len(adapter.sandbox.messages_to(groups[second])) == 1
