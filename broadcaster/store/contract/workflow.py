"""Store contract, workflow role: what the announcement workflow, the CLI and the directory
need — regions, groups, users, announcements, approvals, schedules, and the audit log. Mutating
methods take an :class:`AuditRecord` and append it to the hash-chained audit log *in the same
transaction* as the change, so the log can never disagree with the data."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from content.levels import Level
from content.workflow import Status

from ..records import (
    AnnouncementRecord,
    Approval,
    AuditEntry,
    AuditRecord,
    Group,
    GroupFilter,
    GroupStatus,
    ImportStats,
    NewGroup,
    Region,
    Role,
    ScheduleRecord,
    ScheduleStatus,
    User,
)

if TYPE_CHECKING:
    from content.model import Announcement


class WorkflowStore(ABC):
    """Regions, groups, users, announcements, approvals, schedules, the audit log."""

    # -- regions ---------------------------------------------------------------------------
    @abstractmethod
    async def import_regions(self, regions: Sequence[Region], audit: AuditRecord) -> ImportStats:
        """Insert new regions and rename changed ones in ONE transaction; never deletes.

        The caller has validated the rows (parents exist in the batch or the store).
        """

    @abstractmethod
    async def get_regions(self, codes: Sequence[str]) -> dict[str, Region]:
        """The stored regions among ``codes``."""

    @abstractmethod
    def iter_regions(
        self, under: str | None = None, level: Level | None = None, batch: int = 1000
    ) -> AsyncIterator[Region]:
        """Stream regions in code order, optionally only those under ``under`` / at ``level``."""

    @abstractmethod
    async def count_regions(self, under: str | None = None, level: Level | None = None) -> int:
        """How many regions :meth:`iter_regions` would yield."""

    # -- groups ----------------------------------------------------------------------------
    @abstractmethod
    async def add_group(self, group: NewGroup, audit: AuditRecord) -> Group:
        """Add a group. Raises Conflict when (channel, account, address) exists, NotFound when
        its region does not."""

    @abstractmethod
    async def get_group(self, group_id: int) -> Group:
        """Raises NotFound."""

    @abstractmethod
    async def find_group(self, channel: str, account: str, address: str) -> Group | None:
        """The group at that address, if any."""

    @abstractmethod
    def iter_groups(self, where: GroupFilter, batch: int = 1000) -> AsyncIterator[Group]:
        """Stream matching groups ordered by (region, id): one indexed range scan, batched."""

    @abstractmethod
    async def count_groups(self, where: GroupFilter, by: str | None = None) -> dict[str, int]:
        """Counts of matching groups; ``by`` in (None, "status", "channel", "kind", "level")."""

    @abstractmethod
    async def update_group(
        self,
        group_id: int,
        audit: AuditRecord,
        *,
        status: GroupStatus | None = None,
        region: str | None = None,
        address: str | None = None,
        approved_by: str | None = None,
        kind: str | None = None,
    ) -> Group:
        """Change the given fields. Raises NotFound / Conflict (address taken)."""

    # -- users -----------------------------------------------------------------------------
    @abstractmethod
    async def add_user(self, name: str, role: Role, scope: str | None, audit: AuditRecord) -> User:
        """Raises Conflict when the name exists."""

    @abstractmethod
    async def get_user(self, name: str) -> User:
        """Raises NotFound."""

    @abstractmethod
    async def list_users(self) -> list[User]:
        """All users by name."""

    @abstractmethod
    async def update_user(
        self,
        name: str,
        audit: AuditRecord,
        *,
        role: Role | None = None,
        scope: str | None = None,
        active: bool | None = None,
    ) -> User:
        """Raises NotFound."""

    # -- announcements ---------------------------------------------------------------------
    @abstractmethod
    async def create_announcement(
        self, author: str, content: Announcement, content_hash: str, audit: AuditRecord
    ) -> AnnouncementRecord:
        """A new draft."""

    @abstractmethod
    async def get_announcement(self, announcement_id: int) -> AnnouncementRecord:
        """Raises NotFound."""

    @abstractmethod
    async def find_announcement(self, short_code: str) -> AnnouncementRecord | None:
        """By its public short code."""

    @abstractmethod
    async def list_announcements(
        self, status: Status | None = None, limit: int = 100, offset: int = 0
    ) -> list[AnnouncementRecord]:
        """Newest first."""

    @abstractmethod
    async def save_announcement(
        self,
        announcement_id: int,
        expected_version: int,
        audit: AuditRecord,
        *,
        status: Status,
        content: Announcement | None = None,
        content_hash: str | None = None,
        approved_hash: str | None = None,
        clear_approved: bool = False,
        reject_reason: str | None = None,
    ) -> AnnouncementRecord:
        """Write a new version. Raises Conflict when the stored version is not
        ``expected_version`` (someone else changed it meanwhile)."""

    @abstractmethod
    async def add_approval(
        self, announcement_id: int, approver: str, content_hash: str, audit: AuditRecord
    ) -> list[Approval]:
        """Record an approval of that exact hash; return the approvals of that hash.
        Raises Conflict when the approver already approved that hash."""

    @abstractmethod
    async def list_approvals(self, announcement_id: int) -> list[Approval]:
        """Every approval ever given, oldest first (for the trail)."""

    # -- schedules -------------------------------------------------------------------------
    @abstractmethod
    async def create_schedule(
        self,
        announcement_id: int,
        kind: str,
        run_at: float | None,
        cron: str | None,
        timezone: str,
        created_by: str,
        audit: AuditRecord,
    ) -> ScheduleRecord:
        """A new active schedule."""

    @abstractmethod
    async def get_schedule(self, schedule_id: int) -> ScheduleRecord:
        """Raises NotFound."""

    @abstractmethod
    async def list_schedules(
        self, status: ScheduleStatus | None = None, announcement_id: int | None = None
    ) -> list[ScheduleRecord]:
        """Oldest first."""

    @abstractmethod
    async def update_schedule(
        self,
        schedule_id: int,
        audit: AuditRecord | None,
        *,
        status: ScheduleStatus | None = None,
        last_fired_at: float | None = None,
        note: str | None = None,
    ) -> ScheduleRecord:
        """Raises NotFound."""

    # -- audit -----------------------------------------------------------------------------
    @abstractmethod
    async def audit(self, record: AuditRecord) -> AuditEntry:
        """Append an entry for an action that changes nothing else."""

    @abstractmethod
    def iter_audit(self, batch: int = 1000) -> AsyncIterator[AuditEntry]:
        """Every entry in sequence order."""

    @abstractmethod
    async def audit_head(self) -> tuple[int, str] | None:
        """(seq, hash) recorded at the last append."""

    @abstractmethod
    async def list_audit(
        self, limit: int = 50, object_type: str | None = None, object_id: str | None = None
    ) -> list[AuditEntry]:
        """Newest first."""
