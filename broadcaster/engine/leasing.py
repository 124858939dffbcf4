"""Keeps the leases this process wants (see :mod:`broadcaster.coordination`).

Every ``ttl / 3`` seconds the process takes or renews each lease it wants. A *sender* process
(one that wants account leases) also renews its membership lease, ``sender:<holder>``, so the
other senders know it is alive. Account leases are shared fairly among the senders only: a
sender takes at most ``ceil(accounts / live sender processes)`` of them (all of them when it is
alone; scheduler-only and web-only processes never count) and hands back its surplus when more
senders join (after its in-flight sends finish, so nothing is sent twice). The scheduler lease
has one holder and no share.

Gaining a lease starts its work (an account's sender, the scheduler). Losing one — another
process holds it now, or renewals failed for most of a ``ttl`` so another may take it any
moment — stops that work before the lease can pass on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence

from ..coordination import Coordinator, member_lease

log = logging.getLogger(__name__)

#: called with (lease name, graceful): graceful means "finish in-flight work before returning"
LoseHook = Callable[[str, bool], Awaitable[None]]
GainHook = Callable[[str], Awaitable[None]]


class LeaseKeeper:
    def __init__(
        self,
        coordinator: Coordinator,
        shared: Sequence[str],
        single: Sequence[str],
        ttl: float,
        on_gain: GainHook,
        on_lose: LoseHook,
    ) -> None:
        self.coordinator = coordinator
        self.shared = list(shared)  # balanced across processes (channel accounts)
        self.single = list(single)  # one holder, no share (the scheduler)
        self.ttl = ttl
        self.on_gain = on_gain
        self.on_lose = on_lose
        self.held: set[str] = set()
        self._renewed: dict[str, float] = {}
        self._fair = len(self.shared)  # the last share computed
        self.member = member_lease(coordinator.holder)

    async def _try(self, name: str) -> bool | None:
        try:
            return await self.coordinator.acquire(name, self.ttl)
        except Exception as exc:  # the store is unreachable: decide by the last renewal
            log.warning("lease %s not renewed: %s", name, exc)
            return None

    async def _lose(self, name: str, graceful: bool) -> None:
        self.held.discard(name)
        log.warning("lease %s given up by %s", name, self.coordinator.holder)
        await self.on_lose(name, graceful)

    async def round(self) -> None:
        """Take, renew or hand back every wanted lease once."""
        if not (self.shared or self.single):
            return
        if self.shared:  # only senders are members: the others take no account share
            await self._try(self.member)
        fair = len(self.shared)
        if self.shared and not self.coordinator.exclusive:
            try:
                members = max(1, await self.coordinator.members())
                fair = self._fair = math.ceil(len(self.shared) / members)
            except Exception as exc:  # keep the last share: taking everything would starve
                fair = self._fair  # the other senders of work they may be doing now
                log.warning("cannot count live sender processes: %s", exc)
        # hand back the surplus first (newest members get work), then keep or take the rest
        mine = [n for n in self.shared if n in self.held]
        for name in mine[fair:]:
            await self._lose(name, graceful=True)
            with contextlib.suppress(Exception):
                await self.coordinator.release(name)
        for name in [*self.shared, *self.single]:
            taken = sum(1 for n in self.shared if n in self.held)
            if name in self.shared and name not in self.held and taken >= fair:
                continue  # a fair share is held: leave the rest to the other processes
            ok = await self._try(name)
            now = time.monotonic()
            if ok:
                self._renewed[name] = now
                if name not in self.held:
                    self.held.add(name)
                    log.info("lease %s taken by %s", name, self.coordinator.holder)
                    try:
                        await self.on_gain(name)
                    except Exception as exc:  # its work did not start: give it back, retry
                        log.warning("lease %s: work not started (%s); released", name, exc)
                        self.held.discard(name)
                        with contextlib.suppress(Exception):
                            await self.coordinator.release(name)
            elif name in self.held and (
                ok is False or now - self._renewed.get(name, 0.0) > 0.8 * self.ttl
            ):
                await self._lose(name, graceful=False)

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.ttl / 3)
            if not stopping.is_set():
                await self.round()

    async def release_all(self) -> None:
        """Give every held lease up (a clean stop: others take over at once)."""
        for name in [*sorted(self.held), *([self.member] if self.shared else [])]:
            try:
                await self.coordinator.release(name)
            except Exception as exc:
                log.warning("lease %s not released (it will expire): %s", name, exc)
        self.held.clear()
