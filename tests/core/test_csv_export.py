"""Issue 11.5: poll options (and any other text) never reach a CSV as a live formula."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from tests.core.test_cli import cli  # noqa: F401 - the fixture

FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+2", "-3+4", "@SUM(1)", "\tTab", "\rCr"]

ANNOUNCEMENT = """---
title: Jajak pendapat
source: Diskominfo Banten
target:
  regions: ["3673"]
poll:
  question: Pilih satu
  options: {options}
---
Isi pengumuman.
"""


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_inert(header: list[str]) -> None:
    for cell in header:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), header
    # the text itself is kept, behind an apostrophe
    for option in FORMULAS:
        assert "'" + option in header


def test_results_csv_from_the_cli_holds_no_formula(cli: Any) -> None:  # noqa: F811
    tmp: Path = cli.tmp
    cli("users", "add", "admin", "--role", "admin")
    cli("regions", "import", str(tmp / "wilayah"), "--as", "admin")
    cli("users", "add", "siti", "--role", "officer", "--scope", "3673", "--as", "admin")
    options = json.dumps(FORMULAS)  # JSON is YAML
    (tmp / "a.md").write_text(ANNOUNCEMENT.format(options=options))
    cli("announcements", "create", "-f", str(tmp / "a.md"), "--as", "siti")
    out = tmp / "hasil.csv"
    cli("results", "1", "--csv", str(out))
    header = read_csv(out.read_bytes().decode("utf-8"))[0]
    assert_inert(header)
