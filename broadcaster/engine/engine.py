"""The engine: one planner, one sender per account, the completion monitor and the scheduler,
as tasks on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from schedules.quiet import QuietHours

from ..adapter import Adapter
from ..config import Settings
from ..errors import BroadcasterError, RateLimited, TransientError
from ..inbox import Inbox, load_salt
from ..metrics import Metrics
from ..ratelimit import RateLimiter
from ..scheduling import ScheduleBridge
from ..store.contract import Store
from ..store.records import GroupFilter
from .monitor import Monitor
from .planner import Planner
from .sender import AccountSender, SenderOptions

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
        self._planned = asyncio.Event()
        engine = settings.engine
        self.planner = Planner(store, engine.plan_batch, self._planned, engine.idle_poll)
        quiet = settings.quiet_hours()
        options = SenderOptions(
            claim_batch=engine.claim_batch,
            max_in_flight=engine.max_in_flight,
            max_attempts=engine.max_attempts,
            backoff_base=engine.backoff_base,
            backoff_max=engine.backoff_max,
            idle_poll=engine.idle_poll,
            verify_base=settings.service.public_url if settings.service.verify_line else None,
        )
        self.senders: dict[str, AccountSender] = {}
        for name, adapter in self.adapters.items():
            account = settings.accounts.get(name)
            limits = adapter.limits
            if account is not None and account.limits:
                limits = limits.override(account.limits)
            limiter = RateLimiter(limits, margin=engine.rate_margin)
            self.senders[name] = AccountSender(
                store, adapter, limiter, options, self.metrics, quiet=_quiet_check(quiet)
            )
        self.monitor = Monitor(store, self.metrics, list(self.adapters))
        self.bridge = (
            ScheduleBridge(
                store,
                settings.service.timezone,
                timedelta(minutes=settings.schedule.misfire_grace_minutes),
                self.wake,
                approvals_required=settings.service.approvals_required,
            )
            if with_scheduler
            else None
        )
        self.inbox = Inbox(
            store,
            self.adapters,
            load_salt(settings.service.data_dir),
            auto_approve=settings.service.auto_approve_subscriptions,
        )
        self._tasks: list[asyncio.Task[None]] = []

    def wake(self) -> None:
        """New work may exist: wake the planner (and, through it, the senders)."""
        self.planner.wake.set()

    async def start(self) -> None:
        """Recover from a crash, then start every loop."""
        requeued = await self.store.requeue_in_flight()
        if requeued:
            log.warning("requeued %s deliveries that were in flight at the last stop", requeued)
        if self.bridge is not None:
            await self.bridge.start()
        self._tasks = [asyncio.create_task(self.planner.run(self.stopping), name="planner")]
        self._tasks += [
            asyncio.create_task(sender.run(self.stopping), name=f"sender:{name}")
            for name, sender in self.senders.items()
        ]
        self._tasks.append(asyncio.create_task(self._relay(), name="relay"))
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="housekeeping"))
        self._inbound = [
            asyncio.create_task(self._run_inbound(name, adapter), name=f"inbound:{name}")
            for name, adapter in self.adapters.items()
        ]

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
        """Send queued service messages (welcome, approval) through their accounts."""
        sent = 0
        for name, adapter in self.adapters.items():
            limiter = self.senders[name].limiter if name in self.senders else None
            for notice in await self.store.pending_notices(name):
                # notices share the account's limits with broadcasts
                if limiter is not None and not limiter.free:
                    await limiter.acquire(notice.address)
                try:
                    await adapter.notify(notice.address, notice.text)
                except RateLimited as exc:
                    if limiter is not None:
                        limiter.pause(exc.retry_after)
                    break  # keep it, and the rest, for a later round
                except TransientError as exc:
                    log.warning("notice %s to %s not sent yet: %s", notice.id, name, exc)
                    break
                except BroadcasterError as exc:
                    await self.store.finish_notice(notice.id, str(exc))
                    continue
                except Exception as exc:  # a provider hiccup: keep it for the next round
                    log.warning("notice %s to %s not sent yet: %s", notice.id, name, exc)
                    break
                finally:
                    if limiter is not None and not limiter.free:
                        limiter.done(notice.address)
                await self.store.finish_notice(notice.id)
                sent += 1
        return sent

    async def stop(self) -> None:
        """Stop claiming, let in-flight sends finish and flush, then return."""
        for task in getattr(self, "_inbound", []):
            task.cancel()
        await asyncio.gather(*getattr(self, "_inbound", []), return_exceptions=True)
        self._inbound = []
        self.stopping.set()
        self._planned.set()
        for sender in self.senders.values():
            sender.wake.set()
        results = await asyncio.gather(*self._tasks, return_exceptions=True)
        for task, result in zip(self._tasks, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                log.error("task %s ended with %r", task.get_name(), result)
        self._tasks = []
        if self.bridge is not None:
            await self.bridge.stop()

    async def _relay(self) -> None:
        """Wake the senders whenever the planner inserted deliveries."""
        while not self.stopping.is_set():
            await self._planned.wait()
            self._planned.clear()
            for sender in self.senders.values():
                sender.wake.set()

    async def _housekeeping(self) -> None:
        last_sync = last_purge = 0.0
        retention = self.settings.service.reply_retention_days * 86400
        while not self.stopping.is_set():
            try:
                await self.monitor.check()
                await self.send_notices()
                if time.monotonic() - last_purge > 600:
                    last_purge = time.monotonic()
                    await self.store.purge_replies(time.time() - retention)
                if self.bridge is not None and time.monotonic() - last_sync > 2.0:
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
