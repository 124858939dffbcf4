"""On PostgreSQL only the scheduler lease holder alerts on-call verifiers; a submit in another
process wakes it at once through NOTIFY (no waiting for its scan); when the holder stops, the
next holder takes the task over without repeating an alert."""

from __future__ import annotations

import time
from pathlib import Path

from broadcaster.app import App
from broadcaster.engine import Engine
from broadcaster.oncall.manage import Window, add_entry
from content.model import Announcement, Priority, Target, Variant
from tests.conftest import PG_URL, make_settings
from tests.core.harness import rig
from tests.pg.cluster import wait_until


def _running(engine: Engine) -> bool:
    task = engine._alert_task
    return task is not None and not task.done() and not engine._alert_stop.is_set()


async def test_only_the_scheduler_alerts_and_a_remote_submit_wakes_it(
    tmp_path: Path, schema: str
) -> None:
    store = {"url": PG_URL, "schema": schema, "pool_max": 4, "lease_ttl": 1.0}
    oncall = {"scan_seconds": 120, "accounts": {"email": "scripted"}}
    async with rig(tmp_path / "a", store=store, oncall=oncall) as first:
        await add_entry(
            first.app.directory, "admin", "verifier", "email", "v@kominfo.test", Window()
        )
        second_app = App(make_settings(tmp_path / "b", store=store, oncall=oncall))
        async with second_app:
            second = Engine(second_app.store, second_app.settings, second_app.adapters)
            await second.start()
            try:
                # one scheduler lease: exactly one of the two runs the alerter
                assert [_running(first.engine), _running(second)].count(True) == 1
                holder = first.engine if _running(first.engine) else second

                # a third "process" (the CLI) submits an emergency
                cli = App(make_settings(tmp_path / "c", store=store, oncall=oncall))
                async with cli:
                    content = Announcement(
                        variants={"id": Variant(title="Tsunami", body="Naik ke tempat tinggi.")},
                        priority=Priority.emergency,
                        source="BMKG",
                        target=Target(regions=["3673"]),
                    )
                    record = await cli.workflow.create("officer", content)
                    started = time.monotonic()
                    await cli.workflow.submit("officer", record.id)

                    async def alerted() -> bool:
                        return len(await first.app.store.alerts_for(record.id)) == 1

                    await wait_until(alerted, 20, "the verifier alerted")
                    assert time.monotonic() - started < 20  # the NOTIFY, not the 120 s scan

                # the holder stops; the other takes the lease and repeats nothing
                other = second if holder is first.engine else first.engine
                await holder.stop()

                async def took_over() -> bool:
                    return _running(other)

                await wait_until(took_over, 20, "the alerter moved to the other process")
                assert await other.alerter.round() == 0
                assert len(await first.app.store.alerts_for(record.id)) == 1
                if holder is first.engine:  # the rig stops its engine again: give it a new one
                    first.engine = Engine(first.app.store, first.app.settings, first.app.adapters)
                    await first.engine.start()
            finally:
                await second.stop()
