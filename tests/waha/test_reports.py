"""Hoax reports in a WhatsApp community group through the WAHA emulator and the running
service: members reply LAPOR or /lapor quoting a message (text, a picture); each report lands
as a case from the group's region and the group gets the code; bare LAPOR gets the how-to."""

from __future__ import annotations

import hashlib
from pathlib import Path

from adapters.waha import WahaAdapter
from broadcaster.store.records import GroupStatus
from tests.core.harness import rig
from tests.whatsapp.conftest import free_port, serve, wait_until

FAST = {"min_interval": 0.01, "jitter": 0, "group_interval": 0, "quiet_hours": "off"}
HOAX = "Vaksin campak di posyandu minggu ini mengandung chip pelacak! Jangan datang!!"
PICTURE = b"jpeg bytes of a doctored announcement letter"


async def test_group_members_report_by_quoting(tmp_path: Path) -> None:
    port = free_port()
    accounts = {
        "gw": {
            "adapter": "waha",
            "sandbox": True,
            "webhook_url": f"http://127.0.0.1:{port}/hooks/gw/waha",
            **FAST,
        }
    }
    async with rig(tmp_path, accounts=accounts) as r, serve(r.engine, port):
        store = r.app.store
        adapter = r.app.adapters["gw"]
        assert isinstance(adapter, WahaAdapter)
        sandbox = adapter.sandbox
        group = sandbox.create_group("Warga RT 01 Tajur", members=4)
        await r.app.directory.add_group(
            "officer", "gw", group.id, "3671010001", "rt", status=GroupStatus.active
        )
        ani, budi, citra = group.members[1:4]

        def texts(words: str) -> list[str]:
            sent = [str(m.body.get("text", "")) for m in sandbox.sent if m.chat_id == group.id]
            return [t for t in sent if words in t]

        async def said(words: str, count: int = 1) -> str:
            async def there() -> bool:
                return len(texts(words)) >= count

            await wait_until(there, within=10)
            return texts(words)[count - 1]

        rumour = sandbox.member_message(group.id, ani, HOAX)
        sandbox.member_message(group.id, budi, "LAPOR", reply_to=rumour)
        ack = await said("HX-")
        [case] = await store.list_hoax_cases()
        assert case.code in ack and case.regions == ("3671010001",)
        [report] = await store.hoax_reports(case.id)
        assert report.content == HOAX and budi not in str(report.reporter)
        # a picture, quoted with /lapor: hashed from the gateway's file
        photo = sandbox.member_media(group.id, ani, "image", "", PICTURE)
        sandbox.member_message(group.id, citra, "/lapor ini hoaks bukan?", reply_to=photo)
        await said("HX-", count=2)
        [media_case] = [c for c in await store.list_hoax_cases() if c.id != case.id]
        [media_report] = await store.hoax_reports(media_case.id)
        assert media_report.media_hash == hashlib.sha256(PICTURE).hexdigest()
        assert media_report.media_ref == f"sha256:{media_report.media_hash}"
        assert media_case.code in texts("HX-")[1]
        # a bare LAPOR: the how-to; conversation mentioning lapor: nothing
        sandbox.member_message(group.id, ani, "LAPOR")
        await said("balas (reply) pesan itu dengan kata LAPOR")
        sandbox.member_message(group.id, ani, "Lapor pak RT, lampu jalan mati")
        await sandbox.drain()
        assert len(await store.list_hoax_cases()) == 2
