"""What an operator sees about held and failed deliveries, through the real command line and a
real ``broadcaster run`` (issue 10, points 12 and 13): the answer of ``schedule --when now``
during quiet hours, ``dispatches status`` (table and ``--json``) and ``dispatches failures``."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.store.records import GroupStatus
from content.model import Announcement, Level, Priority, Target, Variant
from tests.core.test_holds_process import query, start, stop_within, wait_for
from tests.seed import seed_regions, seed_users

pytestmark = pytest.mark.slow

ZONE = ZoneInfo("Asia/Jakarta")


def quiet_window() -> tuple[str, str]:
    """A quiet window around now: (config value, the local end "HH:MM")."""
    now = datetime.now(ZONE)
    begin, end = now - timedelta(hours=1), now + timedelta(hours=2)
    return f"{begin:%H:%M}-{end:%H:%M}", f"{end:%H:%M}"


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
[engine]
idle_poll = 0.05
[schedule]
quiet_hours = "{quiet}"
[accounts.scripted]
adapter = "scripted"
script = [{{address = "rt-bad", error = "permanent", times = 9}}]
"""
    )


def cli(folder: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "broadcaster", *args, "--config", str(folder / "config.toml")],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def prepare(folder: Path) -> tuple[int, int]:
    """Four groups (one whose sends fail for good); a normal and an emergency announcement,
    both approved, not yet scheduled."""
    settings = load_settings(folder / "config.toml")
    async with App(settings) as app:
        await seed_regions(app.store, rw=1, rt=4)
        await seed_users(app.store)
        codes = [r.code async for r in app.store.iter_regions("3673", Level.rt)][:4]
        for n, code in enumerate(codes):
            address = "rt-bad" if n == 0 else f"rt-{n}"
            await app.directory.add_group(
                "officer", "scripted", address, code, "rt", status=GroupStatus.active
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
            await app.workflow.approve("verifier", record.id)
            ids.append(record.id)
        return ids[0], ids[1]


async def test_quiet_hours_hold_is_said_everywhere_with_reasons(tmp_path: Path) -> None:
    quiet, end = quiet_window()
    write_config(tmp_path, quiet)
    normal, emergency = await prepare(tmp_path)

    # point 12: the answer says the dispatch waits, and until when (Indonesian first)
    answer = cli(
        tmp_path, "announcements", "schedule", str(normal), "--when", "now", "--as", "officer"
    )
    local_end = end.replace(":", ".")
    assert f"ditahan sampai {local_end} (jam tenang)" in answer
    assert f"held until {end} (quiet hours)" in answer
    assert answer.index("ditahan") < answer.index("held until")
    urgent = json.loads(
        cli(
            tmp_path,
            "announcements",
            "schedule",
            str(emergency),
            "--when",
            "now",
            "--json",
            "--as",
            "officer",
        )
    )
    assert "held" not in urgent  # emergencies go out in quiet hours

    proc = start(tmp_path)
    try:
        await wait_for(
            lambda: (
                query(tmp_path, "SELECT COUNT(*) FROM dispatches WHERE status = 'done'") == [(1,)]
            ),
            40,
            "the emergency dispatch done",
        )
        await wait_for(
            lambda: query(tmp_path, "SELECT COALESCE(SUM(planned), 0) FROM dispatches") == [(8,)],
            20,
            "both dispatches planned",
        )
    finally:
        await stop_within(proc, tmp_path, 10.0)
    ids = dict(query(tmp_path, "SELECT announcement_id, id FROM dispatches"))

    # the normal dispatch: everything held by quiet hours, and the status says so
    status = json.loads(cli(tmp_path, "dispatches", "status", str(ids[normal]), "--json"))
    assert status["held"] == 4 and status["sent"] == 0
    assert status["reasons"] == {"quiet_hours": 4}
    [hold] = status["holds"]
    assert hold["reason"] == "quiet_hours" and hold["count"] == 4
    assert f"held until {end} (quiet hours)" in hold["text"]
    assert datetime.fromisoformat(hold["until"]) > datetime.now(UTC)
    table = cli(tmp_path, "dispatches", "status", str(ids[normal]))
    assert f"held until {end} (quiet hours)" in table and "quiet_hours" in table
    listed = json.loads(cli(tmp_path, "dispatches", "failures", str(ids[normal]), "--json"))
    assert sorted(r["address"] for r in listed) == ["rt-1", "rt-2", "rt-3", "rt-bad"]
    assert {(r["state"], r["reason"], r["channel"]) for r in listed} == {
        ("held", "quiet_hours", "scripted")
    }

    # point 13: the emergency went out, except to the group whose sends fail for good
    status = json.loads(cli(tmp_path, "dispatches", "status", str(ids[emergency]), "--json"))
    assert status["sent"] == 3 and status["failed"] == 1 and status["held"] == 0
    reason = "permanent: scripted permanent failure for rt-bad"
    assert status["reasons"] == {reason: 1}
    failures = json.loads(cli(tmp_path, "dispatches", "failures", str(ids[emergency]), "--json"))
    assert [(r["address"], r["state"], r["reason"]) for r in failures] == [
        ("rt-bad", "failed", reason)
    ]
    assert failures[0]["group"] > 0 and failures[0]["channel"] == "scripted"
    table = cli(tmp_path, "dispatches", "failures", str(ids[emergency]))
    assert "rt-bad" in table and "permanent" in table
