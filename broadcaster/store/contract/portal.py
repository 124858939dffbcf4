"""The store's reads behind the public portal (``/``, ``/wilayah/CODE``, the feeds, the embed).

Only announcements that went out are ever returned: status ``dispatching`` or ``done``, never a
draft, a submitted, approved, rejected, scheduled or cancelled one, and not one that expired
before anything of it was sent. The engines keep a listing of them (migration 0013) so the
newest page is an index read even with hundreds of thousands of announcements.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from ..records import AnnouncementRecord, Region


@dataclass(frozen=True, kw_only=True)
class PortalItem:
    announcement: AnnouncementRecord
    published_at: float  # epoch seconds when it started going out


class PortalStore(ABC):
    """Public listings: nothing here needs a login, so nothing here may leak an unsent text."""

    @abstractmethod
    async def portal_items(
        self,
        *,
        now: float,
        region: str | None = None,
        query: str = "",
        limit: int = 20,
        offset: int = 0,
    ) -> list[PortalItem]:
        """Published announcements, newest first (ties: newer id first).

        ``region``: only those whose target covers it: a target on one of its ancestors, on the
        region itself, or on a part of it (a descendant). ``query``: only those whose title,
        body (any language) or source contains it, case-insensitively (ASCII case folding).
        ``now``: an announcement whose expiry is at or before ``now`` is left out unless at least
        one of its deliveries was sent."""

    @abstractmethod
    async def portal_children(self, code: str | None) -> list[Region]:
        """The regions whose parent is ``code`` (``None``: the top-level regions), by code."""
