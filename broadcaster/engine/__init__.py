"""The asyncio core: planner, per-account senders and the completion monitor."""

from .engine import Engine

__all__ = ["Engine"]
