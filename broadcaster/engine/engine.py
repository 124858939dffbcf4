"""The engine: one planner, one sender per account, the completion monitor and the scheduler,
as tasks on one event loop.

Several processes may share one store (PostgreSQL). Each runs the roles it is given
(``[service] roles`` / ``broadcaster run --role``): *sender* plans dispatches and sends for every
account whose lease it holds (deliveries and notices, both through that account's
:class:`~.sender.AccountSender`: the engine has no send path of its own), *scheduler* fires
schedules while it holds the scheduler lease, *web* serves the HTTP app (started by
:mod:`broadcaster.service`). Leases come from the store's coordinator (see
:mod:`broadcaster.coordination`); with SQLite every lease is held at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from schedules.quiet import QuietHours

from ..adapter import Adapter
from ..cap.feeds import cap_feeds_for
from ..config import Settings
from ..coordination import SCHEDULER_LEASE, account_lease, coordinator_for
from ..inbox import Inbox, load_salt
from ..metrics import Metrics
from ..oncall.alerts import Alerter
from ..store.contract import Store
from ..store.records import GroupFilter
from .leasing import LeaseKeeper
from .monitor import Monitor
from .outcomes import SenderOptions
from .planner import Planner
from .ratelimit import RateLimiter
from .scheduling import ScheduleBridge
from .sender import STOP_GRACE, AccountSender
from .supervisor import Supervisor
from .tasks import finish
from .work import WorkSignal

log = logging.getLogger(__name__)


class Engine:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        adapters: Mapping[str, Adapter],
        metrics: Metrics | None = None,
        with_scheduler: bool = True,
    ) -> None:
        self.store = store
        self.settings = settings
        self.adapters = dict(adapters)
        self.metrics = metrics or Metrics()
        self.stopping = asyncio.Event()
        self.work = WorkSignal()  # the one wake-up path: see broadcaster.engine.work
        engine = settings.engine
        self.planner = Planner(store, engine.plan_batch, self.work, engine.idle_poll)
        self.coordinator = coordinator_for(store)
        self.senders = self._new_senders()
        for name, sender in self.senders.items():
            self.work.add_sender(sender.wake, name, sender.notices)
        self.work.on_schedules(self._sync_schedules)
        self.monitor = Monitor(store, self.metrics, list(self.adapters))
        self.is_sender = settings.service.has_role("sender")
        self.is_scheduler = with_scheduler and settings.service.has_role("scheduler")
        self.bridge = self._new_bridge() if self.is_scheduler else None
        self.scheduling = False  # True while this process holds the scheduler lease
        # on-call alerts run where the scheduler runs: one process (see broadcaster.oncall)
        self.alerter = Alerter(store, settings, self.work.alerts, metrics=self.metrics)
        self._alert_stop = asyncio.Event()
        self._alert_task: asyncio.Task[None] | None = None
        self.leases = LeaseKeeper(
            self.coordinator,
            [account_lease(name) for name in self.senders] if self.is_sender else [],
            [SCHEDULER_LEASE] if self.is_scheduler else [],
            settings.store.lease_ttl,
            self._gained,
            self._lost,
        )
        self._sender_stops: dict[str, asyncio.Event] = {}
        self._sender_tasks: dict[str, asyncio.Task[None]] = {}
        self._inbound_tasks: dict[str, asyncio.Task[None]] = {}
        self.inbox = Inbox(
            store,
            self.adapters,
            load_salt(settings.service.data_dir),
            auto_approve=settings.service.auto_approve_subscriptions,
            hoax_similarity=settings.hoax.similarity,
            public_url=settings.service.public_url,
        )
        self._tasks: list[asyncio.Task[None]] = []
        # every long-running task is restarted when it fails, and shows as down meanwhile
        self.supervisor = Supervisor(self.metrics, self.stopping)
        # CAP feeds are polled by the scheduler lease holder only (issue 15)
        self.cap_feeds = cap_feeds_for(store, settings) if self.is_scheduler else None

    def _new_senders(self) -> dict[str, AccountSender]:
        """One sender per account, with the account's limits (adapter's, then config's)."""
        settings, engine = self.settings, self.settings.engine
        quiet = settings.quiet_hours()
        options = SenderOptions(
            claim_batch=engine.claim_batch,
            max_in_flight=engine.max_in_flight,
            max_attempts=engine.max_attempts,
            backoff_base=engine.backoff_base,
            backoff_max=engine.backoff_max,
            idle_poll=engine.idle_poll,
            flush_interval=engine.flush_interval,
            verify_base=settings.service.public_url if settings.service.verify_line else None,
            sweep_stray_claims=not self.coordinator.exclusive,
        )
        senders: dict[str, AccountSender] = {}
        for name, adapter in self.adapters.items():
            account = settings.accounts.get(name)
            limits = adapter.limits
            if account is not None and account.limits:
                limits = limits.override(account.limits)
            limiter = RateLimiter(limits, margin=engine.rate_margin)
            senders[name] = AccountSender(
                self.store, adapter, limiter, options, self.metrics, quiet=_quiet_check(quiet)
            )
        return senders

    def _new_bridge(self) -> ScheduleBridge:
        settings = self.settings
        return ScheduleBridge(
            self.store,
            settings.service.timezone,
            timedelta(minutes=settings.schedule.misfire_grace_minutes),
            self.work,
            approvals_required=settings.service.approvals_required,
        )

    async def _sync_schedules(self) -> None:
        """Schedules changed: the bridge (when this process has one) picks them up now instead
        of at its next sync."""
        if self.bridge is not None:
            await self.bridge.sync()

    @property
    def held_accounts(self) -> list[str]:
        """Accounts this process sends for now."""
        return [name for name, task in self._sender_tasks.items() if not task.done()]

    async def start(self) -> None:
        """Recover from a crash, take the leases this process can get, start every loop."""
        await self.coordinator.start(self.work.remote)
        if self.coordinator.exclusive and self.is_sender:
            # the only process on this store: whatever was in flight was ours
            requeued = await self.store.requeue_in_flight()
            if requeued:
                log.warning("requeued %s deliveries that were in flight at the last stop", requeued)
        self._tasks = []
        keep = self.supervisor.start
        if self.is_sender:
            self._tasks.append(keep("planner", lambda: self.planner.run(self.stopping)))
        if self.is_sender or self.is_scheduler:
            self._tasks.append(keep("housekeeping", self._housekeeping))
        await self.leases.round()
        self._tasks.append(keep("leases", lambda: self.leases.run(self.stopping)))

    async def _gained(self, lease: str) -> None:
        if lease == SCHEDULER_LEASE:
            assert self.bridge is not None
            await self.bridge.start()
            self.scheduling = True
            if self.cap_feeds is not None:
                self.cap_feeds.start(self.supervisor.start)
            self._start_alerts()
            return
        name = lease.removeprefix("account:")
        previous = self._sender_tasks.get(name)
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)  # lost earlier, still ending
        if not self.coordinator.exclusive:
            # whoever held the account before died or gave it up: what it had claimed and not
            # finished goes back to the queue (at most its in-flight sends are repeated)
            requeued = await self.store.requeue_in_flight(name)
            if requeued:
                log.warning("account %s: requeued %s deliveries of its last holder", name, requeued)
        # the config may have changed since they were held: the next send checks each cause
        released = await self.store.release_holds(name)
        if released:
            log.info("account %s: %s held deliveries due again (cause re-checked)", name, released)
        self._sender_stops[name] = asyncio.Event()
        self._sender_tasks[name] = self.supervisor.start(
            f"sender:{name}",
            lambda: self.senders[name].run(self._sender_stops[name]),
            lambda: self._recover_sender(name),
        )
        self._inbound_tasks[name] = asyncio.create_task(
            self._run_inbound(name, self.adapters[name]), name=f"inbound:{name}"
        )

    def _start_alerts(self) -> None:
        self._alert_stop = asyncio.Event()
        self._alert_task = self.supervisor.start(
            "oncall", lambda: self.alerter.run(self._alert_stop)
        )

    def _stop_alerts(self) -> None:
        self._alert_stop.set()
        self.supervisor.forget("oncall")

    async def _recover_sender(self, name: str) -> None:
        """Before a failed sender runs again: its unwritten outcomes are written and what it
        had claimed is requeued — while this process still holds the account (else the next
        holder requeues, and the stop already set ends the restarted run at once)."""
        if self.stopping.is_set() or account_lease(name) not in self.leases.held:
            return
        await self.senders[name].recover()
        self._sender_stops[name] = asyncio.Event()  # the failed run set the old one

    async def _lost(self, lease: str, graceful: bool) -> None:
        if lease == SCHEDULER_LEASE:
            self.scheduling = False
            if self.cap_feeds is not None:
                await self.cap_feeds.stop()
                self.supervisor.forget("cap-feeds")
            self._stop_alerts()
            if self.bridge is not None:
                await self.bridge.stop()
            self.bridge = self._new_bridge()  # a stopped runner cannot start again
            return
        name = lease.removeprefix("account:")
        # stop claiming at once; in-flight sends finish and are written (waited for when the
        # lease is handed back on purpose, so the next holder finds nothing in flight)
        self._sender_stops[name].set()
        self.supervisor.forget(f"sender:{name}")
        inbound = self._inbound_tasks.pop(name, None)
        if inbound is not None:
            inbound.cancel()
        task = self._sender_tasks.get(name)
        if graceful and task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), self.settings.store.lease_ttl / 2)

    async def _run_inbound(self, name: str, adapter: Adapter) -> None:
        """An adapter's polling loop; restarted with backoff if it fails."""
        delay = 1.0
        while not self.stopping.is_set():
            try:
                await adapter.run_inbound(self.inbox.handle)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("inbound loop of %s failed; restarting in %.0f s", name, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), delay)
                delay = min(delay * 2, 60.0)

    async def send_notices(self) -> int:
        """Have each account this process sends for send its queued notices now (its sender
        does so on its own when told, see :mod:`.sender`); how many went out."""
        sent = 0
        held = set(self.held_accounts)
        for name, sender in self.senders.items():
            if self.coordinator.exclusive or name in held:
                sent += await sender.send_notices()
        return sent

    async def stop(self) -> None:
        """Stop claiming, let in-flight sends finish and flush, give the leases up, return."""
        inbound = list(self._inbound_tasks.values())
        for task in inbound:
            task.cancel()
        await asyncio.gather(*inbound, return_exceptions=True)
        self._inbound_tasks = {}
        self.stopping.set()
        if self.cap_feeds is not None:
            await self.cap_feeds.stop()
        for stop in self._sender_stops.values():
            stop.set()
        self.work.has_deliveries()  # wakes every sender, which sees its stop
        self._alert_stop.set()
        alerts = [self._alert_task] if self._alert_task is not None else []
        tasks = self._tasks + list(self._sender_tasks.values()) + alerts
        # senders give their in-flight sends STOP_GRACE; nothing may hold the exit up longer
        await finish(tasks, STOP_GRACE + 2.0)
        for task in tasks:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                log.error("task %s ended with %r", task.get_name(), error)
        self._tasks = []
        self._sender_tasks = {}
        if self.bridge is not None and self.scheduling:
            await self.bridge.stop()
            self.scheduling = False
        await self.leases.release_all()
        await self.coordinator.stop()

    async def _housekeeping(self) -> None:
        last_sync = last_purge = 0.0
        retention = self.settings.service.reply_retention_days * 86400
        while not self.stopping.is_set():
            try:
                if self.is_sender:
                    await self.monitor.check()
                if time.monotonic() - last_purge > 600:
                    last_purge = time.monotonic()
                    await self.store.purge_replies(time.time() - retention)
                if (
                    self.bridge is not None
                    and self.scheduling
                    and time.monotonic() - last_sync > 2.0
                ):
                    last_sync = time.monotonic()
                    await self.bridge.sync()
            except Exception:
                log.exception("housekeeping failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), self.settings.engine.idle_poll)

    async def refresh_gauges(self) -> None:
        """Update the gauges that are read from the store (called on each /metrics scrape)."""
        depth = await self.store.queue_depth()
        for name in self.senders:
            for status in ("queued", "sending"):
                self.metrics.queue_depth.labels(name, status).set(depth.get((name, status), 0))
        for feed in self.settings.cap.feeds:
            state = await self.store.cap_feed_state(feed.name)
            self.metrics.cap_feed_failures.labels(feed.name).set(state.failures)
        counts = await self.store.count_groups(GroupFilter(), by="channel")
        for channel in counts:
            by_status = await self.store.count_groups(GroupFilter(channels=(channel,)), by="status")
            for status, n in by_status.items():
                self.metrics.groups.labels(channel, status).set(n)

    async def drain(self, within: float = 60.0) -> None:
        """Wait until no dispatch is planning or sending (for tests, benchmarks, rehearsals)."""
        deadline = time.monotonic() + within
        while True:
            if await self.monitor.check() == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"dispatches still running after {within} s")
            await asyncio.sleep(0.05)


def _quiet_check(quiet: QuietHours) -> QuietCheck:
    return QuietCheck(quiet)


class QuietCheck:
    """Callable telling senders whether quiet hours hold now (only emergencies go out)."""

    def __init__(self, quiet: QuietHours) -> None:
        self.quiet = quiet
        self._cached_until = 0.0
        self._value = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if now < self._cached_until:
            return self._value
        self._value = self.quiet.is_quiet(datetime.now(UTC))
        self._cached_until = now + 1.0
        return self._value
