"""What the Cloud API emulator knows: its limits, simulated residents, templates, the messages
it accepted, injected faults and counters. No I/O here (see :mod:`.server`)."""

from __future__ import annotations

import secrets
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

WINDOW_SECONDS = 24 * 3600


@dataclass
class CloudLimits:
    """Published defaults: 80 messages/s per number; pair rate about one message per 6 s to
    one recipient with bursts up to 45 (a token bucket)."""

    per_second: float = 80.0
    pair_burst: int = 45
    pair_interval: float = 6.0


@dataclass
class Resident:
    wa_id: str
    name: str
    reachable: bool = True  # False: not a WhatsApp user → failed status with 131026
    reads: bool = True  # sends a "read" receipt after "delivered"
    last_inbound: float | None = None


@dataclass
class Fault:
    """The next ``times`` sends (to ``to`` only, when given) fail with ``code``."""

    code: int
    times: int = 1
    to: str | None = None


@dataclass
class Accepted:
    id: str
    to: str
    type: str
    payload: dict[str, Any]
    at: float


class ValidationError(Exception):
    def __init__(self, code: int, details: str) -> None:
        self.code = code
        self.details = details
        super().__init__(details)


@dataclass
class CloudState:
    phone_number_id: str
    access_token: str
    app_secret: str
    display_number: str = "6281100000000"
    limits: CloudLimits = field(default_factory=CloudLimits)
    residents: dict[str, Resident] = field(default_factory=dict)
    templates: dict[tuple[str, str], int] = field(default_factory=dict)  # → body params
    faults: list[Fault] = field(default_factory=list)
    accepted: deque[Accepted] = field(default_factory=lambda: deque(maxlen=100_000))
    errors: Counter[int] = field(default_factory=Counter)
    webhook_url: str | None = None
    statuses: bool = True  # send sent/delivered/read webhooks (off for benchmarks)
    expired_token: bool = False
    _window: deque[float] = field(default_factory=deque)
    _pairs: dict[str, tuple[float, float]] = field(default_factory=dict)  # tokens, at

    # -- residents ---------------------------------------------------------------------------

    def resident(self, wa_id: str, name: str = "", reachable: bool = True) -> Resident:
        found = self.residents.get(wa_id)
        if found is None:
            found = self.residents[wa_id] = Resident(wa_id, name or f"Warga {wa_id[-4:]}")
        found.reachable = reachable
        return found

    def new_resident(self, name: str) -> Resident:
        while True:
            wa_id = "628" + "".join(str(secrets.randbelow(10)) for _ in range(9))
            if wa_id not in self.residents:
                return self.resident(wa_id, name)

    # -- limits ------------------------------------------------------------------------------

    def take_throughput(self, now: float) -> bool:
        """Sliding one-second window over accepted requests."""
        window = self._window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.limits.per_second:
            return False
        window.append(now)
        return True

    def take_pair(self, to: str, now: float) -> bool:
        lim = self.limits
        tokens, at = self._pairs.get(to, (float(lim.pair_burst), now))
        tokens = min(float(lim.pair_burst), tokens + (now - at) / lim.pair_interval)
        if tokens < 1.0:
            self._pairs[to] = (tokens, now)
            return False
        self._pairs[to] = (tokens - 1.0, now)
        return True

    def take_fault(self, to: str) -> int | None:
        for fault in self.faults:
            if fault.to is not None and fault.to != to:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            return fault.code
        return None

    def window_open(self, to: str, now: float) -> bool:
        resident = self.residents.get(to)
        last = resident.last_inbound if resident is not None else None
        return last is not None and now - last < WINDOW_SECONDS

    def record(self, to: str, kind: str, payload: dict[str, Any]) -> Accepted:
        message = Accepted("wamid." + secrets.token_urlsafe(24), to, kind, payload, time.time())
        self.accepted.append(message)
        return message

    def find(self, message_id: str) -> Accepted | None:
        for message in reversed(self.accepted):
            if message.id == message_id:
                return message
        return None


def _text(value: Any, what: str, low: int, high: int) -> str:
    if not isinstance(value, str) or not low <= len(value) <= high:
        size = len(value) if isinstance(value, str) else "missing"
        raise ValidationError(
            131009, f"{what} length invalid ({size}). Min length: {low}, Max length: {high}"
        )
    return value


def validate(body: Any, templates: dict[tuple[str, str], int]) -> tuple[str, str]:
    """(recipient, type) of a valid send request; ValidationError with Meta's code otherwise."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        raise ValidationError(100, "The parameter messaging_product is required.")
    to = body.get("to")
    if not isinstance(to, str) or not to.isdigit() or not 8 <= len(to) <= 15:
        raise ValidationError(100, "The parameter to is required and must be a phone number.")
    kind = body.get("type", "text")
    if kind == "text":
        text = body.get("text")
        _text(text.get("body") if isinstance(text, dict) else None, "Text body", 1, 4096)
    elif kind == "interactive":
        _interactive(body.get("interactive"))
    elif kind == "template":
        _template(body.get("template"), templates)
    else:
        raise ValidationError(100, f"Unsupported message type {kind!r} in this sandbox.")
    return to, str(kind)


def _interactive(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError(100, "The parameter interactive is required.")
    body = value.get("body")
    action = value.get("action")
    if not isinstance(action, dict):
        raise ValidationError(100, "The parameter interactive['action'] is required.")
    if value.get("type") == "button":
        _text(body.get("text") if isinstance(body, dict) else None, "Body text", 1, 1024)
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise ValidationError(131009, "Buttons count invalid. Min: 1, Max: 3")
        titles = [_text(b.get("reply", {}).get("title"), "Button title", 1, 20) for b in buttons]
        if len(set(titles)) != len(titles):
            raise ValidationError(131009, "Button titles must be unique.")
    elif value.get("type") == "list":
        _text(body.get("text") if isinstance(body, dict) else None, "Body text", 1, 4096)
        _text(action.get("button"), "Button label", 1, 20)
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
            raise ValidationError(131009, "Sections count invalid. Min: 1, Max: 10")
        rows = [row for section in sections for row in section.get("rows", [])]
        if not 1 <= len(rows) <= 10:
            raise ValidationError(131009, "Total row count exceed max allowed count: 10")
        for row in rows:
            _text(row.get("title"), "Row title", 1, 24)
            _text(row.get("id"), "Row id", 1, 200)
    else:
        raise ValidationError(100, "interactive['type'] must be button or list in this sandbox.")


def _template(value: Any, templates: dict[tuple[str, str], int]) -> None:
    if not isinstance(value, dict):
        raise ValidationError(100, "The parameter template is required.")
    name = value.get("name")
    language = value.get("language", {}).get("code") if isinstance(value, dict) else None
    key = (str(name), str(language))
    if key not in templates:
        raise ValidationError(132001, f"template name ({name}) does not exist in {language}")
    params = [
        p
        for component in value.get("components", [])
        if component.get("type") == "body"
        for p in component.get("parameters", [])
    ]
    if len(params) != templates[key]:
        raise ValidationError(
            132000,
            f"Number of parameters does not match the expected number of params "
            f"({len(params)} given, {templates[key]} expected)",
        )
    for param in params:
        text = _text(param.get("text"), "Template parameter", 1, 1024)
        if "\n" in text or "\t" in text or "     " in text:
            raise ValidationError(
                132018,
                "Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
            )
