"""Store contract, web role: what the dashboard and the JSON API need (login credentials,
sessions, API tokens, moderation, content history, progress by region).

Secrets are never stored: passwords as argon2 hashes (made by the caller), session ids and API
tokens as SHA-256 hex digests (made by the caller; both are 32 random bytes, so a fast hash is
enough).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from content.workflow import Status

from ..records import AnnouncementRecord, AuditRecord, Dispatch

if TYPE_CHECKING:
    from content.model import Announcement

    from . import Store


@dataclass(frozen=True, kw_only=True)
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


@dataclass(frozen=True, kw_only=True)
class WebSession:
    user: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class ContentVersion:
    """A replaced version of an announcement's content."""

    announcement_id: int
    version: int
    content: Announcement
    content_hash: str
    at: datetime


#: What a moderator can make of a resident's reply: ``new`` (untouched), ``handled`` (answered or
#: acted on), ``hidden`` (abusive or off-topic, kept for the record) or ``hoax`` (flagged as
#: misinformation, to follow up with a verified announcement).
REPLY_STATUSES: tuple[str, ...] = ("new", "handled", "hidden", "hoax")


@dataclass(frozen=True, kw_only=True)
class ModeratedReply:
    """A resident's reply with the region of its group and the last moderation of it."""

    id: int
    account: str
    group_id: int | None
    author: str
    text: str
    at: datetime
    status: str
    region: str | None  # the group's region; None when the group is unknown
    note: str | None
    moderated_by: str | None
    moderated_at: datetime | None


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

    # -- scoped lists ------------------------------------------------------------------------
    @abstractmethod
    async def list_visible_announcements(
        self,
        scope: str | None,
        author: str | None = None,
        status: Status | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AnnouncementRecord]:
        """Newest first, like ``list_announcements``, but with ``scope`` set only those a user
        scoped there may see: one of the target regions lies within ``scope`` or contains it
        (a province-wide announcement reaches a regency officer's groups too), or ``author``
        wrote it. ``scope=None``: all."""

    @abstractmethod
    async def list_visible_dispatches(
        self,
        scope: str | None,
        author: str | None = None,
        announcement_id: int | None = None,
        limit: int = 100,
    ) -> list[Dispatch]:
        """Newest first; with ``scope`` only dispatches of announcements visible as in
        :meth:`list_visible_announcements`."""

    # -- moderation of replies -------------------------------------------------------------
    @abstractmethod
    async def get_moderated_reply(self, reply_id: int) -> ModeratedReply:
        """Raises NotFound."""

    @abstractmethod
    async def moderate_reply(
        self, reply_id: int, status: str, note: str | None, audit: AuditRecord
    ) -> ModeratedReply:
        """Set the reply's status (one of :data:`REPLY_STATUSES`) and note; the moderator is
        ``audit.actor`` and the change is audited in the same transaction. Raises NotFound, or
        InputError for an unknown status."""

    @abstractmethod
    async def list_moderated_replies(
        self,
        statuses: Sequence[str] = (),
        scope: str | None = None,
        limit: int = 50,
        before_id: int | None = None,
    ) -> list[ModeratedReply]:
        """Newest first; only those in ``statuses`` when given; with ``scope`` only replies
        from groups whose region lies within it (replies of unknown groups need no scope);
        ``before_id`` pages back."""

    # -- login throttling ------------------------------------------------------------------
    @abstractmethod
    async def add_login_failure(self, key: str, at: float, forget_before: float) -> None:
        """Record a failed login under ``key``; also forget every failure (of any key) older
        than ``forget_before`` so the table stays small."""

    @abstractmethod
    async def login_failures_since(self, key: str, since: float) -> list[float]:
        """Times of ``key``'s failed logins after ``since``, oldest first."""

    @abstractmethod
    async def clear_login_failures(self, key: str) -> None:
        """Forget ``key``'s failures (after a successful login)."""

    # -- shared throttles (migration 0014) ---------------------------------------------------
    @abstractmethod
    async def add_throttle_event(self, key: str, at: float, forget_before: float) -> None:
        """Count one event under ``key`` (a SHA-256: never an address in the clear); also
        forget every event (of any key) older than ``forget_before``."""

    @abstractmethod
    async def throttle_events_since(self, key: str, since: float) -> list[float]:
        """Times of ``key``'s events after ``since``, oldest first."""

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

    # A portable default built on the rest of the contract; the SQL engines override it with
    # one grouped query (broadcaster.store.sql.web) so the dispatch page stays fast at 100,000
    # deliveries.
    async def progress_breakdown(
        self, dispatch_id: int, prefix_len: int = 4
    ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        """Delivery counts by status per channel and per region prefix (4: the regency):
        ``({"telegram": {"sent": 3}}, {"3671": {"sent": 3}})``."""
        store = cast("Store", self)
        progress = await store.dispatch_progress(dispatch_id, by_channel=True)
        return progress.by_channel, await self.progress_by_prefix(dispatch_id, prefix_len)
