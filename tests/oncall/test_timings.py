"""Per-emergency timings end to end: an emergency approved and sent to the groups of a scripted
account; the timings (store, ``broadcaster oncall timings --json``) follow each stage."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from broadcaster.cli.main import app as cli
from broadcaster.oncall.timings import duration, timings
from content.model import Level, Priority
from tests.core.harness import rig


async def test_timings_of_an_emergency_from_draft_to_groups(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        groups = await r.add_groups(level=Level.rt, under="3671")
        assert len(groups) > 1
        record = await r.approved(regions=("3671",), priority=Priority.emergency)
        before = await timings(r.app.store, record.id)
        assert before.approved_at is not None and before.submitted_at is not None
        assert before.human_seconds is not None and before.verify_seconds is not None
        assert before.first_seconds is None and before.p95_seconds is None
        assert before.system_seconds is None  # not from a CAP feed
        await r.dispatch_now(record)
        await r.engine.drain(20)
        after = await timings(r.app.store, record.id)
        assert (after.groups, after.reached) == (len(groups), len(groups))
        assert after.first_seconds is not None and after.p95_seconds is not None
        assert after.first_seconds <= after.p95_seconds
        # a received time handed in (the CAP importer's) gives the system time
        assert after.drafted_at is not None
        cap = await timings(r.app.store, record.id, received_at=after.drafted_at - 42.0)
        assert cap.system_seconds == 42.0

        config = tmp_path / "config.toml"
        store_url = r.app.settings.store.url
        data_dir = r.app.settings.service.data_dir
        config.write_text(f'[service]\ndata_dir = "{data_dir}"\n[store]\nurl = "{store_url}"\n')
        # the command runs its own event loop: in a thread, beside the rig's
        runner = CliRunner()
        args = ["oncall", "timings", str(record.id), "--config", str(config)]
        out = await asyncio.to_thread(runner.invoke, cli, [*args, "--json"])
        assert out.exit_code == 0, out.output
        shown = json.loads(out.stdout)
        assert shown["groups"] == len(groups) and shown["p95_seconds"] is not None
        table = await asyncio.to_thread(runner.invoke, cli, args)
        assert "draft → approved (human)" in table.stdout
        assert duration(after.human_seconds) in table.stdout


def test_durations_read_like_a_person_writes_them() -> None:
    assert duration(None) == "–"
    assert duration(12.34) == "12.3 s"
    assert duration(245) == "4 m 05 s"
    assert duration(3720) == "1 h 02 m"
