"""The store's dead letters: what the inbox and the health endpoints use.

A dead letter is an inbound update the system skipped because it could not be read (malformed,
or a shape nothing understands) or could not be applied after several tries. Skipping it keeps
inbound flowing (one bad update must not stop every later one); the dead letter keeps the skip
visible to operators (``/metrics``, ``/healthz``). Only the update's reference and the reason
are kept, never its content: an update can hold residents' names and messages.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class DeadLetter:
    account: str
    ref: str  # the provider's reference of the update, e.g. Telegram "<bot id>:<update id>"
    reason: str
    at: float  # epoch seconds when it was skipped


class DeadLetterStore(ABC):
    """Inbound updates skipped on purpose, by account."""

    @abstractmethod
    async def add_dead_letter(self, account: str, ref: str, reason: str) -> bool:
        """Keep a skipped update; False when ``(account, ref)`` is kept already (a redelivery
        of the same update counts once)."""

    @abstractmethod
    async def dead_letter_counts(self) -> dict[str, int]:
        """Dead letters per account (accounts without any are left out)."""

    @abstractmethod
    async def list_dead_letters(self, limit: int = 50) -> list[DeadLetter]:
        """The newest dead letters, newest first."""
