"""The command line end to end: every group of commands, --json output, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from broadcaster.cli.main import app

CONFIG = """
[service]
data_dir = "var"
[http]
enabled = false
[schedule]
quiet_hours = "off"
[accounts.outbox]
adapter = "file"
path = "outbox.jsonl"
"""

ANNOUNCEMENT = """---
title: Pemadaman listrik terjadwal
priority: urgent
source: PLN UP3 Serang
expires_at: 2099-01-01T00:00:00+07:00
target:
  regions: ["3673"]
  kinds: [rt]
poll:
  question: Apakah informasi ini jelas?
  options: [Ya, Tidak]
---
Akan ada **pemadaman listrik** pada hari Minggu pukul 09.00–12.00 WIB.
"""


@pytest.fixture
def cli(tmp_path: Path) -> Any:
    (tmp_path / "config.toml").write_text(CONFIG)
    regions = tmp_path / "wilayah"
    regions.mkdir()
    (regions / "provinces.csv").write_text("36,BANTEN\n")
    (regions / "regencies.csv").write_text("3673,36,KOTA SERANG\n3602,36,KABUPATEN LEBAK\n")
    (regions / "districts.csv").write_text("3673010,3673,CURUG\n")
    (regions / "villages.csv").write_text("3673010001,3673010,KAMANISAN\n")
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> Any:
        result = runner.invoke(app, [*args, "--config", str(tmp_path / "config.toml")])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    invoke.tmp = tmp_path  # type: ignore[attr-defined]
    return invoke


def _json(result: Any) -> Any:
    return json.loads(result.stdout)


def test_whole_flow_through_the_cli(cli: Any) -> None:
    tmp: Path = cli.tmp
    assert _json(cli("users", "add", "admin", "--role", "admin", "--json"))["role"] == "admin"
    stats = _json(
        cli(
            "regions",
            "import",
            str(tmp / "wilayah"),
            "--rw",
            "1",
            "--rt",
            "2",
            "--as",
            "admin",
            "--json",
        )
    )
    assert stats == {"added": 8, "updated": 0, "unchanged": 0}
    regions = _json(cli("regions", "list", "--under", "3673", "--json"))
    assert [r["code"] for r in regions][-1] == "3673010001.RW001.RT002"
    cli("users", "add", "siti", "--role", "officer", "--scope", "3673", "--as", "admin")
    cli("users", "add", "budi", "--role", "verifier", "--scope", "36", "--as", "admin")
    added = _json(
        cli(
            "groups",
            "add",
            "--account",
            "outbox",
            "--address",
            "rt1-kamanisan",
            "--region",
            "3673010001.RW001.RT001",
            "--kind",
            "rt",
            "--as",
            "siti",
            "--json",
        )
    )
    assert added["status"] == "pending"
    assert (
        _json(cli("groups", "approve", str(added["id"]), "--as", "budi", "--json"))["status"]
        == "active"
    )
    cli("groups", "pause", str(added["id"]), "--as", "siti")
    cli("groups", "resume", str(added["id"]), "--as", "siti")
    listed = _json(cli("groups", "list", "--region", "3673", "--status", "active", "--json"))
    assert [g["address"] for g in listed["groups"]] == ["rt1-kamanisan"]
    assert listed["left_out"] == 0
    (tmp / "pengumuman.md").write_text(ANNOUNCEMENT)
    created = _json(
        cli("announcements", "create", "-f", str(tmp / "pengumuman.md"), "--as", "siti", "--json")
    )
    number = str(created["id"])
    assert created["status"] == "draft"
    assert (
        _json(cli("announcements", "submit", number, "--as", "siti", "--json"))["status"]
        == "submitted"
    )
    refused = cli("announcements", "approve", number, "--as", "siti", ok=False)
    assert refused.exit_code == 1
    assert "announcements.verify needs one of: admin, verifier" in refused.output
    assert "Traceback" not in refused.output
    assert (
        _json(cli("announcements", "approve", number, "--as", "budi", "--json"))["status"]
        == "approved"
    )
    scheduled = _json(
        cli("announcements", "schedule", number, "--when", "now", "--as", "siti", "--json")
    )
    assert scheduled["announcement"] == created["id"]
    shown = _json(cli("announcements", "show", number, "--json"))
    assert shown["status"] == "scheduled" and shown["approvals"] and shown["schedules"]
    assert _json(cli("audit", "verify", "--json"))["ok"] is True
    trail = _json(cli("audit", "list", "--as", "budi", "--json"))
    actions = {e["action"] for e in trail}
    assert {"announcement.approve", "group.approve", "schedule.create"} <= actions


def test_errors_are_one_line_without_traceback(cli: Any) -> None:
    cli("users", "add", "admin", "--role", "admin")
    result = cli("groups", "approve", "1", "--as", "ghost", ok=False)
    assert len(result.output.strip().splitlines()) == 1
    assert result.exit_code == 1
    assert "user 'ghost' does not exist" in result.output
    assert "Traceback" not in result.output
    result = cli("regions", "import", str(cli.tmp / "missing"), "--as", "admin", ok=False)
    assert result.exit_code == 1 and "is not a directory" in result.output
    second_admin = cli("users", "add", "eve", "--role", "admin", ok=False)
    assert "--as" in second_admin.output


def test_bad_config_names_the_key(cli: Any) -> None:
    (cli.tmp / "config.toml").write_text(CONFIG + "\n[engine]\nclaim_batch = 0\n")
    result = cli("users", "list", ok=False)
    assert result.exit_code == 1
    assert "engine.claim_batch" in result.output


def test_unknown_adapter_lists_known_ones(cli: Any) -> None:
    (cli.tmp / "config.toml").write_text(CONFIG + '\n[accounts.x]\nadapter = "pigeon"\n')
    result = cli("users", "list", ok=False)
    assert "unknown adapter 'pigeon'" in result.output
    assert "file" in result.output and "scripted" in result.output
