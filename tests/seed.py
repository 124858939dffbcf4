"""Small, real region trees and users for tests (codes from the Kemendagri list)."""

from __future__ import annotations

from broadcaster.importer import UnitPlan, unit_regions
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditRecord, Region, Role
from content.model import Level

BANTEN: tuple[Region, ...] = (
    Region("36", Level.province, "BANTEN", None),
    Region("3602", Level.regency, "KABUPATEN LEBAK", "36"),
    Region("3671", Level.regency, "KOTA TANGERANG", "36"),
    Region("3673", Level.regency, "KOTA SERANG", "36"),
    Region("3602010", Level.district, "MALINGPING", "3602"),
    Region("3671010", Level.district, "CILEDUG", "3671"),
    Region("3673010", Level.district, "CURUG", "3673"),
    Region("3602010001", Level.village, "MALINGPING SELATAN", "3602010"),
    Region("3671010001", Level.village, "TAJUR", "3671010"),
    Region("3671010002", Level.village, "PARUNG SERAB", "3671010"),
    Region("3673010001", Level.village, "KAMANISAN", "3673010"),
)
JAKARTA = Region("31", Level.province, "DKI JAKARTA", None)
VILLAGES = [r.code for r in BANTEN if r.level is Level.village]


async def seed_regions(store: Store, rw: int = 2, rt: int = 3) -> list[Region]:
    """Banten sample + RW/RT units; returns every region written."""
    units = [r for _, _, r in unit_regions(VILLAGES, UnitPlan(rw, rt))]
    regions = [*BANTEN, JAKARTA, *units]
    await store.import_regions(regions, AuditRecord("test", "regions.import", "regions", "seed"))
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
        await store.add_user(name, role, scope, AuditRecord("test", "user.add", "user", name))
