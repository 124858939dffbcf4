"""SQLite side of :class:`~broadcaster.store.contract_web.WebStore`."""

from __future__ import annotations

from .base import SqliteBase


class WebMixin(SqliteBase):
    """Credentials and API tokens."""
