"""Store reads behind scoped audit listings (see :mod:`broadcaster.audit_scope`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from ..records import AuditEntry


@dataclass(frozen=True)
class AuditObject:
    """Where an audited object lies: the regions it concerns and, for announcements (and their
    schedules and dispatches), their author. ``scope_of_user``: a user's (or an API token
    owner's) scope, ``None`` for an installation-wide one."""

    regions: tuple[str, ...] = ()
    author: str | None = None
    is_user: bool = False
    scope_of_user: str | None = None


ObjectRef = tuple[str, str]  # (object_type, object_id) of an audit entry


class AuditScopeStore(ABC):
    @abstractmethod
    async def list_audit_page(
        self,
        limit: int,
        before_seq: int | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
    ) -> list[AuditEntry]:
        """Newest first, only entries older than ``before_seq`` when given."""

    @abstractmethod
    async def audit_objects(self, refs: Sequence[ObjectRef]) -> dict[ObjectRef, AuditObject]:
        """Where each referenced object lies; objects that no longer exist are left out."""
