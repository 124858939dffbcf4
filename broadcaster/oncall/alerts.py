"""The alert task: tells the on-call verifiers at once when an emergency waits for verification
or a CAP draft arrives, and escalates when nobody approves in time.

It runs in one process only (the scheduler lease holder; every process of a SQLite store holds
it), supervised like every engine task. Each round it

1. closes the open alerts of announcements that need none any longer (approved, rejected, …);
2. for every announcement needing alerts (:func:`.rules.needs_alert`) decides the next level
   from its alert log in the store: nobody told yet → level 0, the on-call verifiers of its
   region whose rota window covers now; the last level told ``escalate_after`` minutes ago and
   still not approved → the next level: 1, the next on-call verifier in rota order, then 2, the
   admins whose scope covers it. A level with nobody to tell falls through to the next at once;
3. records the alerts and their notices in ONE store transaction (:meth:`record_alerts`), which
   skips anybody told before: a crash between rounds loses nothing (the log is the state) and a
   restart repeats nothing.

"Of that region" means the verifier may approve it: role and region scope cover every target
region (:func:`broadcaster.auth.allowed`), and they are not its author. The messages go out as
notices of the account configured for each channel (``[oncall.accounts]``); they carry a link to
the dashboard's approve page, where approval needs a login and a CSRF token — a chat answer
approves nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from content.i18n import t

from ..auth import SYSTEM, Perm, allowed
from ..config import Settings
from ..metrics import Metrics
from ..store.contract import Store
from ..store.contract.oncall import AlertRecord, NewAlert, OncallEntry
from ..store.records import AnnouncementRecord, AuditRecord, Role, User
from .metrics import OncallMetrics
from .rota import covers
from .rules import ADMINS, NEXT_ON_CALL, ON_DUTY, REASONS, alerts_over, is_cap_draft, needs_alert
from .timings import timings

log = logging.getLogger(__name__)

Clock = Callable[[], float]

#: seconds after an approval during which this process watches the reach for the metrics
WATCH_REACH = 86400.0


def approve_path(announcement_id: int) -> str:
    """The phone-friendly approve page of the dashboard."""
    return f"/emergency/{announcement_id}"


class Alerter:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        wake: asyncio.Event,
        clock: Clock = time.time,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.config = settings.oncall
        self.wake = wake
        self.clock = clock
        self.zone = ZoneInfo(self.config.timezone or settings.service.timezone)
        self.metrics = OncallMetrics(metrics.registry) if metrics is not None else None
        #: approved announcement → when it was approved, until its reach was observed
        self._reach: dict[int, float] = {}

    async def run(self, stopping: asyncio.Event) -> None:
        """Alert, escalate and close until ``stopping``; wake early when :attr:`wake` is set."""
        while not stopping.is_set():
            self.wake.clear()
            await self.round()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(self.wake, stopping), self.config.scan_seconds)

    async def round(self) -> int:
        """One pass; returns how many people were told."""
        await self._close()
        told = 0
        for announcement_id in await self.store.alert_candidates():
            record = await self.store.get_announcement(announcement_id)
            if needs_alert(record):
                told += await self._consider(record)
        return told

    async def _close(self) -> None:
        """Close the alerts of announcements that need none any longer; the metrics observe
        how long each stage took."""
        still_open = 0
        for announcement_id, _ in await self.store.open_alerted():
            record = await self.store.get_announcement(announcement_id)
            if not alerts_over(record):
                still_open += 1
                continue
            closed = await self.store.close_alerts(
                record.id, record.status.value, _audit("oncall.close", record, {})
            )
            if closed and self.metrics is not None and record.approved_hash is not None:
                found = await timings(self.store, record.id)
                for stage in ("system", "human", "verify"):
                    self.metrics.observe(stage, getattr(found, f"{stage}_seconds"))
                self._reach[record.id] = found.approved_at or self.clock()
        if self.metrics is not None:
            self.metrics.waiting.set(still_open)
            await self._watch_reach()

    async def _watch_reach(self) -> None:
        assert self.metrics is not None
        for announcement_id, approved_at in list(self._reach.items()):
            found = await timings(self.store, announcement_id)
            if found.p95_seconds is not None:
                self.metrics.observe("first", found.first_seconds)
                self.metrics.observe("p95", found.p95_seconds)
                del self._reach[announcement_id]
            elif self.clock() - approved_at > WATCH_REACH:
                del self._reach[announcement_id]

    async def _consider(self, record: AnnouncementRecord) -> int:
        earlier = await self.store.alerts_for(record.id)
        now = self.clock()
        if earlier:
            last = max(earlier, key=lambda a: (a.level, a.at))
            # every message of the last level failed (a closed WhatsApp window, a blocked
            # bot): nobody was told, so the next level need not wait
            unreached = all(a.failed for a in earlier if a.level == last.level)
            waited = now - last.at >= self.config.escalate_after * 60
            if last.level >= ADMINS or not (waited or unreached):
                return 0
            level = last.level + 1
        else:
            level = ON_DUTY
        entries = await self.store.list_oncall()
        users = await self._users(now)
        while level <= ADMINS:
            alerts = await self._recipients(level, record, entries, users, earlier, now)
            if alerts:
                return await self._record(record, level, alerts)
            level += 1
        return 0

    async def _users(self, now: float) -> dict[str, User]:
        expired = {n for n, until in (await self.store.users_valid_until()).items() if until <= now}
        return {u.name: u for u in await self.store.list_users() if u.name not in expired}

    def _may_verify(self, user: User | None, record: AnnouncementRecord) -> bool:
        return (
            user is not None
            and user.name != record.author
            and allowed(user, Perm.announcements_verify, record.content.target.regions)
        )

    async def _recipients(
        self,
        level: int,
        record: AnnouncementRecord,
        entries: Sequence[OncallEntry],
        users: dict[str, User],
        earlier: Sequence[AlertRecord],
        now: float,
    ) -> list[tuple[str, str, str]]:
        """(user, channel, address) to tell at ``level``, nobody told before."""
        told = {(a.username, a.address) for a in earlier}
        mine = [
            e
            for e in entries
            if self._may_verify(users.get(e.username), record)
            and (e.username, e.address) not in told
            and self._account(e.channel) is not None
        ]
        if level == ON_DUTY:
            local = datetime.fromtimestamp(now, UTC).astimezone(self.zone)
            return [(e.username, e.channel, e.address) for e in mine if covers(e, local)]
        if level == NEXT_ON_CALL:
            return [(e.username, e.channel, e.address) for e in mine[:1]]
        return await self._admins(record, entries, users, told)

    async def _admins(
        self,
        record: AnnouncementRecord,
        entries: Sequence[OncallEntry],
        users: dict[str, User],
        told: set[tuple[str, str]],
    ) -> list[tuple[str, str, str]]:
        """Every admin who may approve it, on their rota addresses (any window), else by the
        e-mail address of their profile."""
        found: list[tuple[str, str, str]] = []
        for user in users.values():
            if user.role is not Role.admin or not self._may_verify(user, record):
                continue
            own = [(e.channel, e.address) for e in entries if e.username == user.name]
            if not own:
                email = await self.store.user_email(user.name)
                own = [("email", email)] if email else []
            if not own:
                log.warning("admin %s cannot be alerted: no on-call entry, no e-mail", user.name)
            found += [
                (user.name, channel, address)
                for channel, address in own
                if (user.name, address) not in told and self._account(channel) is not None
            ]
        return found

    def _account(self, channel: str) -> str | None:
        account = self.config.accounts.get(channel)
        if account is None or account not in self.settings.accounts:
            log.warning(
                "on-call alerts on %s need [oncall.accounts] %s = ACCOUNT", channel, channel
            )
            return None
        return account

    async def _record(
        self, record: AnnouncementRecord, level: int, people: list[tuple[str, str, str]]
    ) -> int:
        text = await self._text(record, level)
        alerts = []
        for user, channel, address in people:
            account = self._account(channel)
            assert account is not None  # recipients have one
            alerts.append(
                NewAlert(
                    username=user,
                    channel=channel,
                    account=account,
                    address=address,
                    level=level,
                    reason=REASONS[level],
                    text=text,
                )
            )
        detail = {"level": level, "told": sorted({p[0] for p in people})}
        added = await self.store.record_alerts(
            record.id, alerts, _audit("oncall.alert", record, detail), at=self.clock()
        )
        if added and self.metrics is not None:
            for a in added:
                self.metrics.alerts.labels(str(a.level), a.channel).inc()
        if added:
            log.warning(
                "announcement %s waits for verification: level %s alert to %s",
                record.id,
                level,
                ", ".join(sorted({a.username for a in added})),
            )
        return len(added)

    async def _text(self, record: AnnouncementRecord, level: int) -> str:
        content = record.content
        codes = list(content.target.regions)
        names = await self.store.get_regions(codes)
        regions = ", ".join(f"{names[c].name} ({c})" if c in names else c for c in codes)
        link = self.settings.service.public_url.rstrip("/") + approve_path(record.id)
        kind = "oncall.kind.cap" if is_cap_draft(record) else "oncall.kind.emergency"
        text = t(
            "oncall.alert",
            "id",
            kind=t(kind, "id"),
            title=content.variant("id").title,
            source=content.source or t("oncall.no_source", "id"),
            regions=regions or "-",
            link=link,
        )
        if level > ON_DUTY:
            minutes = f"{self.config.escalate_after:g}"
            text = t("oncall.escalated", "id", level=level, minutes=minutes) + text
        return text


def _audit(action: str, record: AnnouncementRecord, detail: dict[str, object]) -> AuditRecord:
    return AuditRecord(
        actor=SYSTEM,
        action=action,
        object_type="announcement",
        object_id=str(record.id),
        detail=detail,
        content_hash=record.content_hash,
    )


async def _first(*events: asyncio.Event) -> None:
    """Return when any of ``events`` is set."""
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
