"""Store contract, part 3: per-channel state the adapters need beyond groups and deliveries
(delivery receipts by provider message id, messaging windows). Kept apart from
:mod:`.contract`; :class:`~.contract.Store` inherits it."""

from __future__ import annotations

from abc import ABC


class ChannelStore(ABC):  # noqa: B024 - channel-state methods arrive with WhatsApp (issue 4)
    """Provider receipts and per-recipient windows."""
