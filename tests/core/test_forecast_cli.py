"""``broadcaster forecast ID`` through the real command line (issue 15): the table with its
Indonesian warnings, ``--json`` with ``eta_seconds`` per account, quiet hours holding a normal
announcement but not an emergency."""

from __future__ import annotations

import json
from pathlib import Path

from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.store.records import GroupStatus
from content.model import Announcement, Level, Priority, Target, Variant
from tests.core.test_reasons_cli import cli, quiet_window
from tests.seed import seed_regions, seed_users

RATE = 2.0
GROUPS = 8


def write_config(folder: Path, quiet: str) -> None:
    (folder / "config.toml").write_text(
        f"""
[service]
data_dir = "var"
public_url = "http://127.0.0.1:8080"
timezone = "Asia/Jakarta"
[store]
url = "sqlite:///var/broadcaster.db"
[http]
enabled = false
[schedule]
quiet_hours = "{quiet}"
[accounts.scripted]
adapter = "scripted"
limits = {{global_per_second = {RATE}}}
"""
    )


async def prepare(folder: Path) -> tuple[int, int]:
    settings = load_settings(folder / "config.toml")
    async with App(settings) as app:
        await seed_regions(app.store, rw=2, rt=4)
        await seed_users(app.store)
        codes = [r.code async for r in app.store.iter_regions("3673", Level.rt)][:GROUPS]
        for n, code in enumerate(codes):
            await app.directory.add_group(
                "officer", "scripted", f"rt-{n}", code, "rt", status=GroupStatus.active
            )
        ids = []
        for priority in (Priority.normal, Priority.emergency):
            content = Announcement(
                variants={"id": Variant(title=f"Uji {priority}", body="Pesan uji.")},
                priority=priority,
                target=Target(regions=["3673"]),
            )
            record = await app.workflow.create("officer", content)
            await app.workflow.submit("officer", record.id)
            ids.append(record.id)
        return ids[0], ids[1]


async def test_forecast_command_table_and_json(tmp_path: Path) -> None:
    quiet, end = quiet_window()
    write_config(tmp_path, quiet)
    normal, emergency = await prepare(tmp_path)

    urgent = json.loads(cli(tmp_path, "forecast", str(emergency), "--json"))
    [account] = urgent["accounts"]
    assert (urgent["groups"], account["account"], account["groups"]) == (GROUPS, "scripted", GROUPS)
    # an emergency goes out in quiet hours, one message every 1/RATE s
    assert account["eta_seconds"]["p100"] == (GROUPS - 1) / RATE
    assert account["eta_seconds"]["p50"] == (GROUPS / 2 - 1) / RATE
    assert [lim["kind"] for lim in account["limits"] if lim["binding"]] == ["rate"]
    assert urgent["warnings"] == []

    held = json.loads(cli(tmp_path, "forecast", str(normal), "--json"))
    assert held["eta_seconds"]["p50"] > 3600  # waits for the end of the quiet hours
    [warning] = held["warnings"]
    assert warning["key"] == "forecast.service_quiet"
    assert end.replace(":", ".") in warning["id"] and end in warning["en"]

    table = cli(tmp_path, "forecast", str(normal))
    assert "Jam tenang layanan" in table and "scripted" in table
    english = cli(tmp_path, "forecast", str(normal), "--lang", "en")
    assert "The service's quiet hours" in english
