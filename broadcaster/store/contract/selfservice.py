"""The store's part of self-service and bulk onboarding (issue 13): pending numbered region
choices, many groups added in one transaction, and user accounts that expire."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from ..records import AuditRecord, NewGroup


@dataclass(frozen=True)
class GroupKey:
    """What an existing group looks like to an import (to tell "unchanged" from "differs")."""

    channel: str
    account: str
    address: str
    region: str
    kind: str
    title: str
    language: str
    status: str


class SelfServiceStore(ABC):
    # -- region names ----------------------------------------------------------------------
    @abstractmethod
    async def region_rows(self) -> list[tuple[str, str, str, str | None]]:
        """Every region as (code, level, name, parent), in one read (the name index)."""

    # -- region choices: DAFTAR by a name that matched several regions -------------------
    @abstractmethod
    async def save_choice(
        self, account: str, address: str, voter: str, payload: str, expires_at: float
    ) -> None:
        """Remember (replacing any earlier one) what ``voter`` may answer with a number."""

    @abstractmethod
    async def get_choice(self, account: str, address: str, voter: str, now: float) -> str | None:
        """The remembered choice's payload, unless it expired."""

    @abstractmethod
    async def drop_choice(self, account: str, address: str, voter: str) -> None:
        """Forget it (answered, or replaced by a new DAFTAR)."""

    # -- bulk onboarding -----------------------------------------------------------------
    @abstractmethod
    async def groups_of_accounts(self, accounts: Sequence[str]) -> list[GroupKey]:
        """Every group (any status) of these accounts, for an import to compare against."""

    @abstractmethod
    async def add_groups(
        self, groups: Sequence[NewGroup], approved_by: str | None, audit: AuditRecord
    ) -> int:
        """Insert all of ``groups`` in one transaction with one audit entry (all or nothing;
        Conflict when one exists by then). Active ones get ``approved_by``. Returns the count."""

    # -- expiring users ------------------------------------------------------------------
    @abstractmethod
    async def set_user_valid_until(
        self, name: str, valid_until: float | None, audit: AuditRecord
    ) -> None:
        """From ``valid_until`` (epoch seconds) on the user can no longer act; None: never."""

    @abstractmethod
    async def user_valid_until(self, name: str) -> float | None:
        """When the user's account expires (None: never)."""

    @abstractmethod
    async def users_valid_until(self) -> dict[str, float]:
        """Every user with an expiry, by name."""

    @abstractmethod
    async def set_user_email(self, name: str, email: str | None, audit: AuditRecord) -> None:
        """The address invitations are e-mailed to (None: none)."""

    @abstractmethod
    async def user_email(self, name: str) -> str | None:
        """The user's e-mail address, if one was given."""
