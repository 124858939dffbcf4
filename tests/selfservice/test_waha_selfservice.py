"""A WhatsApp community group subscribes itself through the WAHA gateway emulator: greeted when
the number is added, only admins (roles read from the gateway) may DAFTAR / BERHENTI / LANJUT,
DAFTAR by a name with one or several matches, approval told to the group, removal noticed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.sandbox.waha import WahaSandbox
from adapters.waha import WahaAdapter
from broadcaster.importer import import_regions
from broadcaster.store.records import GroupStatus
from tests.core.harness import Rig, rig
from tests.whatsapp.conftest import free_port, serve, wait_until

FAST = {"min_interval": 0.01, "jitter": 0, "group_interval": 0, "quiet_hours": "off"}


@dataclass
class Gateway:
    rig: Rig
    sandbox: WahaSandbox

    def texts(self, chat: str) -> list[str]:
        return [str(m.body.get("text", "")) for m in self.sandbox.sent if m.chat_id == chat]

    async def said(self, chat: str, words: str, count: int = 1) -> str:
        """Wait for the ``count``-th message to ``chat`` containing ``words``."""

        async def there() -> bool:
            return len([t for t in self.texts(chat) if words in t]) >= count

        await wait_until(there, within=10)
        return [t for t in self.texts(chat) if words in t][count - 1]

    async def group(self, chat: str) -> object:
        return await self.rig.app.store.find_group("whatsapp", "gw", chat)


@pytest.fixture
async def gateway(tmp_path: Path, wilayah_dir: Path) -> AsyncIterator[Gateway]:
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
        await import_regions(r.app.store, wilayah_dir, "admin", province="36")
        adapter = r.app.adapters["gw"]
        assert isinstance(adapter, WahaAdapter)
        yield Gateway(r, adapter.sandbox)


async def test_a_group_subscribes_itself_and_only_admins_may(gateway: Gateway) -> None:
    sandbox, store = gateway.sandbox, gateway.rig.app.store
    group = sandbox.create_group("Warga RT 01 Kamanisan", members=4, joined=False)
    creator, member = group.members[0], group.members[1]
    assert group.roles[creator] == "superadmin"
    # the number is added: the group is greeted with the commands, in Bahasa Indonesia
    from adapters.sandbox.waha.groups import add_number

    add_number(sandbox, group)
    welcome = await gateway.said(group.id, "DAFTAR <kode atau nama wilayah>")
    assert "BERHENTI" in welcome and "tanpa garis miring" in welcome
    # a member who is not an admin cannot subscribe the group, whatever the message claims
    sandbox.member_message(group.id, member, "daftar kamanisan (saya admin)")
    await gateway.said(group.id, "hanya dapat digunakan oleh admin grup")
    assert await gateway.group(group.id) is None
    # the superadmin (as the gateway lists the participants) can, by the village's name
    sandbox.member_message(group.id, creator, "DAFTAR Kamanisan rt")
    pending = await gateway.said(group.id, "menunggu persetujuan")
    assert "Kel./Desa Kamanisan, Kec. Curug, Kota Serang" in pending and "3673010001" in pending
    found = await store.find_group("whatsapp", "gw", group.id)
    assert found is not None and found.status is GroupStatus.pending
    assert (found.region, found.kind, found.title) == ("3673010001", "rt", group.name)
    # an officer scoped there approves: the group is told
    await gateway.rig.app.directory.set_group_status("serang_officer", found.id, GroupStatus.active)
    await gateway.said(group.id, "telah disetujui")
    # BERHENTI / STATUS / LANJUT, as plain words or with a slash, any case
    sandbox.member_message(group.id, member, "BERHENTI")
    await gateway.said(group.id, "hanya dapat digunakan oleh admin grup", count=2)
    sandbox.member_message(group.id, creator, "berhenti")
    await gateway.said(group.id, "dihentikan sementara")
    paused = await store.get_group(found.id)
    assert paused.status is GroupStatus.paused
    sandbox.member_message(group.id, creator, "/Status")
    await gateway.said(group.id, "Status grup: paused")
    # a member promoted to admin on WhatsApp may act from then on
    from adapters.sandbox.waha.groups import set_role

    set_role(sandbox, group, member, "admin")
    sandbox.member_message(group.id, member, "LANJUT")
    await gateway.said(group.id, "dilanjutkan")
    assert (await store.get_group(found.id)).status is GroupStatus.active
    # conversation that merely starts with a command word is not a command
    sandbox.member_message(group.id, member, "status banjir di RT 3 bagaimana?")
    sandbox.member_message(group.id, creator, "BANTUAN")
    await gateway.said(group.id, "DAFTAR <kode atau nama wilayah>", count=2)
    assert len([t for t in gateway.texts(group.id) if t.startswith("Status grup")]) == 1


async def test_daftar_by_a_name_shared_by_several_regions(gateway: Gateway) -> None:
    sandbox, store = gateway.sandbox, gateway.rig.app.store
    group = sandbox.create_group("RW 02 Cipocok", members=3)
    admin, other = group.members[1], group.members[2]
    sandbox.member_message(group.id, admin, "daftar cipocok jaya rw")
    listing = await gateway.said(group.id, "Balas dengan nomornya")
    assert "1. Kec. Cipocok Jaya, Kota Serang, Prov. Banten (3673030)" in listing
    assert "2. Kel./Desa Cipocok Jaya, Kec. Cipocok Jaya" in listing
    assert await gateway.group(group.id) is None  # nothing until answered
    # somebody else's number is not the admin's answer (it is an ordinary reply)
    sandbox.member_message(group.id, other, "2")
    sandbox.member_message(group.id, admin, "7")
    await gateway.said(group.id, "nomor 1 sampai 2")
    sandbox.member_message(group.id, admin, "2")
    await gateway.said(group.id, "menunggu persetujuan")
    found = await store.find_group("whatsapp", "gw", group.id)
    assert found is not None and (found.region, found.kind) == ("3673030005", "rw")
    # a name nothing matches gets a hint
    sandbox.member_message(group.id, admin, "DAFTAR kampung antah berantah")
    await gateway.said(group.id, "tidak ditemukan")


async def test_removing_the_number_removes_the_group(gateway: Gateway) -> None:
    from adapters.sandbox.waha.groups import remove_number

    sandbox, store = gateway.sandbox, gateway.rig.app.store
    group = sandbox.create_group("PKK Tajur", members=2)
    sandbox.member_message(group.id, group.members[1], "DAFTAR 3671010001 pkk")
    await gateway.said(group.id, "menunggu persetujuan")
    remove_number(sandbox, group)

    async def removed() -> bool:
        found = await store.find_group("whatsapp", "gw", group.id)
        return found is not None and found.status is GroupStatus.removed

    await wait_until(removed, within=10)
