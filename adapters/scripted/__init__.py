"""The ``scripted`` adapter: answers at once, or fails exactly as it is told.

For tests, benchmarks and rehearsals. Settings (``[accounts.NAME]``):

``latency_ms``   delay before each answer (default 0: answer at once)
``fail_rate``    fraction of sends that fail transiently, at random (default 0)
``record``       keep every send (and a count per address) in memory for inspection
                 (default true; benchmarks turn it off so memory stays flat)
``log_path``     also append each send as a JSON line (flushed before the send returns)
``script``       list of rules ``{address, error, times, retry_after, new_address}`` where
                 error is one of transient, rate, permanent, gone, moved

From Python, :meth:`ScriptedAdapter.program` adds rules while running.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from broadcaster.adapter import (
    Adapter,
    AdapterContext,
    ChannelMessage,
    Limits,
    RenderContext,
    SendResult,
)
from broadcaster.errors import (
    AddressMoved,
    DeliveryError,
    InputError,
    PermanentError,
    RateLimited,
    RecipientGone,
    TransientError,
)
from content.model import Announcement

from ..jsonl import JsonlWriter
from ..textual import plain_text, poll_text

ERRORS = ("transient", "rate", "permanent", "gone", "moved")


@dataclass
class Rule:
    error: str
    times: int = 1
    retry_after: float = 1.0
    new_address: str | None = None

    def raise_it(self, address: str) -> None:
        if self.error == "transient":
            raise TransientError(f"scripted transient failure for {address}")
        if self.error == "rate":
            raise RateLimited("scripted rate limit", retry_after=self.retry_after)
        if self.error == "permanent":
            raise PermanentError(f"scripted permanent failure for {address}")
        if self.error == "gone":
            raise RecipientGone(f"scripted: {address} removed us")
        if self.error == "moved":
            raise AddressMoved(
                f"scripted: {address} moved", new_address=self.new_address or f"{address}-moved"
            )
        raise ValueError(f"unknown scripted error {self.error!r}; use one of {ERRORS}")


@dataclass(frozen=True)
class Sent:
    address: str
    message: ChannelMessage
    at: float


class ScriptedAdapter(Adapter):
    channel: ClassVar[str] = "scripted"

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        s = context.settings
        self.latency = float(s.get("latency_ms", 0)) / 1000
        self.fail_rate = float(s.get("fail_rate", 0))
        self.record = bool(s.get("record", True))
        self.sent: list[Sent] = []
        self.notices: list[tuple[str, str]] = []
        self.count = 0
        self.per_address: dict[str, int] = defaultdict(int)
        self._rules: dict[str, list[Rule]] = defaultdict(list)
        self._limits = Limits(text_max=int(s.get("text_max", 4096)))
        log_path = s.get("log_path")
        self.writer = JsonlWriter(context.data_dir / str(log_path)) if log_path else None
        for raw in s.get("script", []) or []:
            self.program(**_rule_args(raw))

    @property
    def limits(self) -> Limits:
        return self._limits

    @classmethod
    def normalize_address(cls, address: str) -> str:
        value = address.strip()
        if not value:
            raise InputError("address must not be empty")
        return value

    def program(
        self,
        address: str,
        error: str,
        times: int = 1,
        retry_after: float = 1.0,
        new_address: str | None = None,
    ) -> None:
        """Make the next ``times`` sends to ``address`` fail with ``error``."""
        if error not in ERRORS:
            raise ValueError(f"unknown scripted error {error!r}; use one of {ERRORS}")
        self._rules[address].append(Rule(error, times, retry_after, new_address))

    def render(
        self, announcement: Announcement, language: str, ctx: RenderContext
    ) -> list[ChannelMessage]:
        messages = [ChannelMessage("text", {"text": plain_text(announcement, language, ctx)})]
        poll = poll_text(announcement, language)
        if poll is not None:
            messages.append(ChannelMessage("poll", {"text": poll}))
        return messages

    async def notify(self, address: str, text: str) -> None:
        """Service messages are recorded like sends, with kind ``notice``."""
        self.notices.append((address, text))

    async def sandbox_group(self, title: str) -> str:
        """Any name is an address here: the slug of ``title``."""
        return "-".join(title.lower().split()) or "group"

    async def start(self) -> None:
        if self.writer is not None:
            self.writer.start()

    async def stop(self) -> None:
        if self.writer is not None:
            await self.writer.stop()

    async def send(self, message: ChannelMessage, address: str) -> SendResult:
        if self.latency:
            await asyncio.sleep(self.latency)
        rules = self._rules.get(address)
        if rules:
            rule = rules[0]
            rule.times -= 1
            if rule.times <= 0:
                rules.pop(0)
            rule.raise_it(address)
        if self.fail_rate and random.random() < self.fail_rate:
            raise TransientError("scripted random transient failure")
        self.count += 1
        if self.record:  # per-address memory would grow with the audience otherwise
            self.per_address[address] += 1
            self.sent.append(Sent(address, message, time.monotonic()))
        if self.writer is not None:
            await self.writer.write({"address": address, "kind": message.kind, "n": self.count})
        return SendResult(f"{self.account}:{self.count}")


def _rule_args(raw: Mapping[str, Any]) -> dict[str, Any]:
    allowed = {"address", "error", "times", "retry_after", "new_address"}
    unknown = set(raw) - allowed
    if unknown:
        raise InputError(
            f"scripted rule: unknown keys {sorted(unknown)}; allowed {sorted(allowed)}"
        )
    return dict(raw)


__all__ = ["DeliveryError", "ScriptedAdapter"]
