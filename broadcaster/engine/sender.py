"""One sender loop per channel account: the account's only way out, for deliveries and notices.

Claims due deliveries in batches (the claim marks them ``sending`` before any call), waits on the
account's rate limiter for every message (``async with limiter.slot(...)``), calls the adapter,
and writes outcomes back in batches. What a failed send means — for the account, the delivery or
the notice — is one row of the table in :mod:`.outcomes` (``ERROR_TABLE``): retried with
backoff, the account paused for the provider's ``retry_after`` (a long pause, or a block, holds
it: :mod:`.holding`), failed, the group marked removed, the address migrated, or untouched.

*Notices* (welcome, approval, self-service answers, acknowledgements, alerts: the store's
``add_notice``) go out through the same sender: the same limiter, the same hold and pause, the
same error table; so only the process holding the account's lease sends them, and never while the
account is held or paused. The sender wakes for them through the engine's work signal
(:meth:`.work.WorkSignal.has_notices`, from another process by ``NOTIFY``) and looks for them
every ``idle_poll`` seconds as well.

Stopping never waits for a pause or a hold: a worker waiting on the rate limiter gives its
delivery back untouched, and sends still running ``STOP_GRACE`` seconds after the stop are
cancelled (their deliveries go back to the queue, as after a crash).

A delivery of several messages (long text split, then a poll) remembers how many parts went
out (``parts_done``), so a retry resumes after the last part sent instead of repeating it. A
next part that must wait over ``PARK_AFTER`` seconds for its recipient (WhatsApp's pair rate: one
message per 6 s to one number) goes back to the queue until then instead of holding a worker;
an adapter whose result is ``last`` (a template carrying the whole announcement) ends the
delivery at once, the remaining parts not sent.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable

from content.levels import Priority

from ..adapter import Adapter, ChannelMessage, SendResult
from ..auth import SYSTEM
from ..errors import AddressMoved
from ..metrics import Metrics
from ..store.contract import Store
from ..store.records import (
    AuditRecord,
    ClaimedDelivery,
    DeliveryStatus,
    GroupStatus,
    Notice,
    Outcome,
    PollRef,
)
from .contentcache import ContentCache
from .holding import RECHECK, AccountHold
from .outcomes import (
    Delivery,
    OutcomeRules,
    SenderOptions,
    outcome,
    rule_for,
    untouched,
)
from .outcomes import Notice as NoticeAct
from .ratelimit import RateLimiter
from .tasks import finish, wait_any

log = logging.getLogger(__name__)

MAX_MOVES = 3
# the latency histogram observes one send in this many: observing costs more than an instant
# send itself, and a sample describes the distribution just as well
LATENCY_SAMPLE = 8
#: a next part whose recipient is not ready for longer than this (seconds) goes back to the
#: queue; shorter waits (Telegram's second per chat) are cheaper held in the worker
PARK_AFTER = 2.0
# at most this often (seconds) an idle sender looks for stray claims of its account
SWEEP_EVERY = 2.0
# seconds sends still running after a stop may take before they are cancelled
STOP_GRACE = 5.0


class AccountSender(OutcomeRules):
    def __init__(
        self,
        store: Store,
        adapter: Adapter,
        limiter: RateLimiter,
        options: SenderOptions,
        metrics: Metrics,
        quiet: Callable[[], bool] = lambda: False,
    ) -> None:
        self.store = store
        self.adapter = adapter
        self.limiter = limiter
        self.options = options
        self.metrics = metrics
        self.quiet = quiet
        self.cache = ContentCache(store, adapter, options.verify_base)
        self.wake = asyncio.Event()
        # set when notices may be waiting (the work signal's "notice"); set at first, so the
        # notices queued while nobody sent for the account go out once it runs
        self.notices = asyncio.Event()
        self.notices.set()
        self._notice_round = asyncio.Lock()
        self.sent = 0
        self._outcomes: list[Outcome] = []
        self._writes: list[asyncio.Task[None]] = []
        self._polls: list[PollRef] = []
        self._stopping = asyncio.Event()
        self._cancelled_dispatches: set[int] = set()
        rate = limiter.limits.global_per_second
        # claim about a second's worth at a time when rate-limited: a crash then re-sends at
        # most that many, and an emergency waits at most about a second to overtake
        self.claim_size = (
            min(options.claim_batch, max(1, math.ceil(rate))) if rate else options.claim_batch
        )
        # deliveries in progress may wait on per-chat spacing without sending; the number of
        # concurrent provider calls is capped separately by max_in_flight
        self.worker_count = (
            max(options.max_in_flight, 2 * self.claim_size) if rate else options.max_in_flight
        )
        # only needed when there are more workers than concurrent sends allowed
        self._send_slots = (
            asyncio.Semaphore(options.max_in_flight)
            if self.worker_count > options.max_in_flight
            else None
        )
        self._sends = 0
        self._buffer: deque[ClaimedDelivery] = deque()
        self._busy = 0
        self._has_work = asyncio.Event()
        self._need_more = asyncio.Event()
        # quiet hours, daily cap, long pauses, blocks: no claims and no sends while it lasts
        self.hold = AccountHold(adapter.channel, adapter.account, metrics)
        self._marked = 0.0  # the end of the hold last written to the store (0: none)
        self._receipts = adapter.delivery_receipts
        self._failure: Exception | None = None
        self._swept = 0.0  # when stray claims were last looked for (see _idle)
        # outcomes whose write failed: written by recover() before a restarted run claims
        self._unwritten: list[tuple[list[Outcome], list[PollRef]]] = []

    @property
    def blocked_until(self) -> float:
        """When the account's hold ends (0: not held; inf: until restarted)."""
        return self.hold.until

    @property
    def blocked_reason(self) -> str | None:
        """The provider's words for the current hold."""
        return self.hold.detail

    async def run(self, stopping: asyncio.Event) -> None:
        """Claim and send until ``stopping`` is set; then finish in-flight sends and return.

        A continuous pipeline: this loop keeps a buffer of claimed deliveries topped up (it
        claims again when fewer than a batch are waiting), workers take from it, and outcomes
        are written in the background — so the database thread, the rate limiter and the
        provider calls all stay busy. Deliveries claimed but not started when stopping go back
        to the queue untouched.
        """
        self._stopping = stopping
        self._failure = None
        workers = [
            asyncio.create_task(self._guarded(self._worker())) for _ in range(self.worker_count)
        ]
        workers.append(asyncio.create_task(self._guarded(self._notice_loop())))
        flusher = asyncio.create_task(self._guarded(self._flush_periodically()))
        try:
            while not stopping.is_set():
                if self.hold.active():
                    await self._while_held()
                    continue
                if self._marked:
                    await self._end_hold()
                if len(self._buffer) >= self.claim_size:
                    self._need_more.clear()
                    await wait_any(self._need_more, stopping)
                    continue
                batch = await self._claim()
                if batch:
                    self._buffer.extend(batch)
                    self._has_work.set()
                    continue
                if self._buffer or self._busy:
                    self._need_more.clear()
                    await wait_any(self._need_more, stopping, within=self.options.idle_poll)
                else:
                    await self._idle(self._min_rank())
        finally:
            await self._wind_down(stopping, workers, flusher)
        if self._failure is not None:
            # a worker or a write failed (the store stayed unreachable): the run fails as a
            # whole, so the engine restarts it (see recover)
            failure, self._failure = self._failure, None
            raise failure

    async def _wind_down(
        self,
        stopping: asyncio.Event,
        workers: list[asyncio.Task[None]],
        flusher: asyncio.Task[None],
    ) -> None:
        """Stop the workers and the notices (in-flight sends get ``STOP_GRACE``), put claimed
        but unstarted deliveries back untouched and write every outcome; a failed write is
        kept as the run's failure."""
        stopping.set()
        self.hold.stop()
        self._has_work.set()
        await finish(workers, STOP_GRACE)
        unstarted, self._buffer = list(self._buffer), deque()
        self._outcomes += [untouched(d, d.parts_done) for d in unstarted]
        flusher.cancel()
        await asyncio.gather(flusher, return_exceptions=True)
        self._hand_off()
        pending, self._writes = self._writes, []
        for result in await asyncio.gather(*pending, return_exceptions=True):
            if isinstance(result, Exception) and self._failure is None:
                self._failure = result

    async def _guarded(self, work: Awaitable[None]) -> None:
        """Run a worker or the flusher; its failure stops the whole run (which then raises)."""
        try:
            await work
        except Exception as exc:
            if self._failure is None:
                self._failure = exc
            self._stopping.set()
            self._has_work.set()
            self._need_more.set()
            self.notices.set()

    async def recover(self) -> None:
        """Before a failed run is restarted: write the outcomes it could not write (so what
        was sent is not sent again), then put what it had claimed back in the queue."""
        while self._unwritten:
            outcomes, polls = self._unwritten[0]
            await self._store_outcomes(outcomes, polls)
            self._unwritten.pop(0)
        self._outcomes, self._polls, self._buffer, self._busy = [], [], deque(), 0
        requeued = await self.store.requeue_in_flight(self.account)
        if requeued:
            log.warning(
                "account %s: requeued %s deliveries of its failed run", self.account, requeued
            )

    async def _worker(self) -> None:
        buffer = self._buffer
        while True:
            while not self._buffer:
                if self._stopping.is_set():
                    return
                self._need_more.set()
                self._has_work.clear()
                # stopping also sets _has_work (see run), so one event is enough here
                await self._has_work.wait()
            if self._stopping.is_set():
                return
            buffer = self._buffer
            delivery = buffer.popleft()
            if len(buffer) < self.claim_size:
                self._need_more.set()
            self._busy += 1
            try:
                outcome = await self._deliver(delivery)
            except asyncio.CancelledError:
                # cancelled by a stop past its grace: back to the queue, as after a crash
                self._outcomes.append(untouched(delivery, delivery.parts_done))
                raise
            finally:
                self._busy -= 1
            # append only after the await: a flush may have swapped the list meanwhile
            self._outcomes.append(outcome)
            if len(self._outcomes) >= self.claim_size:
                await self.flush()

    async def _while_held(self) -> None:
        """Claim nothing; hold the account's queued deliveries in the store (again when new
        ones were planned), so the status says why they wait and until when."""
        hold = self.hold
        if self._marked != hold.until or self.wake.is_set():
            self.wake.clear()
            self._marked = hold.until
            endless = math.isinf(hold.until)
            next_at = time.time() + RECHECK if endless else hold.until
            assert hold.reason is not None
            await self.store.hold_queued(
                self.account, hold.reason, None if endless else hold.until, next_at
            )
        await wait_any(self._stopping, self.wake, within=min(1.0, hold.until - time.time()))

    async def _end_hold(self) -> None:
        """The hold is over: what it held is due now."""
        self._marked = 0.0
        await self.flush()  # held outcomes still buffered first, or they would hold again
        await self._settle_writes(0)
        await self.store.release_holds(self.account)

    def _min_rank(self) -> int:
        return Priority.emergency.rank if self.quiet() else 0

    async def _claim(self) -> list[ClaimedDelivery]:
        return await self.store.claim_deliveries(
            self.account, self.claim_size, time.time(), self._min_rank()
        )

    async def _idle(self, min_rank: int) -> None:
        now = time.monotonic()
        if (
            self.options.sweep_stray_claims
            and now - self._swept > SWEEP_EVERY
            and not self._outcomes
            and all(w.done() for w in self._writes)
        ):
            # nothing claimed, in flight or unwritten here, and this process holds the
            # account: a row still 'sending' is a stray — a claim whose COMMIT went through
            # while its connection was lost, so the store ran the claim again and this one
            # never reached the sender. Without this the dispatch would never finish.
            self._swept = now
            strays = await self.store.requeue_in_flight(self.account)
            if strays:
                log.warning("account %s: requeued %s stray claims", self.account, strays)
                return
        due = await self.store.next_due(self.account, min_rank)
        timeout = self.options.idle_poll
        if due is not None:
            timeout = max(0.0, min(timeout, due - time.time()))
        self.wake.clear()
        await wait_any(self.wake, self._stopping, within=timeout)

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.options.flush_interval)
            await self.flush()

    async def flush(self) -> None:
        """Hand the buffered outcomes to a background write (at most two writes pending)."""
        if self._hand_off():
            await self._settle_writes(2)

    def _hand_off(self) -> bool:
        if not self._outcomes:
            return False
        outcomes, self._outcomes = self._outcomes, []
        polls, self._polls = self._polls, []
        self._writes.append(asyncio.create_task(self._write(outcomes, polls)))
        return True

    async def _settle_writes(self, keep: int) -> None:
        while len(self._writes) > keep:
            await self._writes.pop(0)

    async def _write(self, outcomes: list[Outcome], polls: list[PollRef]) -> None:
        try:
            await self._store_outcomes(outcomes, polls)
        except Exception:
            self._unwritten.append((outcomes, polls))  # for recover()
            raise

    async def _store_outcomes(self, outcomes: list[Outcome], polls: list[PollRef]) -> None:
        # polls first: a vote may arrive the moment the poll is out
        await self.store.add_polls(polls)
        await self.store.record_outcomes(outcomes)
        if self._receipts:
            # provider message id → delivery, so receipts (delivered, read, failed) find it
            await self.store.record_sent_messages(
                self.account,
                [(mid, o.id) for o in outcomes for mid in o.provider_ids if mid],
            )
        for status, count in Counter(o.status.value for o in outcomes).items():
            self.metrics.delivery(self.adapter.channel, self.account, status, count)

    async def _deliver(self, d: ClaimedDelivery) -> Outcome:
        checked = await self._prepare(d)
        if isinstance(checked, Outcome):
            return checked
        return await self._send_parts(d, checked)

    async def _prepare(self, d: ClaimedDelivery) -> Outcome | list[ChannelMessage]:
        """The delivery's messages, or its outcome when it must not be sent."""
        if d.group_status is not GroupStatus.active:
            error = f"group is {d.group_status.value}"
            return outcome(d, DeliveryStatus.cancelled, d.parts_done, error=error)
        entry = self.cache.peek(d.announcement_id) or await self.cache.get(d.announcement_id)
        if not entry.hash_ok or entry.record.content_hash != d.dispatch_hash:
            await self._cancel_dispatch(d.dispatch_id, "content differs from the approved hash")
            error = "refused: content differs from the approved hash"
            return outcome(d, DeliveryStatus.failed, d.parts_done, error=error)
        if entry.expired:
            await self._cancel_dispatch(d.dispatch_id, "announcement expired")
            return outcome(d, DeliveryStatus.cancelled, d.parts_done, error="announcement expired")
        return self.cache.messages(entry, d.language)

    async def _send_parts(self, d: ClaimedDelivery, messages: list[ChannelMessage]) -> Outcome:
        address, part, moves = d.address, d.parts_done, 0
        ids: list[str] = list(d.provider_ids)
        notes: list[str] = []
        hold = self.hold
        while part < len(messages):
            if hold.until and hold.active():
                return hold.outcome(d, part, ids)
            try:
                await self.adapter.prepare(messages[part], address)
            except Exception as exc:  # a look-up failed: nothing was sent, try again later
                return self._retry(d, part, ids, f"{type(exc).__name__}: {exc}")
            if part > d.parts_done and not self.limiter.free:
                ready_in = self.limiter.address_ready_in(address)
                if ready_in > PARK_AFTER:
                    return self._parked(d, part, ids, notes, ready_in)
            try:
                result = await self._send_one(messages[part], address)
            except Exception as exc:
                rule = rule_for(exc)
                if rule.delivery is Delivery.MOVE and moves < MAX_MOVES:
                    assert isinstance(exc, AddressMoved)
                    moves += 1
                    address = await self._move(d, address, exc)
                    continue
                return await self._outcome_of(d, part, ids, exc, rule)
            if result is None:  # stopping, or the account is held: nothing was sent
                return hold.outcome(d, part, ids) if hold.active() else untouched(d, part, ids)
            ids.append(result.message_id)
            if result.poll_id is not None:
                self._polls.append(
                    PollRef(
                        account=self.account,
                        poll_id=result.poll_id,
                        announcement_id=d.announcement_id,
                        dispatch_id=d.dispatch_id,
                        group_id=d.group_id,
                    )
                )
            if result.note:
                notes.append(result.note)
            part += 1
            if result.last:
                part = len(messages)  # the rest is not sent: nothing to wait for
        self.sent += 1
        error = "; ".join(notes) or None
        return outcome(d, DeliveryStatus.sent, part, ids, attempted=True, error=error)

    async def _send_one(self, message: ChannelMessage, address: str) -> SendResult | None:
        """One provider call within the limits; None when the wait for the rate limiter was
        cut short (stopping, or the account is held)."""
        async with self.limiter.slot(address, self.hold.interrupt) as granted:
            if not granted:
                return None
            started = time.perf_counter()
            if self._send_slots is None:
                result = await self.adapter.send(message, address)
            else:
                async with self._send_slots:
                    result = await self.adapter.send(message, address)
        self._sends += 1
        if self._sends % LATENCY_SAMPLE == 1:  # the first send is always observed
            self.metrics.latency(self.adapter.channel, time.perf_counter() - started)
        return result

    async def _notice_loop(self) -> None:
        """Send the account's notices when told there are some, and every ``idle_poll``."""
        while not self._stopping.is_set():
            await wait_any(self.notices, self._stopping, within=self.options.idle_poll)
            if self._stopping.is_set():
                return
            if self.hold.active() or self.limiter.paused_for > 0:
                # the notices wait with the deliveries
                await wait_any(self._stopping, within=min(1.0, self.options.idle_poll))
                continue
            self.notices.clear()
            await self.send_notices()

    async def send_notices(self) -> int:
        """Send the account's queued notices now, in order, through the limiter; how many went
        out. A round ends at the first notice the table keeps for later (the account paused or
        held, the provider unreachable): the rest waits behind it. Nothing is sent while the
        account is held or paused."""
        sent = 0
        async with self._notice_round:  # one round at a time, so no notice goes out twice
            if self.hold.active() or self.limiter.paused_for > 0:
                return sent
            for notice in await self.store.pending_notices(self.account):
                done = await self._send_notice(notice)
                if done is None:
                    break
                sent += done
        return sent

    async def _send_notice(self, notice: Notice) -> int | None:
        """1: sent; 0: ended with an error; None: kept for a later round."""
        try:
            async with self.limiter.slot(notice.address, self.hold.interrupt) as granted:
                if not granted:
                    return None
                await self.adapter.notify(notice.address, notice.text)
        except Exception as exc:
            rule = rule_for(exc)
            self._on_account(rule, exc)
            if rule.notice is NoticeAct.LATER:
                log.warning("notice %s of %s not sent yet: %s", notice.id, self.account, exc)
                return None
            await self.store.finish_notice(notice.id, str(exc))
            return 0
        await self.store.finish_notice(notice.id)
        return 1

    async def _cancel_dispatch(self, dispatch_id: int, reason: str) -> None:
        if dispatch_id in self._cancelled_dispatches:
            return
        self._cancelled_dispatches.add(dispatch_id)
        count = await self.store.cancel_deliveries(dispatch_id, reason)
        await self.store.audit(
            AuditRecord(
                actor=SYSTEM,
                action="dispatch.deliveries_cancelled",
                object_type="dispatch",
                object_id=str(dispatch_id),
                detail={"reason": reason, "count": count},
            )
        )
