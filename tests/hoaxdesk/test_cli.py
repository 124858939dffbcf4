"""``broadcaster hoaxes …`` end to end on a real SQLite store: list and show, the two-person
rule (the proposer cannot confirm; audited), a new proposal voids the pinned one, a rejection
sends the case back, confirmation answers every reporter in their chat, clarify drafts an
announcement to the reports' regions, and the retention purge."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from broadcaster.cli.main import app
from broadcaster.config import HoaxConfig
from broadcaster.hoaxdesk.housekeeping import purge_reports
from broadcaster.hoaxdesk.intake import ReportIn, file_report
from broadcaster.store.contract import Store
from tests.conftest import open_test_store
from tests.seed import seed_regions, seed_users
from tests.store.support import KAMANISAN_RT1, TAJUR_RT1, add_groups, collect, group

HOAX = (
    "Mulai 1 Januari 2027 semua penerima bansos wajib daftar ulang lewat link "
    "https://bansos-banten.xyz/daftar atau bantuan dihentikan."
)
Invoke = Callable[..., Any]


async def _setup(tmp_path: Path) -> None:
    store = await open_test_store("sqlite", tmp_path)
    try:
        await seed_regions(store)
        await seed_users(store)
        await add_groups(
            store,
            [
                group(TAJUR_RT1, "tajur", channel="file", account="outbox"),
                group(KAMANISAN_RT1, "kamanisan", channel="file", account="outbox"),
            ],
        )
        for who, address in (("a", "tajur"), ("b", "tajur"), ("c", "kamanisan"), ("d", "628")):
            await file_report(
                store,
                ReportIn(
                    channel="file", account="outbox", address=address, reporter=who, text=HOAX
                ),
                salt=b"s",
            )
    finally:
        await store.close()


@pytest.fixture
def cli(tmp_path: Path) -> Invoke:
    asyncio.run(_setup(tmp_path))
    (tmp_path / "config.toml").write_text(
        f'[service]\ndata_dir = "var"\npublic_url = "https://cek.example"\n'
        f'[store]\nurl = "sqlite:///{tmp_path / "test.db"}"\n[http]\nenabled = false\n'
    )
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> Any:
        result = runner.invoke(app, [*args, "--config", str(tmp_path / "config.toml")])
        assert result.exit_code == code, result.output
        return result

    return invoke


async def _read(tmp_path: Path, fn: Callable[[Store], Any]) -> Any:
    store = await open_test_store("sqlite", tmp_path)
    try:
        return await fn(store)
    finally:
        await store.close()


def read(tmp_path: Path, fn: Callable[[Store], Any]) -> Any:
    return asyncio.run(_read(tmp_path, fn))


def test_list_and_show(cli: Invoke) -> None:
    [row] = json.loads(cli("hoaxes", "list", "--json").output)
    assert row["reports"] == 4 and row["status"] == "open"
    assert row["regions"] == f"{TAJUR_RT1},{KAMANISAN_RT1}"
    assert row["code"].startswith("HX-")
    shown = json.loads(cli("hoaxes", "show", row["code"], "--json").output)
    assert shown["id"] == row["id"] and len(shown["report_list"]) == 4
    assert json.loads(cli("hoaxes", "list", "--status", "confirmed", "--json").output) == []


def test_two_people_rule_and_every_reporter_hears_it(cli: Invoke, tmp_path: Path) -> None:
    verdict = (
        "hoaxes", "verdict", "1", "--label", "hoaks",
        "--explanation", "Tidak ada daftar ulang bansos lewat tautan; situs itu penipuan.",
        "--source", "https://dinsos.bantenprov.go.id/",
        "--claim", "Penerima bansos wajib daftar ulang lewat tautan",
    )  # fmt: skip
    cli(*verdict, "--as", "verifier")
    same = cli("hoaxes", "confirm", "1", "--as", "verifier", code=1)
    assert "another verifier must confirm" in same.output
    # an officer may not rule at all; a verifier of another regency may (Kamanisan is Serang)
    assert "hoaxes.rule" in cli("hoaxes", "confirm", "1", "--as", "officer", code=1).output
    # a new proposal (an edit) voids the pending one: its author is now verifier2
    cli(*verdict[:-2], "--claim", "Bansos: daftar ulang lewat tautan", "--as", "verifier2")
    again = cli("hoaxes", "confirm", "1", "--as", "verifier2", code=1)
    assert "another verifier must confirm" in again.output
    done = json.loads(cli("hoaxes", "confirm", "1", "--as", "serang_verifier", "--json").output)
    assert done["verdict_status"] == "confirmed" and done["proposed_by"] == "verifier2"

    async def check(store: Store) -> None:
        notices = [n for n in await store.pending_notices("outbox") if "HOAKS" in n.text]
        assert sorted(n.address for n in notices) == ["628", "kamanisan", "tajur"]
        case = await store.get_hoax_case(1)
        assert f"https://cek.example/hoaks/{case.code}" in notices[0].text
        actions = [e.action for e in await collect(store.iter_audit())]
        assert actions.count("hoax.verdict_propose") == 2
        assert actions.count("hoax.verdict_confirm") == 1

    read(tmp_path, check)
    cli("hoaxes", "confirm", "1", "--as", "admin", code=1)  # nothing left to confirm


def test_reject_sends_back_and_clarify_drafts_an_announcement(cli: Invoke, tmp_path: Path) -> None:
    args = ("--label", "hoaks", "--explanation", "Penipuan.", "--as", "verifier")
    cli("hoaxes", "verdict", "1", *args)
    cli("hoaxes", "clarify", "1", "--as", "officer", code=1)  # not confirmed yet
    cli("hoaxes", "reject", "1", "--reason", "sumber kurang", "--as", "verifier2")
    assert json.loads(cli("hoaxes", "show", "1", "--json").output)["status"] == "open"
    cli("hoaxes", "verdict", "1", *args)
    cli("hoaxes", "confirm", "1", "--as", "verifier2")
    drafted = json.loads(cli("hoaxes", "clarify", "1", "--as", "officer", "--json").output)
    assert drafted["status"] == "draft"
    assert drafted["title"].startswith("Klarifikasi: ")
    assert drafted["targets"] == f"{TAJUR_RT1},{KAMANISAN_RT1}"
    # the normal verification follows: the officer submits, a verifier approves
    cli("announcements", "submit", str(drafted["announcement"]), "--as", "officer")
    cli("announcements", "approve", str(drafted["announcement"]), "--as", "verifier")
    # an officer scoped to Serang cannot target Tangerang's RT
    cli("hoaxes", "clarify", "1", "--as", "serang_officer", code=1)


def test_retention_purges_personal_parts(cli: Invoke, tmp_path: Path) -> None:
    cli("hoaxes", "verdict", "1", "--label", "hoaks", "--explanation", "x", "--as", "verifier")
    cli("hoaxes", "confirm", "1", "--as", "verifier2")
    assert json.loads(cli("hoaxes", "purge", "--json").output)["purged_reports"] == 0

    async def later(store: Store) -> list[Any]:
        stop = asyncio.Event()
        # retention 0 days: everything ruled before now is due; one round, then stop
        task = asyncio.create_task(
            purge_reports(store, HoaxConfig(retention_days=0), stop, 60, data_dir=tmp_path)
        )
        await asyncio.sleep(0.3)
        stop.set()
        await task
        return await store.hoax_reports(1)

    time.sleep(0.01)
    reports = read(tmp_path, later)
    assert len(reports) == 4
    assert all(r.reporter is None and r.address is None and r.content is None for r in reports)
    shown = json.loads(cli("hoaxes", "show", "1", "--json").output)
    assert shown["reports"] == 4 and shown["summary"] == ""
