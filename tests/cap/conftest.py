"""Fixtures of the CAP tests: realistic CAP files (tests/cap/fixtures), Banten's real region
tree from the shared test data, a store with users, the intake."""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from broadcaster.announcements import Workflow
from broadcaster.cap.intake import Intake, Source, system_author
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditRecord, Region, Role
from content.model import Level
from tests.conftest import open_test_store

FIXTURES = Path(__file__).parent / "fixtures"
WILAYAH = Path(__file__).resolve().parents[3] / "shared" / "data" / "wilayah"
if not WILAYAH.is_dir():  # the worktree lives at /work/wt/<name>
    WILAYAH = Path("/work/shared/data/wilayah")
_EXPIRES = re.compile(rb"<expires>[^<]*</expires>")


def cap_bytes(name: str, expires_in: timedelta | None = timedelta(hours=3)) -> bytes:
    """A fixture's bytes; its <expires> moved to ``expires_in`` from now (so the draft can be
    submitted: content that already expired is refused)."""
    data = (FIXTURES / name).read_bytes()
    if expires_in is None:
        return data
    when = (datetime.now(UTC) + expires_in).astimezone().replace(microsecond=0)
    return _EXPIRES.sub(f"<expires>{when.isoformat()}</expires>".encode(), data)


def banten_regions() -> list[Region]:
    """Banten's province, regencies, districts and villages (real codes)."""
    if not WILAYAH.is_dir():
        pytest.skip("the shared wilayah test data is not here")
    regions = [Region(code="36", level=Level.province, name="BANTEN", parent=None)]
    for file, level in (
        ("regencies.csv", Level.regency),
        ("districts.csv", Level.district),
        ("villages.csv", Level.village),
    ):
        with (WILAYAH / file).open(newline="", encoding="utf-8") as f:
            for code, parent, name in csv.reader(f):
                if code.startswith("36"):
                    regions.append(Region(code=code, level=level, name=name, parent=parent))
    return regions


async def seed_banten(store: Store) -> None:
    audit = AuditRecord(actor="test", action="seed", object_type="regions", object_id="banten")
    await store.import_regions(banten_regions(), audit)
    for name, role, scope in (
        ("admin", Role.admin, None),
        ("officer", Role.officer, "36"),
        ("verifier", Role.verifier, "36"),
        ("verifier2", Role.verifier, "36"),
    ):
        await store.add_user(
            name,
            role,
            scope,
            AuditRecord(actor="test", action="user.add", object_type="user", object_id=name),
        )


@pytest.fixture
async def cap_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_test_store("sqlite", tmp_path)
    await seed_banten(store)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def workflow(cap_store: Store) -> Workflow:
    return Workflow(cap_store, approvals_required=1)


@pytest.fixture
def intake(cap_store: Store, workflow: Workflow) -> Intake:
    return Intake(cap_store, workflow)


BMKG = Source(feed="bmkg", actor=system_author("bmkg"), default_target=("36",))
