"""A resident or RT/RW head subscribes 1:1 through the WhatsApp Cloud API emulator: DAFTAR by
name (asked for the region when missing, a list when several match), STOP honoured at once and
confirmed, before the next announcement goes out."""

from __future__ import annotations

from pathlib import Path

from adapters.whatsapp import WhatsAppAdapter
from broadcaster.importer import import_regions
from broadcaster.store.records import GroupStatus
from tests.core.harness import rig
from tests.whatsapp.conftest import free_port, serve, wait_until

RESIDENT = "6281299990001"
NEIGHBOUR = "6281299990002"


async def test_daftar_stop_lanjut_one_to_one(tmp_path: Path, wilayah_dir: Path) -> None:
    port = free_port()
    accounts = {
        "wa": {
            "adapter": "whatsapp",
            "sandbox": True,
            "template": "pengumuman_resmi",
            "webhook_url": f"http://127.0.0.1:{port}/hooks/wa/whatsapp",
        }
    }
    async with rig(tmp_path, accounts=accounts) as r, serve(r.engine, port):
        store = r.app.store
        await import_regions(store, wilayah_dir, "admin", province="36")
        wa = r.app.adapters["wa"]
        assert isinstance(wa, WhatsAppAdapter)
        sandbox = wa.sandbox

        def texts(to: str) -> list[str]:
            return [str(m.payload) for m in sandbox.state.accepted if m.to == to]

        async def said(to: str, words: str, count: int = 1) -> str:
            async def there() -> bool:
                return len([t for t in texts(to) if words in t]) >= count

            await wait_until(there, within=10)
            return [t for t in texts(to) if words in t][count - 1]

        # DAFTAR without a region: asked for it
        sandbox.inbound(RESIDENT, text="daftar")
        await said(RESIDENT, "Wilayah mana?")
        # a name with two matches: a numbered list, answered with a number
        sandbox.inbound(RESIDENT, text="DAFTAR cipocok jaya")
        await said(RESIDENT, "Balas dengan nomornya")
        sandbox.inbound(RESIDENT, text="2")
        await said(RESIDENT, "Anda akan menerima pengumuman resmi untuk Kel./Desa Cipocok Jaya")
        me = await store.find_group("whatsapp", "wa", RESIDENT)
        assert me is not None and me.status is GroupStatus.active  # opted in by writing
        assert (me.region, me.kind) == ("3673030005", "other")
        # a neighbour: one match by name, subscribed at once
        sandbox.inbound(NEIGHBOUR, text="Daftar kel. cipocok jaya, kota serang")
        await said(NEIGHBOUR, "Anda akan menerima pengumuman resmi")
        sandbox.inbound(RESIDENT, text="STATUS")
        await said(RESIDENT, "Langganan Anda: active")

        record = await r.approved(regions=("3673030",), body="Uji coba **sirene** pukul 10.00.")
        await r.dispatch_now(record)
        await said(RESIDENT, "sirene")
        await said(NEIGHBOUR, "sirene")

        # STOP: paused at once and confirmed
        sandbox.inbound(RESIDENT, text="STOP")
        await said(RESIDENT, "tidak akan menerima pengumuman lagi")
        assert (await store.get_group(me.id)).status is GroupStatus.paused
        # the next announcement reaches the neighbour, not the resident who opted out
        second = await r.approved(regions=("3673030",), body="Sirene **kedua** pukul 11.00.")
        await r.dispatch_now(second)
        await said(NEIGHBOUR, "kedua")
        await r.engine.drain(5)
        assert not [t for t in texts(RESIDENT) if "kedua" in t]
        # asking again is confirmed again; UNSUBSCRIBE is the same word
        sandbox.inbound(RESIDENT, text="unsubscribe")
        await said(RESIDENT, "tidak akan menerima pengumuman lagi", count=2)
        # LANJUT: back in
        sandbox.inbound(RESIDENT, text="lanjut")
        await said(RESIDENT, "Anda kembali menerima pengumuman resmi")

        async def active() -> bool:
            return (await store.get_group(me.id)).status is GroupStatus.active

        await wait_until(active)
        # BANTUAN lists the commands; other text is not a command
        sandbox.inbound(RESIDENT, text="bantuan")
        await said(RESIDENT, "BERHENTI (atau STOP)")
