"""Announcements and their rendered messages, cached per sender.

Rendering once per (announcement, language) instead of once per group keeps the hot path cheap.
Each entry re-reads the announcement after ``ttl`` seconds, so a cancellation or expiry is noticed
quickly, and checks on every load that the content still hashes to the approved hash.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from ..adapter import Adapter, ChannelMessage, RenderContext
from ..sendable import approved_content_ok, is_expired
from ..store.contract import Store
from ..store.records import AnnouncementRecord


@dataclass
class CachedAnnouncement:
    record: AnnouncementRecord
    loaded_at: float
    hash_ok: bool
    rendered: dict[str, list[ChannelMessage]] = field(default_factory=dict)

    @property
    def expired(self) -> bool:
        return is_expired(self.record)


class ContentCache:
    def __init__(
        self, store: Store, adapter: Adapter, verify_base: str | None, ttl: float = 5.0
    ) -> None:
        self.store = store
        self.adapter = adapter
        self.verify_base = verify_base.rstrip("/") if verify_base else None
        self.ttl = ttl
        self._entries: dict[int, CachedAnnouncement] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def peek(self, announcement_id: int) -> CachedAnnouncement | None:
        """The cached entry when it is fresh, without awaiting (the hot path)."""
        entry = self._entries.get(announcement_id)
        if entry is not None and time.monotonic() - entry.loaded_at <= self.ttl:
            return entry
        return None

    async def get(self, announcement_id: int) -> CachedAnnouncement:
        entry = self._entries.get(announcement_id)
        if entry is not None and time.monotonic() - entry.loaded_at <= self.ttl:
            return entry
        # single flight: many workers miss at once; only one of them reads the store
        lock = self._locks.setdefault(announcement_id, asyncio.Lock())
        async with lock:
            return await self._load(announcement_id)

    async def _load(self, announcement_id: int) -> CachedAnnouncement:
        entry = self._entries.get(announcement_id)
        now = time.monotonic()
        if entry is None or now - entry.loaded_at > self.ttl:
            record = await self.store.get_announcement(announcement_id)
            ok = approved_content_ok(record)
            if entry is not None and entry.record.content_hash == record.content_hash:
                entry.record, entry.loaded_at, entry.hash_ok = record, now, ok
            else:
                entry = CachedAnnouncement(record, now, ok)
                self._entries[announcement_id] = entry
        return entry

    def messages(self, entry: CachedAnnouncement, language: str) -> list[ChannelMessage]:
        rendered = entry.rendered.get(language)
        if rendered is None:
            record = entry.record
            verify = f"{self.verify_base}/v/{record.short_code}" if self.verify_base else None
            rendered = self.adapter.render(
                record.content, language, RenderContext(record.id, record.short_code, verify)
            )
            entry.rendered[language] = rendered
        return rendered
