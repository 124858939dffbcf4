"""Column lists and row → record conversion, shared by every read of both engines (so both
return identical records for the same data). A row is a tuple in the column list's order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from content.levels import Level, Priority
from content.workflow import Status

from ..contract.web import ApiToken, ModeratedReply
from ..records import (
    AnnouncementRecord,
    Approval,
    AuditEntry,
    Dispatch,
    DispatchStatus,
    Group,
    GroupStatus,
    PollRef,
    Reply,
    Role,
    ScheduleRecord,
    ScheduleStatus,
    User,
    from_ts,
)
from .base import Row

if TYPE_CHECKING:
    from content.model import Announcement

GROUP_COLS = (
    "id, channel, account, address, region, region_level, kind, title, language, status, "
    "subscribed_by, approved_by, created_at, updated_at"
)
USER_COLS = "id, name, role, scope, active, created_at"
ANN_COLS = (
    "id, short_code, author, status, content, content_hash, approved_hash, version, "
    "reject_reason, created_at, updated_at"
)
SCHED_COLS = (
    "id, announcement_id, kind, run_at, cron, timezone, status, created_by, created_at, "
    "last_fired_at, note"
)
APPROVAL_COLS = "announcement_id, approver, content_hash, at"
DISPATCH_COLS = (
    "id, announcement_id, schedule_id, fire_key, priority, content_hash, target, status, "
    "planned, created_by, created_at, finished_at, note"
)
POLL_COLS = "account, poll_id, announcement_id, dispatch_id, group_id"
REPLY_COLS = "id, account, group_id, author, text, at, status"
TOKEN_COLS = "id, user_name, label, read_only, created_at, last_used_at, revoked_at"
MODERATED_COLS = (
    "r.id, r.account, r.group_id, r.author, r.text, r.at, r.status, g.region, "
    "r.moderation_note, r.moderated_by, r.moderated_at"
)
MODERATED_FROM = "replies r LEFT JOIN groups g ON g.id = r.group_id"


def prefixed(cols: str, alias: str) -> str:
    """``cols`` with each column qualified by ``alias`` (for joins)."""
    return ", ".join(f"{alias}.{c.strip()}" for c in cols.split(","))


def group_of(row: Row) -> Group:
    created, updated = from_ts(row[12]), from_ts(row[13])
    assert created is not None and updated is not None
    return Group(
        id=int(row[0]),
        channel=row[1],
        account=row[2],
        address=row[3],
        region=row[4],
        region_level=Level(row[5]),
        kind=row[6],
        title=row[7],
        language=row[8],
        status=GroupStatus(row[9]),
        subscribed_by=row[10],
        approved_by=row[11],
        created_at=created,
        updated_at=updated,
    )


def user_of(row: Row) -> User:
    created = from_ts(row[5])
    assert created is not None
    return User(
        id=int(row[0]),
        name=row[1],
        role=Role(row[2]),
        scope=row[3],
        active=bool(row[4]),
        created_at=created,
    )


def parse_announcement(raw: str | bytes) -> Announcement:
    """A stored announcement's content. (The model, and pydantic with it, is imported on the
    first read of one: commands that never read an announcement never import it.)"""
    from content.model import Announcement

    return Announcement.model_validate_json(raw)


def announcement_of(row: Row) -> AnnouncementRecord:
    created, updated = from_ts(row[9]), from_ts(row[10])
    assert created is not None and updated is not None
    return AnnouncementRecord(
        id=int(row[0]),
        short_code=row[1],
        author=row[2],
        status=Status(row[3]),
        content=parse_announcement(row[4]),
        content_hash=row[5],
        approved_hash=row[6],
        version=int(row[7]),
        reject_reason=row[8],
        created_at=created,
        updated_at=updated,
    )


def schedule_of(row: Row) -> ScheduleRecord:
    created = from_ts(row[8])
    assert created is not None
    return ScheduleRecord(
        id=int(row[0]),
        announcement_id=int(row[1]),
        kind=row[2],
        run_at=from_ts(row[3]),
        cron=row[4],
        timezone=row[5],
        status=ScheduleStatus(row[6]),
        created_by=row[7],
        created_at=created,
        last_fired_at=from_ts(row[9]),
        note=row[10],
    )


def approval_of(row: Row) -> Approval:
    at = from_ts(row[3])
    assert at is not None
    return Approval(announcement_id=int(row[0]), approver=row[1], content_hash=row[2], at=at)


def dispatch_of(row: Row) -> Dispatch:
    created = from_ts(row[10])
    assert created is not None
    return Dispatch(
        id=int(row[0]),
        announcement_id=int(row[1]),
        schedule_id=row[2],
        fire_key=row[3],
        priority=Priority(row[4]),
        content_hash=row[5],
        target=json.loads(row[6]),
        status=DispatchStatus(row[7]),
        planned=int(row[8]),
        created_by=row[9],
        created_at=created,
        finished_at=from_ts(row[11]),
        note=row[12],
    )


def poll_of(row: Row) -> PollRef:
    return PollRef(
        account=row[0],
        poll_id=row[1],
        announcement_id=int(row[2]),
        dispatch_id=int(row[3]),
        group_id=int(row[4]),
    )


def reply_of(row: Row) -> Reply:
    at = from_ts(row[5])
    assert at is not None
    return Reply(
        id=int(row[0]),
        account=row[1],
        group_id=row[2],
        author=row[3],
        text=row[4],
        at=at,
        status=row[6],
    )


def token_of(row: Row) -> ApiToken:
    created = from_ts(row[4])
    assert created is not None
    return ApiToken(
        id=int(row[0]),
        user=row[1],
        label=row[2],
        read_only=bool(row[3]),
        created_at=created,
        last_used_at=from_ts(row[5]),
        revoked_at=from_ts(row[6]),
    )


def moderated_of(row: Row) -> ModeratedReply:
    at = from_ts(row[5])
    assert at is not None
    return ModeratedReply(
        id=int(row[0]),
        account=str(row[1]),
        group_id=None if row[2] is None else int(row[2]),
        author=str(row[3]),
        text=str(row[4]),
        at=at,
        status=str(row[6]),
        region=None if row[7] is None else str(row[7]),
        note=row[8],
        moderated_by=row[9],
        moderated_at=from_ts(row[10]),
    )


def audit_entry(row: Sequence[Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row[0]),
        at=float(row[1]),
        actor=str(row[2]),
        action=str(row[3]),
        object_type=str(row[4]),
        object_id=str(row[5]),
        detail=str(row[6]),
        content_hash=None if row[7] is None else str(row[7]),
        prev_hash=str(row[8]),
        hash=str(row[9]),
    )
