"""``broadcaster groups import``: CSV and XLSX, all or nothing with every problem named as
FILE:LINE, --check writes nothing, importing again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from broadcaster.cli.main import app

CONFIG = """
[service]
data_dir = "var"
[http]
enabled = false
[accounts.gw]
adapter = "waha"
sandbox = true
[accounts.mail]
adapter = "email"
sandbox = true
"""
HEADER = "account,address,region,kind,title,language\n"
GOOD = (
    HEADER
    + "gw,120363011111111111@g.us,3673010001,rt,RT 01 Kamanisan,id\n"
    + 'gw,120363022222222222@g.us,"Tajur, Ciledug",rw,RW 03 Tajur,\n'
    + "mail,Ketua RT <RT05.Cipocok@Example.ID>,kel. cipocok jaya,rt,RT 05,en\n"
)


@pytest.fixture
def cli(tmp_path: Path, wilayah_dir: Path) -> Any:
    (tmp_path / "config.toml").write_text(CONFIG)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> Any:
        result = runner.invoke(app, [*args, "--config", str(tmp_path / "config.toml")])
        assert result.exit_code == code, result.output
        return result

    invoke("users", "add", "admin", "--role", "admin")
    invoke("regions", "import", str(wilayah_dir), "--province", "36", "--as", "admin")
    invoke("users", "add", "serang", "--role", "officer", "--scope", "3673", "--as", "admin")
    invoke.tmp = tmp_path  # type: ignore[attr-defined]
    return invoke


def _groups(cli: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(cli("groups", "list", "--json", "--all").stdout)[
        "groups"
    ]
    return sorted(rows, key=lambda r: r["address"])


def test_csv_import_is_all_or_nothing_and_idempotent(cli: Any) -> None:
    tmp: Path = cli.tmp
    good = tmp / "kominfo.csv"
    good.write_text(GOOD, encoding="utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    checked = json.loads(
        cli("groups", "import", str(good), "--check", "--as", "admin", "--json").stdout
    )
    assert (checked["added"], checked["written"], checked["problems"]) == (3, False, [])
    assert _groups(cli) == []  # --check writes nothing
    done = json.loads(cli("groups", "import", str(good), "--as", "admin", "--json").stdout)
    assert (done["added"], done["unchanged"], done["written"]) == (3, 0, True)
    rows = _groups(cli)
    assert [(r["address"], r["region"], r["kind"], r["status"]) for r in rows] == [
        ("120363011111111111@g.us", "3673010001", "rt", "pending"),
        ("120363022222222222@g.us", "3671010001", "rw", "pending"),
        ("rt05.cipocok@example.id", "3673030005", "rt", "pending"),
    ]
    # the same file again: nothing changes
    again = json.loads(cli("groups", "import", str(good), "--as", "admin", "--json").stdout)
    assert (again["added"], again["unchanged"]) == (0, 3)
    assert _groups(cli) == rows
    audit = json.loads(cli("audit", "list", "--as", "admin", "--json").stdout)
    assert [e["action"] for e in audit].count("groups.import") == 1

    bad = tmp / "bad.csv"
    bad.write_text(
        HEADER
        + "gw,120363033333333333@g.us,3673010001,rt,fine row,id\n"  # 2: fine
        + "nope,120363044444444444@g.us,3673010001,rt,,\n"  # 3: account
        + "gw,6281234@c.us,3673010001,rt,,\n"  # 4: address
        + "gw,120363055555555555@g.us,9999999999,rt,,\n"  # 5: region code
        + "gw,120363066666666666@g.us,kampung antah,rt,,\n"  # 6: region name
        + "gw,120363077777777777@g.us,cipocok jaya,rt,,\n"  # 7: two regions
        + "gw,120363088888888888@g.us,3673010001,arisan,,\n"  # 8: kind
        + "gw,120363033333333333@g.us,3673010001,rt,again,id\n"  # 9: duplicate of 2
        + "gw,120363011111111111@g.us,3673010001,pkk,RT 01 Kamanisan,id\n"  # 10: differs
    )
    failed = cli("groups", "import", str(bad), "--as", "admin", code=1)
    lines = [line for line in failed.output.splitlines() if line.startswith(str(bad))]
    assert [int(line.split(":")[1]) for line in lines] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "unknown account 'nope'" in lines[0]
    assert "waha address '6281234@c.us'" in lines[1]
    assert "unknown region 9999999999" in lines[2]
    assert "no region is named 'kampung antah'" in lines[3]
    assert "names 2 regions" in lines[4] and "3673030005" in lines[4]
    assert "unknown kind 'arisan'" in lines[5]
    assert "duplicate of line 2" in lines[6]
    assert "already exists as a group at 3673010001" in lines[7]
    assert "8 problems; nothing imported" in failed.output
    assert _groups(cli) == rows  # not even the fine row
    # the same problems with --check, exit 1
    checked_bad = cli("groups", "import", str(bad), "--check", "--as", "admin", code=1)
    assert checked_bad.output.count(f"{bad}:") == 8


def test_xlsx_import_and_scope(cli: Any) -> None:
    tmp: Path = cli.tmp
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["account", "address", "region", "kind", "title"])
    sheet.append(["gw", "120363099999999991@g.us", 3673010001, "rt", "RT 01"])  # a number cell
    sheet.append(["gw", "120363099999999992@g.us", "Tajur, Ciledug", "rt", "RT 02"])
    sheet.append([None, None, None, None, None])  # blank rows are skipped
    path = tmp / "sheet.xlsx"
    book.save(path)
    # an officer of Kota Serang may not add groups in Kota Tangerang: line 3 named
    failed = cli("groups", "import", str(path), "--as", "serang", code=1)
    assert f"{path}:3: region 3671010001 is outside 'serang'" in failed.output
    assert _groups(cli) == []
    done = json.loads(
        cli("groups", "import", str(path), "--as", "admin", "--active", "--json").stdout
    )
    assert done["added"] == 2
    assert {(r["region"], r["status"], r["approved_by"]) for r in _groups(cli)} == {
        ("3673010001", "active", "admin"),
        ("3671010001", "active", "admin"),
    }


def test_a_bad_header_is_named(cli: Any) -> None:
    path = cli.tmp / "wrong.csv"
    path.write_text("akun,alamat,wilayah\nx,y,z\n")
    failed = cli("groups", "import", str(path), "--as", "admin", code=1)
    assert f"{path}:1: missing column(s) account, address, region, kind" in failed.output
