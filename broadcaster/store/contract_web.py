"""Store contract, part 2: what the dashboard and the JSON API need (login credentials, sessions,
API tokens, content history, progress by region). Kept apart from :mod:`.contract` so each concern
stays small; :class:`~.contract.Store` inherits it, so every engine implements it and the one
contract suite covers it.

Secrets are never stored: passwords as argon2 hashes (made by the caller), session ids and API
tokens as SHA-256 hex digests (made by the caller; both are 32 random bytes, so a fast hash is
enough).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from content.model import Announcement

from .records import AuditRecord

if TYPE_CHECKING:
    from .contract import Store


@dataclass(frozen=True)
class ApiToken:
    id: int
    user: str
    label: str
    read_only: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class WebSession:
    user: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ContentVersion:
    """A replaced version of an announcement's content."""

    announcement_id: int
    version: int
    content: Announcement
    content_hash: str
    at: datetime


class WebStore(ABC):
    """Credentials, sessions, API tokens, content history and progress by region."""

    # -- passwords -------------------------------------------------------------------------
    @abstractmethod
    async def set_password_hash(self, user: str, password_hash: str, audit: AuditRecord) -> None:
        """Store (or replace) the user's password hash and end all their sessions.
        Raises NotFound when the user does not exist."""

    @abstractmethod
    async def get_password_hash(self, user: str) -> str | None:
        """The stored hash, or None when the user has no password (or does not exist)."""

    # -- sessions --------------------------------------------------------------------------
    @abstractmethod
    async def create_session(self, id_hash: str, user: str, expires_at: float) -> None:
        """Remember a new session (by the hash of its id)."""

    @abstractmethod
    async def get_session(self, id_hash: str, now: float) -> WebSession | None:
        """The session when it exists and has not expired at ``now``."""

    @abstractmethod
    async def delete_session(self, id_hash: str) -> None:
        """End one session (logout). Idempotent."""

    @abstractmethod
    async def purge_sessions(self, now: float) -> int:
        """Delete sessions expired at ``now``; return how many."""

    # -- API tokens ------------------------------------------------------------------------
    @abstractmethod
    async def add_api_token(
        self, user: str, label: str, token_hash: str, read_only: bool, audit: AuditRecord
    ) -> ApiToken:
        """A new token acting as ``user``. Raises NotFound when the user does not exist."""

    @abstractmethod
    async def find_api_token(self, token_hash: str, now: float) -> ApiToken | None:
        """The unrevoked token with that hash (its last use is set to ``now``), else None."""

    @abstractmethod
    async def list_api_tokens(self, user: str | None = None) -> list[ApiToken]:
        """Tokens (revoked ones too), oldest first; only ``user``'s when given."""

    @abstractmethod
    async def revoke_api_token(self, token_id: int, audit: AuditRecord) -> ApiToken:
        """Revoke a token (idempotent). Raises NotFound."""

    # -- history and progress --------------------------------------------------------------
    @abstractmethod
    async def previous_content(self, announcement_id: int) -> ContentVersion | None:
        """The most recent content the announcement had before its current content (every
        content change keeps the replaced version), or None if it was never changed."""

    @abstractmethod
    async def progress_by_prefix(
        self, dispatch_id: int, prefix_len: int = 4
    ) -> dict[str, dict[str, int]]:
        """Delivery counts by status per region-code prefix of the group's region (4 digits:
        the regency), e.g. ``{"3671": {"sent": 10, "queued": 2}}``."""

    # A portable default built on the rest of the contract; an engine overrides it with one
    # grouped query (SQLite does) so the dispatch page stays fast at 100,000 deliveries.
    async def progress_breakdown(
        self, dispatch_id: int, prefix_len: int = 4
    ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        """Delivery counts by status per channel and per region prefix (4: the regency):
        ``({"telegram": {"sent": 3}}, {"3671": {"sent": 3}})``."""
        store = cast("Store", self)
        progress = await store.dispatch_progress(dispatch_id, by_channel=True)
        return progress.by_channel, await self.progress_by_prefix(dispatch_id, prefix_len)
