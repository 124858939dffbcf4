"""The verification workflow: compose → submit → approve (someone else) → schedule → dispatch.

Invariant: nothing is dispatched that was not approved, unchanged, by enough people other than its
author. Approval pins the SHA-256 of the canonical content (target included); any edit voids the
approvals and returns the announcement to draft; :func:`start_dispatch` recomputes the hash and
refuses content that differs from the approved hash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from content.hashing import content_hash
from content.model import Announcement
from content.validation import PollLimits, validate
from content.workflow import Action, Status, next_status
from schedules.spec import ScheduleSpec

from .auth import SYSTEM, Perm, require
from .dispatching import start_dispatch as start_dispatch  # the one implementation
from .errors import (
    Conflict,
    ContentInvalid,
    InputError,
    IntegrityError,
    PermissionDenied,
)
from .expiry import ensure_current
from .oncall.rules import needs_alert
from .regions import level_of
from .sendable import approval_problem, check_sendable
from .store.contract import Store
from .store.records import (
    AnnouncementRecord,
    Approval,
    AuditRecord,
    Dispatch,
    DispatchStatus,
    ScheduleRecord,
    ScheduleStatus,
    User,
)


def target_regions(content: Announcement) -> list[str]:
    return list(content.target.regions)


def _transition(record: AnnouncementRecord, action: Action) -> Status:
    new = next_status(record.status, action)
    if new is None:
        raise Conflict(
            f"announcement {record.id} is {record.status.value}; cannot {action.value} it"
        )
    return new


class Workflow:
    def __init__(
        self,
        store: Store,
        approvals_required: int = 1,
        poll_limits: PollLimits | None = None,
    ) -> None:
        self.store = store
        self.approvals_required = approvals_required
        self.poll_limits = poll_limits or PollLimits()
        #: called when an announcement may need on-call alerts (the engine's WorkSignal)
        self.on_alert: Callable[[], None] | None = None

    async def _alert(self, record: AnnouncementRecord) -> AnnouncementRecord:
        """Wake the on-call alerter at once (here and in other processes) when ``record`` is
        an emergency waiting for verification or a CAP draft; it also scans on its own."""
        if needs_alert(record):
            await self.store.wake_alerts()
            if self.on_alert is not None:
                self.on_alert()
        return record

    async def _user(self, name: str) -> User:
        return await ensure_current(self.store, await self.store.get_user(name))

    async def _problems(self, content: Announcement) -> list[str]:
        problems = [
            f"{p.field}: {p.message_en}"
            for p in validate(content, self.poll_limits, datetime.now(UTC))
        ]
        codes = [*content.target.regions, *content.target.exclude]
        malformed = [c for c in codes if level_of(c) is None]
        problems += [f"target: malformed region code {c!r}" for c in malformed]
        stored = await self.store.get_regions([c for c in codes if c not in malformed])
        problems += [
            f"target: region {c} does not exist"
            for c in codes
            if c not in malformed and c not in stored
        ]
        return problems

    async def create(self, acting: str, content: Announcement) -> AnnouncementRecord:
        user = await self._user(acting)
        require(user, Perm.announcements_write, target_regions(content))
        digest = content_hash(content)
        created = await self.store.create_announcement(
            user.name,
            content,
            digest,
            AuditRecord(
                actor=user.name,
                action="announcement.create",
                object_type="announcement",
                object_id="",
                detail={},
                content_hash=digest,
            ),
        )
        return await self._alert(created)

    async def edit(
        self, acting: str, announcement_id: int, content: Announcement
    ) -> AnnouncementRecord:
        user = await self._user(acting)
        record = await self.store.get_announcement(announcement_id)
        require(
            user,
            Perm.announcements_write,
            [*target_regions(record.content), *target_regions(content)],
        )
        return await self._save_edit(user.name, record, content)

    async def system_edit(
        self, actor: str, announcement_id: int, content: Announcement
    ) -> AnnouncementRecord:
        """:meth:`edit` by the service itself (``actor`` such as ``system:cap:bmkg``): the same
        edit path (approvals voided, back to draft), without a user's permission check."""
        _require_system(actor)
        return await self._save_edit(
            actor, await self.store.get_announcement(announcement_id), content
        )

    async def _save_edit(
        self, actor: str, record: AnnouncementRecord, content: Announcement
    ) -> AnnouncementRecord:
        status = _transition(record, Action.edit)
        digest = content_hash(content)
        return await self.store.save_announcement(
            record.id,
            record.version,
            AuditRecord(
                actor=actor,
                action="announcement.edit",
                object_type="announcement",
                object_id=str(record.id),
                detail={"from": record.status.value, "previous_hash": record.content_hash},
                content_hash=digest,
            ),
            status=status,
            content=content,
            content_hash=digest,
            clear_approved=True,
        )

    async def submit(self, acting: str, announcement_id: int) -> AnnouncementRecord:
        user = await self._user(acting)
        record = await self.store.get_announcement(announcement_id)
        require(user, Perm.announcements_write, target_regions(record.content))
        status = _transition(record, Action.submit)
        problems = await self._problems(record.content)
        if problems:
            raise ContentInvalid(problems)
        submitted = await self.store.save_announcement(
            record.id,
            record.version,
            AuditRecord(
                actor=user.name,
                action="announcement.submit",
                object_type="announcement",
                object_id=str(record.id),
                detail={},
                content_hash=record.content_hash,
            ),
            status=status,
        )
        return await self._alert(submitted)

    async def approve(self, acting: str, announcement_id: int) -> AnnouncementRecord:
        """Record an approval of the current hash; the last needed one approves."""
        user = await self._user(acting)
        record = await self.store.get_announcement(announcement_id)
        require(user, Perm.announcements_verify, target_regions(record.content))
        if user.name == record.author:
            raise PermissionDenied("the author cannot approve their own announcement")
        _transition(record, Action.approve)
        if content_hash(record.content) != record.content_hash:
            raise IntegrityError(
                f"announcement {record.id}: stored content does not match its hash"
            )
        try:
            approvals = await self.store.add_approval(
                record.id,
                user.name,
                record.content_hash,
                AuditRecord(
                    actor=user.name,
                    action="announcement.approval",
                    object_type="announcement",
                    object_id=str(record.id),
                    detail={"needed": self.approvals_required, "version": record.version},
                    content_hash=record.content_hash,
                ),
            )
        except Conflict:
            earlier = [
                a
                for a in await self.store.list_approvals(record.id)
                if a.approver == user.name and a.content_hash == record.content_hash
            ]
            if earlier and all(a.at < record.updated_at for a in earlier):
                raise Conflict(
                    f"{user.name} approved identical content of announcement {record.id} "
                    "before it was last edited; that approval no longer counts and the store "
                    "cannot record a second one: another verifier must approve"
                ) from None
            raise
        approvers = current_approvers(record, approvals)
        if len(approvers) < self.approvals_required:
            return record
        return await self.store.save_announcement(
            record.id,
            record.version,
            AuditRecord(
                actor=user.name,
                action="announcement.approve",
                object_type="announcement",
                object_id=str(record.id),
                detail={"approvers": sorted(approvers)},
                content_hash=record.content_hash,
            ),
            status=Status.approved,
            approved_hash=record.content_hash,
        )

    async def reject(self, acting: str, announcement_id: int, reason: str) -> AnnouncementRecord:
        if not reason.strip():
            raise InputError("a rejection needs a reason (--reason TEXT)")
        user = await self._user(acting)
        record = await self.store.get_announcement(announcement_id)
        require(user, Perm.announcements_verify, target_regions(record.content))
        if user.name == record.author:
            raise PermissionDenied("the author cannot reject their own announcement")
        status = _transition(record, Action.reject)
        return await self.store.save_announcement(
            record.id,
            record.version,
            AuditRecord(
                actor=user.name,
                action="announcement.reject",
                object_type="announcement",
                object_id=str(record.id),
                detail={"reason": reason},
                content_hash=record.content_hash,
            ),
            status=status,
            reject_reason=reason,
        )

    async def schedule(
        self, acting: str, announcement_id: int, spec: ScheduleSpec
    ) -> ScheduleRecord:
        user = await self._user(acting)
        record = await self.store.get_announcement(announcement_id)
        require(user, Perm.announcements_write, target_regions(record.content))
        if record.status not in (Status.approved, Status.scheduled, Status.dispatching):
            raise Conflict(
                f"announcement {record.id} is {record.status.value}; only approved "
                "announcements can be scheduled"
            )
        problem = await approval_problem(self.store, record, self.approvals_required)
        if problem is not None or record.approved_hash != record.content_hash:
            raise IntegrityError(
                f"announcement {record.id} changed since it was approved: "
                f"{problem or 'content hash differs from the approved hash'}"
            )
        check_sendable(record, hash_ok=True, refusal="it cannot be sent")
        run_at = spec.run_at.timestamp() if spec.run_at is not None else None
        schedule = await self.store.create_schedule(
            record.id,
            spec.kind.value,
            run_at,
            spec.cron,
            spec.timezone,
            user.name,
            AuditRecord(
                actor=user.name,
                action="schedule.create",
                object_type="schedule",
                object_id="",
                detail={
                    "announcement": record.id,
                    "kind": spec.kind.value,
                    "cron": spec.cron,
                    "run_at": run_at,
                },
                content_hash=record.content_hash,
            ),
        )
        if record.status is Status.approved:
            await self.store.save_announcement(
                record.id,
                record.version,
                AuditRecord(
                    actor=user.name,
                    action="announcement.schedule",
                    object_type="announcement",
                    object_id=str(record.id),
                    detail={"schedule": schedule.id},
                    content_hash=record.content_hash,
                ),
                status=_transition(record, Action.schedule),
            )
        return schedule

    async def cancel(
        self, acting: str, announcement_id: int, reason: str = ""
    ) -> AnnouncementRecord:
        """Cancel the announcement, its active schedules, its unfinished dispatches and their
        queued deliveries.

        The announcement is written first (version-checked), so a concurrent change makes the
        whole cancel fail with Conflict before anything else changed, and no new dispatch can
        start once it is cancelled.
        """
        user = await self._user(acting)
        record = await self.store.get_announcement(announcement_id)
        require(user, Perm.announcements_write, target_regions(record.content))
        return await self._cancel(user.name, record, reason)

    async def system_cancel(
        self, actor: str, announcement_id: int, reason: str
    ) -> AnnouncementRecord:
        """:meth:`cancel` by the service itself (a CAP Cancel), without a user's check."""
        _require_system(actor)
        return await self._cancel(actor, await self.store.get_announcement(announcement_id), reason)

    async def _cancel(
        self, actor: str, record: AnnouncementRecord, reason: str
    ) -> AnnouncementRecord:
        status = _transition(record, Action.cancel)
        why = reason or f"cancelled by {actor}"
        cancelled = await self.store.save_announcement(
            record.id,
            record.version,
            AuditRecord(
                actor=actor,
                action="announcement.cancel",
                object_type="announcement",
                object_id=str(record.id),
                detail={"reason": why},
                content_hash=record.content_hash,
            ),
            status=status,
        )
        for schedule in await self.store.list_schedules(
            ScheduleStatus.active, announcement_id=record.id
        ):
            await self.store.update_schedule(
                schedule.id,
                AuditRecord(
                    actor=actor,
                    action="schedule.cancel",
                    object_type="schedule",
                    object_id=str(schedule.id),
                ),
                status=ScheduleStatus.cancelled,
                note=why,
            )
        for dispatch in await self.store.list_dispatches(announcement_id=record.id, limit=10_000):
            if dispatch.status in (DispatchStatus.planning, DispatchStatus.sending):
                # stop planning first, so no delivery is queued after the ones cancelled below
                await self.store.set_dispatch_status(
                    dispatch.id,
                    DispatchStatus.cancelled,
                    AuditRecord(
                        actor=actor,
                        action="dispatch.cancel",
                        object_type="dispatch",
                        object_id=str(dispatch.id),
                        detail={"reason": why},
                        content_hash=dispatch.content_hash,
                    ),
                    note=why,
                )
            await self.store.cancel_deliveries(dispatch.id, why)
        return cancelled

    async def start_dispatch(
        self,
        announcement_id: int,
        schedule: ScheduleRecord | None,
        fire_time: datetime,
        actor: str = SYSTEM,
    ) -> Dispatch | None:
        """:func:`.dispatching.start_dispatch` (the one implementation) with this workflow's
        ``approvals_required``."""
        return await start_dispatch(
            self.store,
            announcement_id,
            schedule,
            fire_time,
            actor,
            approvals_required=self.approvals_required,
        )


def _require_system(actor: str) -> None:
    if actor != SYSTEM and not actor.startswith(SYSTEM + ":"):
        raise PermissionDenied(f"{actor!r} is not the service; people act through edit/cancel")


def current_approvers(record: AnnouncementRecord, approvals: Sequence[Approval]) -> set[str]:
    """Distinct non-author approvers of the record's current hash *in its current submission*.

    ``record`` must be ``submitted``: its ``updated_at`` is then the time of the submission
    (partial approvals do not write the record). An approval of the same hash given before the
    last edit belongs to an earlier round: the edit voided it, so it does not count, even when
    the content was later edited back to exactly what was approved then.
    """
    return {
        a.approver
        for a in approvals
        if a.content_hash == record.content_hash
        and a.approver != record.author
        and a.at >= record.updated_at
    }
