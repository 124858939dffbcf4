"""JSON shapes of the API (and the data the dashboard pages render)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from content.model import Announcement, Level
from content.workflow import Status

from ..store.records import GroupStatus, Role


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(_Out):
    detail: str
    problems: list[str] = Field(default_factory=list)


class UserOut(_Out):
    name: str
    role: Role
    scope: str | None
    active: bool


class ApprovalOut(_Out):
    approver: str
    content_hash: str
    at: datetime
    current: bool


class ScheduleOut(_Out):
    id: int
    kind: str
    run_at: datetime | None
    cron: str | None
    timezone: str
    status: str
    created_by: str
    note: str | None


class DispatchOut(_Out):
    id: int
    announcement_id: int
    status: str
    priority: str
    planned: int
    created_at: datetime
    finished_at: datetime | None
    note: str | None


class AnnouncementOut(_Out):
    id: int
    short_code: str
    status: Status
    author: str
    version: int
    title: str
    priority: str
    content: Announcement
    content_hash: str
    approved_hash: str | None
    reject_reason: str | None
    created_at: datetime
    updated_at: datetime
    verify_url: str


class AnnouncementDetail(AnnouncementOut):
    approvals: list[ApprovalOut]
    approvals_required: int
    schedules: list[ScheduleOut]
    dispatches: list[DispatchOut]
    actions: list[str]


class AnnouncementPage(_Out):
    items: list[AnnouncementOut]
    limit: int
    offset: int


class FieldChange(_Out):
    field: str
    before: str
    after: str


class ChangesOut(_Out):
    """What changed since the previous version of the content."""

    announcement_id: int
    previous_version: int | None
    previous_hash: str | None
    changes: list[FieldChange]
    body_diff: list[str]


class ContentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: Announcement


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=2000)


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when: str = Field(
        "now",
        max_length=200,
        description="'now', an ISO time (local to service.timezone), or 'cron:M H D M W'",
    )


class PreviewMessage(_Out):
    kind: str
    text: str
    #: the message drawn as its app shows it (WhatsApp bubble with buttons, Telegram's
    #: formatting), sanitized HTML for the dashboard's previews
    html: str = ""


class ChannelPreview(_Out):
    account: str
    channel: str
    messages: list[PreviewMessage]


class PreviewOut(_Out):
    problems: list[str]
    channels: list[ChannelPreview]


class CountPart(_Out):
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    remaining: int = 0
    total: int = 0


class HoldOut(_Out):
    """Deliveries waiting for one cause: ``reason`` (quiet_hours, daily_cap, rate_limited,
    account_blocked), how many, until when (None: until an operator acts), and ``text``
    ("ditahan sampai 05.30 (jam tenang) / held until 05:30 (quiet hours)")."""

    reason: str
    count: int
    until: datetime | None
    text: str


class ProgressOut(_Out):
    dispatch: DispatchOut
    sent: int
    failed: int
    cancelled: int
    remaining: int
    total: int
    rate_per_second: float
    eta_seconds: float | None
    by_channel: dict[str, CountPart]
    by_regency: dict[str, CountPart]
    regency_names: dict[str, str]
    finished: bool
    #: deliveries held (part of ``remaining``), by cause
    held: int = 0
    holds: list[HoldOut] = []
    #: reason → count over failed and held deliveries (a failed one's recorded error)
    reasons: dict[str, int] = {}


class GroupOut(_Out):
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


class GroupPage(_Out):
    total: int
    items: list[GroupOut]
    limit: int


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = Field(min_length=1, max_length=100)
    address: str = Field(min_length=1, max_length=300)
    region: str = Field(min_length=2, max_length=40)
    kind: str = Field("rt", max_length=40)
    title: str = Field("", max_length=200)
    language: str = Field("id", max_length=8)
    active: bool = False


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str = Field(min_length=2, max_length=40)


class RegionNode(_Out):
    code: str
    name: str
    level: Level
    groups: int
    by_channel: dict[str, int]


class RegionTree(_Out):
    node: RegionNode | None
    children: list[RegionNode]


class ResultRow(_Out):
    region: str
    name: str
    level: Level
    groups: int
    counts: list[int]
    total: int
    #: groups that answered (of ``groups``, those the poll reached) and their share
    answered: int = 0
    response_rate: float = 0.0


class ResultsOut(_Out):
    announcement_id: int
    question: str | None
    options: list[str]
    level: Level
    rows: list[ResultRow]
    totals: list[int]


ReplyStatus = Literal["new", "handled", "hidden", "hoax"]


class ReplyOut(_Out):
    id: int
    account: str
    group_id: int | None
    region: str | None
    author: str
    text: str
    at: datetime
    status: str
    note: str | None
    moderated_by: str | None
    moderated_at: datetime | None


class ModerateIn(BaseModel):
    """``hoax`` needs a note (what is false, or the verified announcement that answers it)."""

    model_config = ConfigDict(extra="forbid")
    status: ReplyStatus
    note: str | None = Field(None, max_length=500)


class TokenOut(_Out):
    id: int
    user: str
    label: str
    read_only: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool


class TokenCreated(TokenOut):
    token: str = Field(description="the secret: shown this once, only its SHA-256 is stored")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=80)
    read_only: bool = False
    user: str | None = Field(
        None, min_length=1, max_length=64, description="whose token (default: the caller)"
    )


class AuditOut(_Out):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    detail: str
    content_hash: str | None
    hash: str


class AuditVerifyOut(_Out):
    ok: bool
    checked: int
    first_bad_entry: int | None
    problem: str | None


class PublicApproval(_Out):
    role: str
    name: str | None
    at: datetime


class PublicVerification(_Out):
    """What /v/CODE shows anyone, without login."""

    short_code: str
    status: Status
    genuine: bool
    title: str
    body: str
    source: str | None
    priority: str
    content_hash: str
    approved_at: datetime | None
    approvals: list[PublicApproval]
    expires_at: datetime | None


Lang = Literal["id", "en"]
#: a row id in a path: positive and within SQLite's (and PostgreSQL's) 64-bit integers
IdPath = Annotated[int, Path(ge=1, le=2**62)]
