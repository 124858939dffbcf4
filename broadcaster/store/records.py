"""Plain records the store reads and writes. Times are aware UTC datetimes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from content.levels import Level, Priority
from content.workflow import Status

if TYPE_CHECKING:
    from content.model import Announcement


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_ts(when: datetime) -> float:
    return when.timestamp()


def from_ts(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


class GroupStatus(StrEnum):
    pending = "pending"
    active = "active"
    paused = "paused"
    removed = "removed"


class Role(StrEnum):
    admin = "admin"
    officer = "officer"
    verifier = "verifier"
    group_admin = "group_admin"


class DispatchStatus(StrEnum):
    planning = "planning"
    sending = "sending"
    done = "done"
    cancelled = "cancelled"


class DeliveryStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"


class ScheduleStatus(StrEnum):
    active = "active"
    done = "done"
    missed = "missed"
    cancelled = "cancelled"


@dataclass(frozen=True, kw_only=True)
class Region:
    code: str
    level: Level
    name: str
    parent: str | None


@dataclass(frozen=True, kw_only=True)
class ImportStats:
    added: int
    updated: int
    unchanged: int


@dataclass(frozen=True, kw_only=True)
class NewGroup:
    channel: str
    account: str
    address: str
    region: str
    kind: str
    title: str = ""
    language: str = "id"
    status: GroupStatus = GroupStatus.pending
    subscribed_by: str = ""


@dataclass(frozen=True, kw_only=True)
class Group:
    id: int
    channel: str
    account: str
    address: str
    region: str
    region_level: Level
    kind: str
    title: str
    language: str
    status: GroupStatus
    subscribed_by: str
    approved_by: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class GroupFilter:
    """Which groups: all of them under ``region`` (None = everywhere), narrowed by the rest.

    Empty tuples mean "any".
    """

    region: str | None = None
    levels: tuple[Level, ...] = ()
    kinds: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    statuses: tuple[GroupStatus, ...] = ()
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class User:
    id: int
    name: str
    role: Role
    scope: str | None  # region code; None = the whole installation (admins)
    active: bool
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class AnnouncementRecord:
    id: int
    short_code: str
    author: str
    status: Status
    content: Announcement
    content_hash: str
    approved_hash: str | None
    version: int
    reject_reason: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class Approval:
    announcement_id: int
    approver: str
    content_hash: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ScheduleRecord:
    id: int
    announcement_id: int
    kind: str  # now | once | cron
    run_at: datetime | None
    cron: str | None
    timezone: str
    status: ScheduleStatus
    created_by: str
    created_at: datetime
    last_fired_at: datetime | None
    note: str | None


@dataclass(frozen=True, kw_only=True)
class Dispatch:
    id: int
    announcement_id: int
    schedule_id: int | None
    fire_key: str
    priority: Priority
    content_hash: str
    target: dict[str, Any]
    status: DispatchStatus
    planned: int
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    note: str | None


class ClaimedDelivery(NamedTuple):
    """A delivery marked ``sending`` by a claim, with what the sender needs to send it.

    A named tuple: one is built per delivery on the hot path, where a frozen dataclass's
    constructor costs several times more.
    """

    id: int
    dispatch_id: int
    announcement_id: int
    group_id: int
    address: str
    language: str
    attempts: int
    parts_done: int
    group_status: GroupStatus
    provider_ids: tuple[str, ...] = ()  # ids of parts sent by earlier attempts
    dispatch_hash: str = ""  # the content hash the dispatch was created with


@dataclass(
    slots=True, kw_only=True
)  # not frozen: one is built per delivery, and frozen init is slower
class Outcome:
    """What happened to one claimed delivery; written back in batches.

    ``provider_ids`` is the whole list (earlier attempts' ids included): it replaces the stored
    value. ``next_at`` is set exactly when the delivery goes back to the queue. ``held_reason``
    (with ``held_until``) says it waits for a cause outside it (see
    :mod:`broadcaster.store.contract.holds`); every other outcome clears a hold.
    """

    id: int
    status: DeliveryStatus
    attempts: int
    parts_done: int
    next_at: float | None = None
    provider_ids: tuple[str, ...] = ()
    error: str | None = None
    held_reason: str | None = None
    held_until: float | None = None


@dataclass(frozen=True, kw_only=True)
class Progress:
    dispatch_id: int
    planned: int
    by_status: dict[str, int]
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return self.by_status.get("queued", 0) + self.by_status.get("sending", 0)


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    """An audit entry to append (the store adds time, sequence and the hash chain)."""

    actor: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any] = field(default_factory=dict)
    content_hash: str | None = None


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    seq: int
    at: float
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: str  # canonical JSON, exactly as hashed
    content_hash: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True, kw_only=True)
class PollRef:
    """A poll we sent: which announcement, dispatch and group a provider poll id belongs to."""

    account: str
    poll_id: str
    announcement_id: int
    dispatch_id: int
    group_id: int


@dataclass(frozen=True, kw_only=True)
class GroupTally:
    """Answers of one group to one announcement's poll: counts per option index."""

    group_id: int
    region: str
    channel: str
    counts: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class Reply:
    id: int
    account: str
    group_id: int | None
    author: str
    text: str
    at: datetime
    status: str


@dataclass(frozen=True, kw_only=True)
class Notice:
    id: int
    account: str
    address: str
    text: str
