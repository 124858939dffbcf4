"""SQLite side of :class:`~broadcaster.store.contract_channels.ChannelStore`."""

from __future__ import annotations

from .base import SqliteBase


class ChannelMixin(SqliteBase):
    """Provider receipts and per-recipient windows."""
