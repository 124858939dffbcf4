"""Starting a dispatch: the one implementation behind :func:`start_dispatch`.

:class:`~broadcaster.announcements.Workflow` and the scheduling bridge both call it; the checks it
makes are :mod:`broadcaster.sendable`'s.
"""

from __future__ import annotations

from datetime import datetime

from content.workflow import Status

from .auth import SYSTEM
from .errors import Conflict, IntegrityError
from .sendable import approval_problem, approved_content_ok, check_sendable
from .store.contract import Store
from .store.records import (
    AnnouncementRecord,
    AuditRecord,
    Dispatch,
    DispatchStatus,
    ScheduleRecord,
)

_FIRING = (Status.scheduled, Status.dispatching)


async def start_dispatch(
    store: Store,
    announcement_id: int,
    schedule: ScheduleRecord | None,
    fire_time: datetime,
    actor: str = SYSTEM,
    *,
    approvals_required: int = 1,
) -> Dispatch | None:
    """Create the dispatch for one firing (None if that firing already has one).

    Refuses (IntegrityError, audited as ``dispatch.refused``) content whose hash differs from
    the approved hash, or whose approved hash lacks ``approvals_required`` distinct approvers
    other than the author (a pin forged directly in the database); refuses (Expired) content
    that has expired.
    """
    record = await store.get_announcement(announcement_id)
    await _check_firing(store, record, schedule, actor, approvals_required)
    key = (
        f"s{schedule.id}@{fire_time.timestamp():.0f}"
        if schedule
        else f"a{record.id}@manual@{fire_time.timestamp()}"
    )
    approved_hash = record.approved_hash
    assert approved_hash is not None
    dispatch = await store.create_dispatch(
        record.id,
        schedule.id if schedule else None,
        key,
        record.content.priority,
        approved_hash,
        record.content.target.model_dump(mode="json"),
        actor,
        AuditRecord(
            actor=actor,
            action="dispatch.create",
            object_type="dispatch",
            object_id="",
            detail={"announcement": record.id, "fire_key": key},
            content_hash=approved_hash,
        ),
    )
    if dispatch is None:
        return None
    await _confirm(store, record.id, approved_hash, dispatch, actor)
    return dispatch


async def _check_firing(
    store: Store,
    record: AnnouncementRecord,
    schedule: ScheduleRecord | None,
    actor: str,
    approvals_required: int,
) -> None:
    """Raise unless ``record`` may fire now (state, approvals, hash, expiry)."""
    if schedule is not None and schedule.announcement_id != record.id:
        raise Conflict(
            f"schedule {schedule.id} belongs to announcement {schedule.announcement_id}, "
            f"not {record.id}"
        )
    if record.status not in _FIRING:
        raise Conflict(f"announcement {record.id} is {record.status.value}; not dispatching it")
    problem = await approval_problem(store, record, approvals_required)
    if problem is not None:
        await store.audit(
            AuditRecord(
                actor=actor,
                action="dispatch.refused",
                object_type="announcement",
                object_id=str(record.id),
                detail={"reason": problem},
                content_hash=record.content_hash,
            )
        )
        raise IntegrityError(f"announcement {record.id}: {problem}; not sending")
    check_sendable(record, hash_ok=True)  # the hash was checked just above: expiry


async def _confirm(
    store: Store, announcement_id: int, approved_hash: str, dispatch: Dispatch, actor: str
) -> None:
    """The checks ran on a snapshot: if the announcement was cancelled or its content changed
    while the dispatch was being created, take the dispatch back at once; else mark the
    announcement dispatching."""
    for _ in range(3):
        fresh = await store.get_announcement(announcement_id)
        if (
            fresh.status not in _FIRING
            or fresh.approved_hash != approved_hash
            or not approved_content_ok(fresh)
        ):
            why = f"announcement {announcement_id} changed ({fresh.status.value}) while dispatching"
            await store.set_dispatch_status(
                dispatch.id,
                DispatchStatus.cancelled,
                AuditRecord(
                    actor=actor,
                    action="dispatch.cancel",
                    object_type="dispatch",
                    object_id=str(dispatch.id),
                    detail={"reason": why},
                ),
                note=why,
            )
            raise Conflict(f"{why}; dispatch {dispatch.id} cancelled")
        if fresh.status is Status.dispatching:
            return
        try:
            await store.save_announcement(
                fresh.id,
                fresh.version,
                AuditRecord(
                    actor=actor,
                    action="announcement.dispatching",
                    object_type="announcement",
                    object_id=str(fresh.id),
                ),
                status=Status.dispatching,
            )
        except Conflict:
            continue  # changed meanwhile (another firing, a cancel): look again
        return
    raise Conflict(
        f"announcement {announcement_id} keeps changing; dispatch {dispatch.id} left as is"
    )
