"""Counters the sandbox keeps for tests, benchmarks and rehearsals."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SendRecord:
    """One accepted send: monotonic time (seconds), bot, chat, method, paid-broadcast flag."""

    at: float
    bot_id: int
    chat_id: int
    method: str
    paid: bool


@dataclass(slots=True)
class SandboxStats:
    """Live counters; read them directly or through :meth:`to_json` (``GET /sandbox/stats``).

    ``send_log`` keeps the most recent accepted sends (bounded by ``send_log_limit``) so a
    benchmark can check the observed rate in any window, per bot or per chat.
    """

    send_log_limit: int = 1_000_000
    requests: int = 0
    sends_accepted: int = 0
    paid_sends: int = 0
    #: Paid-broadcast sends beyond the free per-bot rate: each costs 0.1 Stars on Telegram.
    paid_over_free: int = 0
    method_counts: Counter[str] = field(default_factory=Counter)
    status_counts: Counter[int] = field(default_factory=Counter)
    rate_limited: Counter[int] = field(default_factory=Counter)
    flood_blocks: Counter[int] = field(default_factory=Counter)
    faults_injected: Counter[str] = field(default_factory=Counter)
    #: Request body encodings seen: "json", "urlencoded", "multipart" or "none".
    body_encodings: Counter[str] = field(default_factory=Counter)
    webhook_deliveries: int = 0
    webhook_failures: int = 0
    webhook_dropped: int = 0
    send_log: deque[SendRecord] = field(default_factory=deque)

    def record_send(self, record: SendRecord) -> None:
        self.sends_accepted += 1
        if record.paid:
            self.paid_sends += 1
        self.send_log.append(record)
        while len(self.send_log) > self.send_log_limit:
            self.send_log.popleft()

    def chat_send_times(self, chat_id: int) -> list[float]:
        """Monotonic times of the accepted sends to ``chat_id``, oldest first."""
        return [record.at for record in self.send_log if record.chat_id == chat_id]

    def bot_send_times(self, bot_id: int) -> list[float]:
        """Monotonic times of the accepted sends by ``bot_id``, oldest first."""
        return [record.at for record in self.send_log if record.bot_id == bot_id]

    def max_in_window(self, window_seconds: float, chat_id: int | None = None) -> int:
        """The largest number of accepted sends in any ``window_seconds`` span (all chats, or
        one chat), a direct check that a client respected a limit."""
        times = (
            self.chat_send_times(chat_id)
            if chat_id is not None
            else [record.at for record in self.send_log]
        )
        best = 0
        start = 0
        for end, at in enumerate(times):
            while at - times[start] >= window_seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def to_json(self) -> JsonDict:
        return {
            "requests": self.requests,
            "sends_accepted": self.sends_accepted,
            "paid_sends": self.paid_sends,
            "paid_over_free": self.paid_over_free,
            "method_counts": dict(self.method_counts),
            "status_counts": {str(code): count for code, count in self.status_counts.items()},
            "rate_limited": {str(bot): count for bot, count in self.rate_limited.items()},
            "flood_blocks": {str(bot): count for bot, count in self.flood_blocks.items()},
            "faults_injected": dict(self.faults_injected),
            "body_encodings": dict(self.body_encodings),
            "webhook_deliveries": self.webhook_deliveries,
            "webhook_failures": self.webhook_failures,
            "webhook_dropped": self.webhook_dropped,
            "send_log_size": len(self.send_log),
        }
