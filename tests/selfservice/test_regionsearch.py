"""Regions by name: the national list (~88,000 names), forgiving case, abbreviations, extra
words and a typo; one match, several, none; CLI and API."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from broadcaster.cli.main import app
from broadcaster.importer import import_regions
from broadcaster.regions import level_of, parent_code
from broadcaster.regionsearch import RegionFinder, RegionIndex, pick
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditRecord, Region
from content.model import Level
from tests.web.conftest import Web
from tests.web.conftest import web as web  # the fixture

FILES = ("provinces", "regencies", "districts", "villages")


@pytest.fixture(scope="module")
def national() -> RegionIndex:
    from tests.conftest import WILAYAH

    if not (WILAYAH / "villages.csv").exists():
        pytest.skip(f"shared region data not found at {WILAYAH}")
    regions = []
    for name in FILES:
        with (WILAYAH / f"{name}.csv").open(newline="") as handle:
            for row in csv.reader(handle):
                level = level_of(row[0])
                assert level is not None
                regions.append(
                    Region(code=row[0], level=level, name=row[-1], parent=parent_code(row[0]))
                )
    return RegionIndex(regions)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("kec. cipocok jaya", "3673030"),  # abbreviation says the level
        ("KECAMATAN Cipocok Jaya", "3673030"),  # any case, the word in full
        ("kel cipocok jaya kota serang", "3673030005"),  # extra words: its parents
        ("Kamanisan", "3673010001"),
        ("kamanisn", "3673010001"),  # a typo (a letter missing)
        ("kota serang", "3673"),
        ("kab. serang", "3604"),
        ("kabupaten lebak", "3602"),
        ("tajur kota tangerang", "3671010001"),  # name, then where it is
        ("ds. tajur, ciledug", "3671010001"),
        ("kec cipocok jaya banten", "3673030"),
    ],
)
def test_one_region_stands_out(national: RegionIndex, query: str, code: str) -> None:
    chosen = pick(national.search(query))
    assert [m.region.code for m in chosen] == [code], [m.label for m in chosen]


def test_a_name_shared_by_several_regions_gives_them_all(national: RegionIndex) -> None:
    # Cipocok Jaya is a district and a village in it: both, the district first
    chosen = pick(national.search("cipocok jaya"))
    assert [m.region.code for m in chosen] == ["3673030", "3673030005"]
    assert chosen[0].label == "Kec. Cipocok Jaya, Kota Serang, Prov. Banten"
    # "serang" is two regencies, a district and villages in other provinces
    codes = {m.region.code for m in pick(national.search("serang", limit=50))}
    assert {"3604", "3673", "3673040"} <= codes


def test_nothing_like_it_matches_nothing(national: RegionIndex) -> None:
    assert national.search("zzqx qqq") == []
    assert national.search("kec.") == []  # only a level word


def test_a_partial_name_is_not_a_match_for_a_longer_query(national: RegionIndex) -> None:
    # "Jaya" (a district in Aceh) must not tie with "Cipocok Jaya"
    chosen = pick(national.search("cipocok jaya"))
    assert all("cipocok" in m.region.name.lower() for m in chosen)


async def test_finder_reads_the_store_once_and_sees_new_regions(
    store: Store, wilayah_dir: Path
) -> None:
    await import_regions(store, wilayah_dir, "admin", province="36")
    finder = RegionFinder(store, recheck=0)
    [one] = await finder.resolve("kec. cipocok jaya")
    assert one.region.code == "3673030"
    assert [m.region.code for m in await finder.resolve("3673030005")] == ["3673030005"]
    assert await finder.resolve("kampung antah berantah") == []
    first = await finder.index()
    assert await finder.index() is first  # nothing changed: not rebuilt
    await store.import_regions(
        [
            Region(
                code="3673030005.RW001",
                level=Level.rw,
                name="PONDOK ZUMBARANTA",
                parent="3673030005",
            )
        ],
        AuditRecord(actor="test", action="regions.import", object_type="regions", object_id="rw"),
    )
    found = await finder.resolve("pondok zumbaranta")
    assert [m.region.code for m in found] == ["3673030005.RW001"]


def test_cli_search_prints_json(tmp_path: Path, wilayah_dir: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[service]\ndata_dir = "var"\n[http]\nenabled = false\n'
        '[accounts.outbox]\nadapter = "file"\npath = "outbox.jsonl"\n'
    )
    runner = CliRunner()

    def cli(*args: str) -> str:
        result = runner.invoke(app, [*args, "--config", str(config)])
        assert result.exit_code == 0, result.output
        return result.stdout

    cli("users", "add", "admin", "--role", "admin")
    cli("regions", "import", str(wilayah_dir), "--province", "36", "--as", "admin")
    rows = json.loads(cli("regions", "search", "Kel. Cipocok Jaya", "--json"))
    assert rows[0]["code"] == "3673030005"
    assert rows[0]["label"].startswith("Kel./Desa Cipocok Jaya, Kec. Cipocok Jaya")
    assert "Cipocok" in cli("regions", "search", "cipocok jaya")


async def test_api_search(web: Web) -> None:
    async with web.client("verifier") as client:
        answer = await client.get("/api/v1/regions/search", params={"q": "tajur ciledug"})
        assert answer.status_code == 200, answer.text
        assert answer.json()[0]["code"] == "3671010001"
        assert (await client.get("/api/v1/regions/search")).status_code == 422
    async with web.client() as anonymous:
        answer = await anonymous.get("/api/v1/regions/search", params={"q": "tajur"})
        assert answer.status_code == 401
