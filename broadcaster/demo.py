"""``broadcaster run --demo``: a small, offline, end-to-end demonstration.

On a store with no users it creates three users (admin, an officer and a verifier scoped to
Banten), a handful of real Banten region codes with RW/RT units, one group per RT on every
configured account's sandbox, and an emergency flood warning that the officer writes, the verifier
approves and the scheduler sends at once. Then a WhatsApp community group subscribes itself: the
gateway number is added to it and its admin writes ``DAFTAR Kamanisan rt`` (pending approval).
Every step goes through the same workflow, authorisation and audit as real use. The three users
get one random dashboard password, written to ``data_dir/demo-password.txt`` (owner-only; never
logged). On later starts it does nothing: the data is already there.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from content.model import Announcement, Level, Poll, Priority, Target, Variant
from schedules.spec import ScheduleSpec

from .app import App
from .engine import Engine
from .errors import BroadcasterError
from .files import write_private
from .importer import UnitPlan, unit_regions
from .store.records import AuditRecord, GroupFilter, GroupStatus, Region, Role
from .web.accounts import set_password

log = logging.getLogger(__name__)

# A few public Kemendagri codes so that the demo shows real places (not the full data set).
SEED: tuple[Region, ...] = (
    Region(code="36", level=Level.province, name="BANTEN", parent=None),
    Region(code="3671", level=Level.regency, name="KOTA TANGERANG", parent="36"),
    Region(code="3673", level=Level.regency, name="KOTA SERANG", parent="36"),
    Region(code="3671010", level=Level.district, name="CILEDUG", parent="3671"),
    Region(code="3673010", level=Level.district, name="CURUG", parent="3673"),
    Region(code="3671010001", level=Level.village, name="TAJUR", parent="3671010"),
    Region(code="3671010002", level=Level.village, name="PARUNG SERAB", parent="3671010"),
    Region(code="3673010001", level=Level.village, name="KAMANISAN", parent="3673010"),
)

BODY = """Yth. Bapak/Ibu Ketua RT/RW dan seluruh warga,

BMKG memprakirakan **hujan lebat** disertai angin kencang dalam 24 jam ke depan.

1. Bersihkan saluran air di sekitar rumah.
2. Simpan dokumen penting di tempat yang tinggi.
3. Ikuti arahan petugas bila diminta mengungsi.

Dalam keadaan darurat, hubungi **112**."""


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file only its owner can read (replacing an old one)."""
    write_private(path, text.encode("utf-8"), replace=True)


async def seed_and_announce(app: App, engine: Engine) -> None:
    if await app.store.list_users():
        log.info("demo: data already present; not seeding again")
        return
    d = app.directory
    await d.add_user(None, "admin", Role.admin, None)
    await app.store.import_regions(
        [
            *SEED,
            *(
                r
                for _, _, r in unit_regions(
                    [r.code for r in SEED if r.level is Level.village], UnitPlan(2, 3)
                )
            ),
        ],
        AuditRecord(
            actor="admin",
            action="regions.import",
            object_type="regions",
            object_id="demo",
            detail={"demo": True},
        ),
    )
    await d.add_user("admin", "petugas", Role.officer, "36")
    await d.add_user("admin", "verifikator", Role.verifier, "36")
    password = secrets.token_urlsafe(12)
    for user in ("admin", "petugas", "verifikator"):
        await set_password(app.store, "admin", user, password)
    secret_file = app.settings.service.data_dir / "demo-password.txt"
    await asyncio.to_thread(_write_private, secret_file, f"{password}\n")
    http = app.settings.http
    if http.enabled:
        log.info(
            "demo: dashboard at http://%s:%s/ — users admin, petugas (officer), verifikator "
            "(verifier); their password is in %s",
            http.host,
            http.port,
            secret_file,
        )
    for name, adapter in app.adapters.items():
        async for region in app.store.iter_regions("36", Level.rt):
            try:
                address = await adapter.sandbox_group(f"{region.name} {region.code}")
            except BroadcasterError as exc:
                log.info("demo: no groups on %s (%s)", name, exc)
                break
            await d.add_group(
                "petugas",
                name,
                address,
                region.code,
                "rt",
                f"Warga {region.code}",
                status=GroupStatus.active,
            )
    groups = await app.store.count_groups(GroupFilter(statuses=(GroupStatus.active,)))
    content = Announcement(
        variants={
            "id": Variant(title="Peringatan Dini Cuaca: Hujan Lebat di Banten", body=BODY),
            "en": Variant(
                title="Weather Warning: Heavy Rain in Banten",
                body="BMKG forecasts **heavy rain** with strong winds in the next 24 hours. "
                "Clear drains, keep documents high, follow officers' instructions. "
                "Emergency: **112**.",
            ),
        },
        poll=Poll(
            question="Apakah wilayah Anda tergenang air?",
            options=["Ya, air masuk rumah", "Ya, jalan tergenang", "Tidak tergenang"],
        ),
        priority=Priority.emergency,
        source="BMKG, BPBD Provinsi Banten",
        expires_at=datetime.now(UTC) + timedelta(days=1),
        target=Target(regions=["36"], kinds=["rt"]),
    )
    wf = app.workflow
    record = await wf.create("petugas", content)
    await wf.submit("petugas", record.id)
    await wf.approve("verifikator", record.id)
    await wf.schedule("petugas", record.id, ScheduleSpec.now(app.settings.service.timezone))
    await engine.work.schedules_changed()
    log.info(
        "demo: announcement %s (%s) approved and dispatching to %s groups; "
        "watch with: broadcaster dispatches status 1 --watch",
        record.id,
        record.short_code,
        groups["total"],
    )
    await self_subscribing_group(app)


async def self_subscribing_group(app: App) -> None:
    """A WhatsApp community group subscribes itself: the gateway number is added to it (the
    service greets it with the commands) and its admin writes "DAFTAR Kamanisan rt"; the group
    then waits for an officer or verifier to approve it."""
    for name, adapter in app.adapters.items():
        try:
            address = await adapter.sandbox_self_subscribe(
                "Warga RT 01 RW 01 Kamanisan (daftar sendiri)", "DAFTAR Kamanisan rt"
            )
        except BroadcasterError:
            continue
        for _ in range(100):  # the gateway posts the webhooks in a moment
            group = await app.store.find_group(adapter.channel, name, address)
            if group is not None:
                log.info(
                    "demo: WhatsApp group %s on %s subscribed itself (DAFTAR Kamanisan rt) and "
                    "is %s; approve it with: broadcaster groups approve %s --as verifikator",
                    address,
                    name,
                    group.status.value,
                    group.id,
                )
                break
            await asyncio.sleep(0.1)
        else:
            log.warning("demo: the self-subscribing group on %s did not arrive", name)
