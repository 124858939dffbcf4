"""Fault injection for Bot API requests: 429 storms, 5xx answers, slow answers, dropped
connections.

Rules are matched against each Bot API request (method, bot, chat) in the order they were added.
A ``slow`` rule adds delay and lets the request continue; the first matching ``rate_limit``,
``server_error`` or ``drop`` rule decides the answer. Each hit consumes one unit of the rule's
``count``; a rule also ends when its ``seconds`` have passed. Random chaos (per-request
probabilities from :class:`~adapters.sandbox.telegram.config.FaultsConfig`) applies to send
methods after the rules.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass, field
from typing import Any, cast

from .config import FaultKind, FaultRuleConfig, FaultsConfig

JsonDict = dict[str, Any]
_KINDS: frozenset[str] = frozenset({"rate_limit", "server_error", "slow", "drop"})


def is_send_method(method: str) -> bool:
    """Whether a lower-case method name sends a message (and so counts against limits)."""
    return method.startswith("send") and method != "sendchataction"


@dataclass(slots=True)
class FaultRule:
    """An installed rule; ``remaining`` is ``None`` for unlimited, ``expires_at`` is monotonic."""

    id: int
    kind: FaultKind
    remaining: int | None
    expires_at: float | None
    retry_after: int
    status: int
    delay_ms: float
    methods: frozenset[str]
    chat_id: int | None
    bot_id: int | None
    hits: int = 0

    def matches(self, method: str, bot_id: int, chat_id: int | None) -> bool:
        if self.bot_id is not None and self.bot_id != bot_id:
            return False
        if self.chat_id is not None and self.chat_id != chat_id:
            return False
        if "*" in self.methods or method in self.methods:
            return True
        return "send*" in self.methods and is_send_method(method)

    def to_json(self) -> JsonDict:
        return {
            "id": self.id,
            "kind": self.kind,
            "remaining": self.remaining,
            "expires_in": (
                None if self.expires_at is None else max(0.0, self.expires_at - time.monotonic())
            ),
            "retry_after": self.retry_after,
            "status": self.status,
            "delay_ms": self.delay_ms,
            "methods": sorted(self.methods),
            "chat_id": self.chat_id,
            "bot_id": self.bot_id,
            "hits": self.hits,
        }


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What to do with one request: delay it, then possibly fail it."""

    delay_ms: float = 0.0
    kind: FaultKind | None = None
    retry_after: int = 1
    status: int = 502
    slow_rules: int = 0


@dataclass(slots=True)
class FaultInjector:
    """Holds the rules; :meth:`decide` is called once per Bot API request."""

    config: FaultsConfig = field(default_factory=FaultsConfig)
    rules: list[FaultRule] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _random: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._random = random.Random(self.config.seed)
        for rule in self.config.rules:
            self.add(rule)

    def add(self, spec: FaultRuleConfig) -> FaultRule:
        """Install a rule; raises ``ValueError`` for an unknown kind or bad numbers."""
        if spec.kind not in _KINDS:
            raise ValueError(f"unknown fault kind {spec.kind!r}")
        if spec.count is not None and spec.count < 1:
            raise ValueError("count must be at least 1")
        if spec.seconds is not None and spec.seconds <= 0:
            raise ValueError("seconds must be positive")
        if spec.kind == "server_error" and not 500 <= spec.status <= 599:
            raise ValueError("status must be a 5xx code")
        methods = frozenset(
            name if name in ("*", "send*") else name.lower() for name in spec.methods
        ) or frozenset({"send*"})
        rule = FaultRule(
            id=next(self._ids),
            kind=spec.kind,
            remaining=spec.count,
            expires_at=None if spec.seconds is None else time.monotonic() + spec.seconds,
            retry_after=max(1, spec.retry_after),
            status=spec.status,
            delay_ms=max(0.0, spec.delay_ms),
            methods=methods,
            chat_id=spec.chat_id,
            bot_id=spec.bot_id,
        )
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        before = len(self.rules)
        self.rules = [rule for rule in self.rules if rule.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        self.rules.clear()

    def active(self) -> list[FaultRule]:
        self._expire(time.monotonic())
        return list(self.rules)

    def decide(self, method: str, bot_id: int, chat_id: int | None) -> FaultDecision:
        """Consume matching rules and roll the random chaos for one request."""
        self._expire(time.monotonic())
        delay = 0.0
        slow = 0
        for rule in self.rules:
            if not rule.matches(method, bot_id, chat_id):
                continue
            self._consume(rule)
            if rule.kind == "slow":
                delay += rule.delay_ms
                slow += 1
                continue
            self._expire(time.monotonic())
            return FaultDecision(delay, rule.kind, rule.retry_after, rule.status, slow)
        self._expire(time.monotonic())
        if is_send_method(method):
            chaos = self._chaos()
            if chaos is not None:
                return FaultDecision(delay, chaos, self.config.random_retry_after, 502, slow)
        return FaultDecision(delay, slow_rules=slow)

    def _chaos(self) -> FaultKind | None:
        config = self.config
        roll = self._random.random()
        if roll < config.server_error_rate:
            return "server_error"
        roll -= config.server_error_rate
        if roll < config.drop_rate:
            return "drop"
        roll -= config.drop_rate
        if roll < config.rate_limit_rate:
            return "rate_limit"
        return None

    @staticmethod
    def _consume(rule: FaultRule) -> None:
        rule.hits += 1
        if rule.remaining is not None:
            rule.remaining -= 1

    def _expire(self, now: float) -> None:
        self.rules = [
            rule
            for rule in self.rules
            if (rule.remaining is None or rule.remaining > 0)
            and (rule.expires_at is None or rule.expires_at > now)
        ]


def rule_from_json(body: JsonDict, bot_id: int | None) -> FaultRuleConfig:
    """Build a rule from an admin request body; raises ``ValueError`` on bad input."""
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}")
    methods = body.get("methods", ["send*"])
    if isinstance(methods, str):
        methods = [methods]
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise ValueError("methods must be a list of method names")
    return FaultRuleConfig(
        kind=cast(FaultKind, kind),  # checked against _KINDS above
        count=_optional_int(body, "count"),
        seconds=_optional_float(body, "seconds"),
        retry_after=_optional_int(body, "retry_after") or 5,
        status=_optional_int(body, "status") or 502,
        delay_ms=_optional_float(body, "delay_ms") or 0.0,
        methods=tuple(methods),
        chat_id=_optional_int(body, "chat_id"),
        bot_id=bot_id,
    )


def _optional_int(body: JsonDict, name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} must be a number")
    return int(value)


def _optional_float(body: JsonDict, name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{name} must be a number")
    return float(value)
