"""`regions import`: the wilayah CSV files and RW/RT units into the store, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadcaster.errors import InputError, RegionImportError
from broadcaster.importer import UnitPlan, import_regions, read_regions
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditRecord, GroupFilter, Region
from content.model import Level
from tests.store.support import add_groups, audit_len, collect, group

PROVINCES = ["36,BANTEN", "31,DKI JAKARTA"]
REGENCIES = ["3602,36,KABUPATEN LEBAK", "3671,36,KOTA TANGERANG", "3171,31,KOTA JAKARTA PUSAT"]
DISTRICTS = ["3602010,3602,MALINGPING", "3671010,3671,CILEDUG", "3171010,3171,TANAH ABANG"]
VILLAGES = [
    "3602010001,3602010,MALINGPING SELATAN",
    "3671010001,3671010,TAJUR",
    "3671010002,3671010,PARUNG SERAB",
    "3171010001,3171010,GELORA",
]
SMALL_TOTAL = len(PROVINCES) + len(REGENCIES) + len(DISTRICTS) + len(VILLAGES)


def write(
    folder: Path,
    provinces: list[str] | None = None,
    regencies: list[str] | None = None,
    districts: list[str] | None = None,
    villages: list[str] | None = None,
) -> Path:
    """A wilayah-shaped folder; None leaves a file out."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("provinces.csv", provinces),
        ("regencies.csv", regencies),
        ("districts.csv", districts),
        ("villages.csv", villages),
    ):
        if rows is not None:
            (folder / name).write_text("".join(f"{row}\n" for row in rows), "utf-8")
    return folder


def small(tmp_path: Path, name: str = "small", replace: dict[str, list[str]] | None = None) -> Path:
    """The small sample folder, with the rows of some files replaced."""
    files = {
        "provinces": PROVINCES,
        "regencies": REGENCIES,
        "districts": DISTRICTS,
        "villages": VILLAGES,
        **(replace or {}),
    }
    return write(
        tmp_path / name,
        files["provinces"],
        files["regencies"],
        files["districts"],
        files["villages"],
    )


async def level_counts(store: Store, under: str | None = None) -> dict[Level, int]:
    return {level: await store.count_regions(under, level) for level in Level}


# -- the real data -------------------------------------------------------------------------------
async def test_import_banten_from_the_shared_files(store: Store, wilayah_dir: Path) -> None:
    stats = await import_regions(store, wilayah_dir, "admin", province="36")
    counts = await level_counts(store)
    assert counts == {
        Level.province: 1,
        Level.regency: 8,
        Level.district: 155,
        Level.village: 1501,
        Level.rw: 0,
        Level.rt: 0,
    }
    total = 1 + 8 + 155 + 1501
    assert (stats.added, stats.updated, stats.unchanged) == (total, 0, 0)
    assert await store.count_regions() == total == await store.count_regions("36")
    kota = await store.get_regions(["3671", "3673010001"])
    assert kota["3671"] == Region(
        code="3671", level=Level.regency, name="KOTA TANGERANG", parent="36"
    )
    assert kota["3673010001"].parent == "3673010"
    [entry] = await store.list_audit(1)
    assert (entry.actor, entry.action) == ("admin", "regions.import")

    again = await import_regions(store, wilayah_dir, "admin", province="36")
    assert (again.added, again.updated, again.unchanged) == (0, 0, total)
    assert await store.count_regions() == total


# -- small folders -------------------------------------------------------------------------------
async def test_import_everything_then_rename(store: Store, tmp_path: Path) -> None:
    folder = small(tmp_path)
    stats = await import_regions(store, folder, "admin")
    assert (stats.added, stats.updated, stats.unchanged) == (SMALL_TOTAL, 0, 0)
    renamed = [*VILLAGES[:1], "3671010001,3671010,TAJUR BARU", *VILLAGES[2:]]
    write(folder, villages=renamed)
    stats = await import_regions(store, folder, "admin")
    assert (stats.added, stats.updated, stats.unchanged) == (0, 1, SMALL_TOTAL - 1)
    tajur = (await store.get_regions(["3671010001"]))["3671010001"]
    assert tajur == Region(
        code="3671010001", level=Level.village, name="TAJUR BARU", parent="3671010"
    )


async def test_the_province_filter_keeps_one_subtree(store: Store, tmp_path: Path) -> None:
    await import_regions(store, small(tmp_path), "admin", province="31")
    assert [r.code async for r in store.iter_regions()] == ["31", "3171", "3171010", "3171010001"]
    with pytest.raises(InputError, match="--province"):
        await import_regions(store, small(tmp_path), "admin", province="3")


async def test_a_later_province_import_attaches_to_nothing_else(
    store: Store, tmp_path: Path
) -> None:
    await import_regions(store, small(tmp_path), "admin", province="36")
    stats = await import_regions(store, small(tmp_path), "admin", province="31")
    assert (stats.added, stats.unchanged) == (4, 0)
    assert await store.count_regions() == SMALL_TOTAL


