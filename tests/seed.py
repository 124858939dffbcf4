"""Small, real region trees and users for tests (codes from the Kemendagri list)."""

from __future__ import annotations

from broadcaster.importer import UnitPlan, unit_regions
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditRecord, Region, Role
from content.model import Level

BANTEN: tuple[Region, ...] = (
    Region(code="36", level=Level.province, name="BANTEN", parent=None),
    Region(code="3602", level=Level.regency, name="KABUPATEN LEBAK", parent="36"),
    Region(code="3671", level=Level.regency, name="KOTA TANGERANG", parent="36"),
    Region(code="3673", level=Level.regency, name="KOTA SERANG", parent="36"),
    Region(code="3602010", level=Level.district, name="MALINGPING", parent="3602"),
    Region(code="3671010", level=Level.district, name="CILEDUG", parent="3671"),
    Region(code="3673010", level=Level.district, name="CURUG", parent="3673"),
    Region(code="3602010001", level=Level.village, name="MALINGPING SELATAN", parent="3602010"),
    Region(code="3671010001", level=Level.village, name="TAJUR", parent="3671010"),
    Region(code="3671010002", level=Level.village, name="PARUNG SERAB", parent="3671010"),
    Region(code="3673010001", level=Level.village, name="KAMANISAN", parent="3673010"),
)
JAKARTA = Region(code="31", level=Level.province, name="DKI JAKARTA", parent=None)
VILLAGES = [r.code for r in BANTEN if r.level is Level.village]


async def seed_regions(store: Store, rw: int = 2, rt: int = 3) -> list[Region]:
    """Banten sample + RW/RT units; returns every region written."""
    units = [r for _, _, r in unit_regions(VILLAGES, UnitPlan(rw, rt))]
    regions = [*BANTEN, JAKARTA, *units]
    await store.import_regions(
        regions,
        AuditRecord(actor="test", action="regions.import", object_type="regions", object_id="seed"),
    )
    return regions


async def seed_users(store: Store) -> None:
    """admin (all), officer + verifier + verifier2 (Banten), serang_officer/verifier (3673)."""
    for name, role, scope in (
        ("admin", Role.admin, None),
        ("officer", Role.officer, "36"),
        ("verifier", Role.verifier, "36"),
        ("verifier2", Role.verifier, "36"),
        ("serang_officer", Role.officer, "3673"),
        ("serang_verifier", Role.verifier, "3673"),
        ("rt_admin", Role.group_admin, "3671010001"),
    ):
        await store.add_user(
            name,
            role,
            scope,
            AuditRecord(actor="test", action="user.add", object_type="user", object_id=name),
        )
