"""Store contract, channels role: per-channel state the adapters need beyond groups and
deliveries (delivery receipts by provider message id, messaging windows, daily send counts,
the latest poll of a group)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from ..records import PollRef

#: Receipt statuses in the order a message goes through them; a receipt never moves a message
#: backwards (providers deliver webhooks out of order: "read" may come before "delivered").
RECEIPT_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


class ChannelStore(ABC):
    """Provider receipts, per-recipient messaging windows, the latest poll per group."""

    @abstractmethod
    async def record_sent_messages(self, account: str, rows: Sequence[tuple[str, int]]) -> None:
        """Remember ``(provider message id, delivery id)`` pairs (idempotent), so receipts
        that name only the provider's id find their delivery. A ``failed`` receipt recorded
        earlier for one of these ids fails its delivery now."""

    @abstractmethod
    async def apply_receipt(
        self, account: str, message_id: str, status: str, at: float, error: str | None = None
    ) -> int | None:
        """Record a provider receipt (``sent``/``delivered``/``read``/``failed``, see
        :data:`RECEIPT_ORDER`; never moves backwards). ``failed`` also marks the delivery
        failed with ``error``. Returns the delivery id; None when the id is not (yet) known,
        in which case the receipt is kept and applied by :meth:`record_sent_messages`."""

    @abstractmethod
    async def receipt_status(self, account: str, message_id: str) -> str | None:
        """The latest receipt status of a message we sent (None: unknown message)."""

    @abstractmethod
    async def receipt_counts(self, dispatch_id: int) -> dict[str, int]:
        """Messages of a dispatch by latest receipt status (``delivered``, ``read``, …)."""

    @abstractmethod
    async def touch_window(self, account: str, address: str, at: float) -> None:
        """``address`` wrote to the account at ``at`` (Unix time): its messaging window
        (WhatsApp's 24-hour customer-service window) restarts. Never moves backwards."""

    @abstractmethod
    async def last_inbound(self, account: str, address: str) -> float | None:
        """When ``address`` last wrote to the account (Unix time), None if never."""

    @abstractmethod
    async def keep_pending_report(
        self,
        account: str,
        key: str,
        kind: str,
        at: float,
        data: Mapping[str, Any],
        forget_before: float,
    ) -> None:
        """Keep one half of a report (``kind`` ``forward`` or ``asked``) under ``key`` (a
        SHA-256, never a number) until the other half comes, in any process; a newer one of the
        same kind replaces it. Also forgets every half kept before ``forget_before``."""

    @abstractmethod
    async def take_pending_report(
        self, account: str, key: str, kind: str, since: float
    ) -> dict[str, Any] | None:
        """Remove and return the half kept under ``key`` after ``since`` (None: none). Atomic:
        of two processes taking one half, only one gets it."""

    @abstractmethod
    async def forget_pending_reports(self, before: float) -> int:
        """Forget every half kept before ``before``; how many were forgotten."""

    @abstractmethod
    async def take_daily_slot(self, account: str, day: str, cap: int) -> bool:
        """Count one more message of ``account`` on local ``day`` (``YYYY-MM-DD``) if fewer
        than ``cap`` were counted that day; False (nothing counted) once the cap is reached.
        Atomic: processes sharing the store never exceed the cap together."""

    @abstractmethod
    async def daily_sent(self, account: str, day: str) -> int:
        """Messages counted by :meth:`take_daily_slot` for ``account`` on ``day``."""

    @abstractmethod
    async def latest_poll(self, account: str, group_id: int) -> PollRef | None:
        """The poll most recently sent to the group (a reply "2" votes in it)."""
