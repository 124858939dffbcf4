"""An in-process broadcaster for engine tests: real SQLite file, scripted adapter accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.scripted import ScriptedAdapter
from broadcaster.app import App
from broadcaster.engine import Engine
from broadcaster.store.records import AnnouncementRecord, Dispatch, GroupStatus
from content.model import Announcement, Level, Poll, Priority, Target, Variant
from schedules.spec import ScheduleSpec
from tests.conftest import make_settings
from tests.seed import seed_regions, seed_users


@dataclass
class Rig:
    app: App
    engine: Engine

    def adapter(self, account: str = "scripted") -> ScriptedAdapter:
        adapter = self.app.adapters[account]
        assert isinstance(adapter, ScriptedAdapter)
        return adapter

    async def add_groups(
        self,
        account: str = "scripted",
        level: Level = Level.rt,
        under: str = "36",
        kind: str = "rt",
    ) -> list[int]:
        """One active group per region at ``level`` under ``under``; returns group ids."""
        ids = []
        async for region in self.app.store.iter_regions(under, level):
            group = await self.app.directory.add_group(
                "officer",
                account,
                f"{account}-{region.code}",
                region.code,
                kind,
                status=GroupStatus.active,
            )
            ids.append(group.id)
        return ids

    async def approved(
        self,
        regions: Sequence[str] = ("36",),
        priority: Priority = Priority.normal,
        poll: bool = False,
        body: str = "Mohon **waspada** banjir.",
        **target: Any,
    ) -> AnnouncementRecord:
        content = Announcement(
            variants={"id": Variant(title="Peringatan", body=body)},
            poll=Poll(question="Tergenang?", options=["Ya", "Tidak"]) if poll else None,
            priority=priority,
            source="BPBD Banten",
            target=Target(regions=list(regions), **target),
        )
        wf = self.app.workflow
        record = await wf.create("officer", content)
        await wf.submit("officer", record.id)
        return await wf.approve("verifier", record.id)

    async def dispatch_now(self, record: AnnouncementRecord) -> Dispatch:
        """Schedule now and fire it through the scheduler bridge (as the service does)."""
        schedule = await self.app.workflow.schedule("officer", record.id, ScheduleSpec.now())
        assert self.engine.bridge is not None
        await self.engine.bridge.fire(schedule.id, datetime.now(UTC))
        dispatches = await self.app.store.list_dispatches(announcement_id=record.id)
        return dispatches[0]


@asynccontextmanager
async def rig(tmp_path: Path, start: bool = True, **settings: Any) -> AsyncIterator[Rig]:
    app = App(make_settings(tmp_path, **settings))
    async with app:
        await seed_regions(app.store)
        await seed_users(app.store)
        for adapter in app.adapters.values():
            await adapter.start()
        engine = Engine(app.store, app.settings, app.adapters)
        if start:
            await engine.start()
        try:
            yield Rig(app, engine)
        finally:
            if start:
                await engine.stop()
            for adapter in app.adapters.values():
                await adapter.stop()