async def test_files_with_bom_blank_lines_quotes_and_spaces(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "messy"
    folder.mkdir()
    (folder / "provinces.csv").write_text("\ufeff36,BANTEN\r\n\r\n", "utf-8")
    (folder / "regencies.csv").write_text(' 3671 , 36 , "KOTA TANGERANG, BARU" \n', "utf-8")
    stats = await import_regions(store, folder, "admin")
    assert stats.added == 2
    assert (await store.get_regions(["3671"]))["3671"].name == "KOTA TANGERANG, BARU"


async def test_a_missing_file_is_fine_when_parents_are_stored(store: Store, tmp_path: Path) -> None:
    await import_regions(store, write(tmp_path / "top", PROVINCES, REGENCIES), "admin")
    lower = write(tmp_path / "lower", districts=DISTRICTS, villages=VILLAGES)
    stats = await import_regions(store, lower, "admin")
    assert stats.added == len(DISTRICTS) + len(VILLAGES)


async def test_folder_problems(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        await import_regions(store, tmp_path / "nope", "admin")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"provinces\.csv"):
        await import_regions(store, tmp_path / "empty", "admin")
    with pytest.raises(InputError, match="nothing to import"):
        await import_regions(store, write(tmp_path / "blank", provinces=[]), "admin")


# -- RW / RT units -------------------------------------------------------------------------------
async def test_bulk_rw_rt_for_every_imported_village(store: Store, tmp_path: Path) -> None:
    stats = await import_regions(store, small(tmp_path), "admin", units=UnitPlan(rw=2, rt=3))
    villages = len(VILLAGES)
    assert stats.added == SMALL_TOTAL + villages * (2 + 2 * 3)
    counts = await level_counts(store)
    assert (counts[Level.rw], counts[Level.rt]) == (villages * 2, villages * 6)
    tajur = [r.code for r in await collect(store.iter_regions("3671010001"))]
    assert tajur == [
        "3671010001",
        "3671010001.RW001",
        "3671010001.RW001.RT001",
        "3671010001.RW001.RT002",
        "3671010001.RW001.RT003",
        "3671010001.RW002",
        "3671010001.RW002.RT001",
        "3671010001.RW002.RT002",
        "3671010001.RW002.RT003",
    ]
    rt = (await store.get_regions(["3671010001.RW002.RT003"]))["3671010001.RW002.RT003"]
    assert rt == Region(
        code="3671010001.RW002.RT003", level=Level.rt, name="RT 003", parent="3671010001.RW002"
    )
    again = await import_regions(store, small(tmp_path), "admin", units=UnitPlan(rw=2, rt=3))
    assert (again.added, again.updated) == (0, 0)


async def test_bulk_units_need_villages_and_sane_counts(store: Store, tmp_path: Path) -> None:
    top = write(tmp_path / "top", PROVINCES, REGENCIES)
    with pytest.raises(InputError, match="need villages"):
        await import_regions(store, top, "admin", units=UnitPlan(rw=2, rt=3))
    with pytest.raises(InputError, match="--rt needs --rw"):
        await import_regions(store, small(tmp_path), "admin", units=UnitPlan(rt=3))
    with pytest.raises(InputError, match="between 0 and 999"):
        await import_regions(store, small(tmp_path), "admin", units=UnitPlan(rw=1000, rt=1))
    assert await store.count_regions() == 0


async def test_units_from_a_csv(store: Store, tmp_path: Path) -> None:
    await import_regions(store, small(tmp_path), "admin")
    units = tmp_path / "units.csv"
    units.write_text("3671010001,1,3\n3671010001,2,0\n3171010001,12,1\n", "utf-8")
    stats = await import_regions(store, None, "admin", units=UnitPlan(file=units))
    assert stats.added == (1 + 3) + 1 + (1 + 1)
    assert [r.code for r in await collect(store.iter_regions("3671010001", Level.rt))] == [
        "3671010001.RW001.RT001",
        "3671010001.RW001.RT002",
        "3671010001.RW001.RT003",
    ]
    assert await store.count_regions("3671010001.RW002") == 1
    assert "3171010001.RW012.RT001" in await store.get_regions(["3171010001.RW012.RT001"])
    [entry] = await store.list_audit(1)
    assert entry.object_id == str(units)


@pytest.mark.parametrize(
    ("rows", "line", "problem"),
    [
        ("3671010001,1,3\n3671010009,1,1\n", 2, "unknown parent 3671010009"),
        ("3671010001,1,3\n367101000,1,1\n", 2, "malformed village code"),
        ("3671010001,1\n", 1, "expected 3 columns"),
        ("3671010001,0,3\n", 1, "bad RW/RT numbers"),
        ("3671010001,1,x\n", 1, "bad RW/RT numbers"),
        ("\n3671010001,1,1000\n", 2, "bad RW/RT numbers"),
    ],
)
async def test_bad_unit_rows_import_nothing(
    store: Store, tmp_path: Path, rows: str, line: int, problem: str
) -> None:
    await import_regions(store, small(tmp_path), "admin")
    before = (await store.count_regions(), await audit_len(store))
    units = tmp_path / "units.csv"
    units.write_text(rows, "utf-8")
    with pytest.raises(RegionImportError) as caught:
        await import_regions(store, None, "admin", units=UnitPlan(file=units))
    assert (caught.value.file, caught.value.line) == ("units.csv", line)
    assert problem in caught.value.problem
    assert (await store.count_regions(), await audit_len(store)) == before


# -- bad input imports nothing -------------------------------------------------------------------
BAD = [
    # (file, rows of that file, line, words of the problem)
    ("regencies", [*REGENCIES, "3501,35,KABUPATEN X"], 4, "unknown parent 35"),
    ("villages", [*VILLAGES, "3671020001,3671020,DESA X"], 5, "unknown parent 3671020"),
    ("regencies", ["36A1,36,KOTA X", *REGENCIES], 1, "malformed regency code"),
    ("districts", [*DISTRICTS, "36710100,3671,X"], 4, "malformed district code"),
    ("villages", ["3671010001.RW001,3671010001,RW 1"], 1, "malformed village code"),
    ("provinces", ["361,BANTEN"], 1, "malformed province code"),
    ("regencies", [*REGENCIES, "3701,36,KOTA X"], 4, "does not extend its parent's code 36"),
    ("villages", ["3671011001,3671010,X", *VILLAGES], 1, "does not extend"),
    # the same id again under another parent (here: with a parent its code does not extend)
    ("regencies", [*REGENCIES, "3671,31,KOTA TANGERANG"], 4, "3671"),
    ("provinces", ["36,BANTEN,LAMA", "31,DKI JAKARTA"], 1, "expected 2 columns (id,name), found 3"),
    ("districts", [*DISTRICTS[:1], "3671010,CILEDUG"], 2, "expected 3 columns"),
    ("villages", [*VILLAGES[:2], "3671010002,3671010,"], 3, "empty name"),
    ("provinces", ["36,BANTEN", "", "", "31,  "], 4, "empty name"),
]


@pytest.mark.parametrize(("file", "rows", "line", "problem"), BAD, ids=[b[3] for b in BAD])
async def test_bad_input_imports_nothing_and_says_where(
    store: Store, tmp_path: Path, file: str, rows: list[str], line: int, problem: str
) -> None:
    folder = small(tmp_path, replace={file: rows})
    with pytest.raises(RegionImportError) as caught:
        await import_regions(store, folder, "admin")
    error = caught.value
    assert (error.file, error.line) == (f"{file}.csv", line)
    assert problem in error.problem
    assert str(error).startswith(f"{file}.csv:{line}: ")
    assert await store.count_regions() == 0
    assert await audit_len(store) == 0


async def test_an_error_in_the_last_file_keeps_out_the_good_earlier_rows(
    store: Store, tmp_path: Path
) -> None:
    await import_regions(store, write(tmp_path / "top", PROVINCES[:1]), "admin")
    folder = small(tmp_path, replace={"villages": [*VILLAGES, "3171010002,3171019,X"]})
    with pytest.raises(RegionImportError, match=r"villages\.csv:5"):
        await import_regions(store, folder, "admin")
    assert [r.code async for r in store.iter_regions()] == ["36"]


async def test_an_id_stored_under_another_parent_is_refused(store: Store, tmp_path: Path) -> None:
    # a store written by something other than the importer may disagree with the files
    await store.import_regions(
        [
            Region(code="36", level=Level.province, name="BANTEN", parent=None),
            Region(code="31", level=Level.province, name="DKI JAKARTA", parent=None),
            Region(code="3671", level=Level.regency, name="KOTA TANGERANG", parent="31"),
        ],
        AuditRecord(
            actor="test", action="regions.import", object_type="regions", object_id="legacy"
        ),
    )
    with pytest.raises(RegionImportError) as caught:
        await import_regions(store, small(tmp_path), "admin")
    assert (caught.value.file, caught.value.line) == ("regencies.csv", 2)
    assert "already exists with parent 31" in caught.value.problem
    assert await store.count_regions() == 3


async def test_a_smaller_file_deletes_nothing(store: Store, tmp_path: Path) -> None:
    await import_regions(store, small(tmp_path), "admin", units=UnitPlan(rw=1, rt=1))
    before = await store.count_regions()
    [g] = await add_groups(store, [group("3671010002.RW001.RT001", "-7")])
    fewer = {"regencies": REGENCIES[:1], "districts": DISTRICTS[:1], "villages": VILLAGES[:1]}
    smaller = small(tmp_path, "smaller", fewer)
    stats = await import_regions(store, smaller, "admin")
    assert (stats.added, stats.updated) == (0, 0)
    assert await store.count_regions() == before
    assert (await store.count_groups(GroupFilter(region="3671")))["total"] == 1
    assert (await store.get_group(g.id)).region == "3671010002.RW001.RT001"


def test_read_regions_orders_parents_first(tmp_path: Path) -> None:
    rows = read_regions(small(tmp_path))
    levels = [region.level for _, _, region in rows]
    assert levels == sorted(levels, key=list(Level).index)
    assert rows[0] == (
        "provinces.csv",
        1,
        Region(code="36", level=Level.province, name="BANTEN", parent=None),
    )
