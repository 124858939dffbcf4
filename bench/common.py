"""Shared benchmark setup: a synthetic region tree and active groups, bulk-loaded.

Setup is not what is measured, so it writes straight into the SQLite file (one transaction, no
per-row audit) instead of going through the CLI.
"""

from __future__ import annotations

import resource
import sqlite3
import sys
import time
from pathlib import Path

from broadcaster.app import App
from broadcaster.config import Settings
from broadcaster.store.records import AnnouncementRecord, AuditRecord, Role
from content.model import Announcement, Target, Variant


def settings_for(folder: Path, **engine: object) -> Settings:
    return Settings(
        service={"data_dir": str(folder), "verify_line": True},
        store={"url": f"sqlite:///{folder / 'bench.db'}"},
        http={"enabled": False},
        engine={"idle_poll": 0.2, **engine},
        schedule={"quiet_hours": "off"},
        accounts={"bench": {"adapter": "scripted", "record": False}},
    )


def region_rows(groups: int) -> list[tuple[str, str, str, str | None]]:
    """36 › 10 regencies › 10 districts each › villages › 10 RW › 10 RT: ``groups`` RTs."""
    rows: list[tuple[str, str, str, str | None]] = [("36", "province", "BANTEN", None)]
    villages_needed = -(-groups // 100)
    made = 0
    for reg in range(1, 11):
        regency = f"36{reg:02d}"
        rows.append((regency, "regency", f"REGENCY {reg}", "36"))
        for dis in range(1, 11):
            district = f"{regency}{dis:03d}"
            rows.append((district, "district", f"DISTRICT {dis}", regency))
            for vil in range(1, 1000):
                if made >= villages_needed:
                    break
                village = f"{district}{vil:03d}"
                rows.append((village, "village", f"VILLAGE {vil}", district))
                made += 1
                for rw_no in range(1, 11):
                    rw = f"{village}.RW{rw_no:03d}"
                    rows.append((rw, "rw", f"RW {rw_no:03d}", village))
                    for rt_no in range(1, 11):
                        rows.append((f"{rw}.RT{rt_no:03d}", "rt", f"RT {rt_no:03d}", rw))
    return rows


async def prepare(folder: Path, groups: int) -> int:
    """Create the store, users, ``groups`` active RT groups and one approved announcement."""
    settings = settings_for(folder)
    async with App(settings) as app:
        await app.store.add_user(
            "admin",
            Role.admin,
            None,
            AuditRecord(actor="bench", action="user.add", object_type="user", object_id="admin"),
        )
        await app.store.add_user(
            "verifier",
            Role.verifier,
            None,
            AuditRecord(actor="bench", action="user.add", object_type="user", object_id="v"),
        )
    now = time.time()
    with sqlite3.connect(folder / "bench.db") as db:
        rows = region_rows(groups)
        db.executemany("INSERT INTO regions VALUES (?,?,?,?)", rows)
        rts = [code for code, level, _, _ in rows if level == "rt"][:groups]
        db.executemany(
            "INSERT INTO groups(channel, account, address, region, region_level, kind, title, "
            "language, status, subscribed_by, approved_by, created_at, updated_at) "
            "VALUES ('scripted', 'bench', ?, ?, 'rt', 'rt', '', 'id', 'active', 'bench', 'bench', "
            "?, ?)",
            ((f"chat-{code}", code, now, now) for code in rts),
        )
    async with App(settings) as app:
        content = Announcement(
            variants={"id": Variant(title="Uji kecepatan", body="Pesan **uji** sebaran.")},
            source="Kominfo Banten",
            target=Target(regions=["36"]),
        )
        record = await app.workflow.create("admin", content)
        await app.workflow.submit("admin", record.id)
        await app.workflow.approve("verifier", record.id)
        return record.id


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    Read from VmHWM in /proc/self/status: getrusage's ru_maxrss survives exec on Linux, so in a
    child started by a big parent it reports the parent's peak instead of the child's.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


async def seed_groups(settings: Settings, addresses: list[str], channel: str, account: str) -> None:
    """Users admin and v (verifier), a region tree, and one active RT group per address."""
    folder = settings.service.data_dir
    async with App(settings) as app:
        await app.store.add_user(
            "admin",
            Role.admin,
            None,
            AuditRecord(actor="b", action="u", object_type="user", object_id="a"),
        )
        await app.store.add_user(
            "v",
            Role.verifier,
            None,
            AuditRecord(actor="b", action="u", object_type="user", object_id="v"),
        )
    rows = region_rows(len(addresses))
    rts = [code for code, level, _, _ in rows if level == "rt"][: len(addresses)]
    now = time.time()
    with sqlite3.connect(folder / "bench.db") as db:
        db.executemany("INSERT INTO regions VALUES (?,?,?,?)", rows)
        db.executemany(
            "INSERT INTO groups(channel, account, address, region, region_level, kind, title, "
            "language, status, subscribed_by, approved_by, created_at, updated_at) VALUES "
            "(?, ?, ?, ?, 'rt', 'rt', '', 'id', 'active', 'b', 'b', ?, ?)",
            [
                (channel, account, address, code, now, now)
                for address, code in zip(addresses, rts, strict=True)
            ],
        )


async def approve(app: App, content: Announcement) -> AnnouncementRecord:
    """Create, submit (as admin) and approve (as v) an announcement."""
    record = await app.workflow.create("admin", content)
    await app.workflow.submit("admin", record.id)
    return await app.workflow.approve("v", record.id)
