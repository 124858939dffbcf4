"""The work signal: one object telling every part of the engine that new work may exist.

Before, four paths carried this one fact (the engine relaying the planner's event to the senders,
the scheduling bridge calling back into the engine, the coordinator's callback, the web layer
poking the bridge and the engine). Now each part is handed this :class:`WorkSignal` and says or
waits for one of these things:

* **plan** — a dispatch may need planning (a schedule fired, a dispatch was created): the planner
  waits on :attr:`WorkSignal.plan`; :meth:`WorkSignal.wants_plan` sets it;
* **send** — deliveries were queued: :meth:`WorkSignal.has_deliveries` wakes every sender event
  registered with :meth:`WorkSignal.add_sender`;
* **notice** — a notice (welcome, approval, an answer, an alert) was queued for an account:
  :meth:`WorkSignal.has_notices` sets that account's notice event registered with
  :meth:`WorkSignal.add_sender`; its sender sends it through the account's limiter;
* **alerts** — an emergency was submitted or a CAP draft arrived: the on-call alerter waits on
  :attr:`WorkSignal.alerts`; :meth:`WorkSignal.wants_alerts` sets it;
* **schedules changed** — a schedule was created or cancelled: :meth:`WorkSignal.schedules_changed`
  runs the hooks registered with :meth:`WorkSignal.on_schedules` (the scheduling bridge's sync),
  then asks for planning.

Across processes (PostgreSQL) the store sends ``NOTIFY`` in the transaction that creates the work
and the store's coordinator ``LISTEN``\\ s; its callback is :meth:`WorkSignal.remote`, so a wake-up
from another process arrives through the same object. With SQLite there is one process and only
the store's own ``_notify`` calling :meth:`WorkSignal.remote` in-process (see
:class:`broadcaster.coordination.LocalCoordinator`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

ScheduleHook = Callable[[], Awaitable[None]]


class WorkSignal:
    def __init__(self) -> None:
        self.plan = asyncio.Event()
        self.alerts = asyncio.Event()  # on-call alerts may be due (broadcaster.oncall.alerts)
        self._senders: list[asyncio.Event] = []
        self._notices: dict[str, asyncio.Event] = {}
        self._schedule_hooks: list[ScheduleHook] = []

    def add_sender(
        self,
        wake: asyncio.Event,
        account: str | None = None,
        notices: asyncio.Event | None = None,
    ) -> None:
        """Set ``wake`` whenever deliveries were queued, and ``notices`` whenever a notice was
        queued for ``account``."""
        self._senders.append(wake)
        if account is not None and notices is not None:
            self._notices[account] = notices

    def on_schedules(self, hook: ScheduleHook) -> None:
        """Await ``hook`` whenever schedules changed."""
        self._schedule_hooks.append(hook)

    def wants_plan(self) -> None:
        """A dispatch may need planning: wake the planner."""
        self.plan.set()

    def wants_alerts(self) -> None:
        """An announcement may need on-call alerts now: wake the alerter."""
        self.alerts.set()

    def has_deliveries(self) -> None:
        """Deliveries were queued: wake every sender."""
        for wake in self._senders:
            wake.set()

    def has_notices(self, account: str | None = None) -> None:
        """A notice was queued for ``account`` (None: for any account): wake its sender."""
        if account is None:
            for event in self._notices.values():
                event.set()
        elif (one := self._notices.get(account)) is not None:
            one.set()

    async def schedules_changed(self) -> None:
        """A schedule was created or changed: let the scheduler pick it up at once, then plan."""
        for hook in self._schedule_hooks:
            await hook()
        self.wants_plan()

    def remote(self, kind: str) -> None:
        """A wake-up from the store (PostgreSQL ``NOTIFY``; SQLite in-process): ``"plan…"``,
        ``"notice"`` / ``"notice:<account>"``, ``"alert…"`` or ``"send…"``."""
        if kind.startswith("plan"):
            self.wants_plan()
        elif kind.startswith("notice"):
            self.has_notices(kind.partition(":")[2] or None)
        elif kind.startswith("alert"):
            self.wants_alerts()
        else:
            self.has_deliveries()
