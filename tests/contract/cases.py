"""The adapters under contract: one case per shipped adapter (Telegram once per driver), each
configured as a ``sandbox = true`` account, plus the content the render checks use."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from html import unescape
from typing import Any

import pytest

from content.model import Announcement
from content.validation import BODY_MAX
from tests.content.factories import make_announcement

#: WAHA's anti-ban pacing would make every send wait 20 s; the contract is not about pacing.
FAST_WAHA = {"min_interval": 0.01, "jitter": 0, "group_interval": 0, "quiet_hours": "off"}

TITLE_ID, TITLE_EN = "Peringatan banjir", "Flood warning"
QUESTION_ID, QUESTION_EN = "Apakah wilayah Anda tergenang air?", "Is your area flooded?"
#: a word only the long Indonesian body contains (to find the messages carrying it)
BODY_MARK = "Cidurian"
#: payload keys holding text a person reads (telegram text/caption, Cloud API body, WAHA and
#: file text, email text and html): each must stay within ``limits.text_max``
TEXT_KEYS = ("text", "body", "caption", "html")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Case:
    """One adapter as configured for the contract suite."""

    id: str
    adapter: str  # entry-point name
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: the emulator posts webhooks the adapter must see (Cloud API: the 24-hour window opens
    #: when the resident's first message arrives), so the suite serves the adapter's routes
    serve_webhook: str | None = None
    has_sandbox: bool = True


CASES = [
    Case("telegram-ptb", "telegram", {"sandbox": True, "driver": "ptb", "updates": "off"}),
    Case("telegram-aiogram", "telegram", {"sandbox": True, "driver": "aiogram", "updates": "off"}),
    Case("whatsapp", "whatsapp", {"sandbox": True}, serve_webhook="whatsapp"),
    Case("waha", "waha", {"sandbox": True, **FAST_WAHA}),
    Case("email", "email", {"sandbox": True}),
]
FILE = Case("file", "file", {"path": "outbox.jsonl"}, has_sandbox=False)
#: every case, the reference ``file`` adapter included (for the checks that apply to it)
ALL = [*CASES, FILE]


def params(cases: list[Case], xfail: Mapping[str, str] | None = None) -> list[Any]:
    """``cases`` as pytest params with readable ids; ``xfail`` maps case ids to the reason
    a known adapter bug makes the check fail (strict: a fix turns the test red until the mark
    goes)."""
    reasons = xfail or {}
    return [
        pytest.param(
            c,
            id=c.id,
            marks=[pytest.mark.xfail(strict=True, reason=reasons[c.id])] if c.id in reasons else [],
        )
        for c in cases
    ]


def long_body(at_least: int) -> str:
    """Indonesian Markdown paragraphs, together longer than ``at_least`` characters."""
    paragraph = (
        "Warga diminta **waspada** terhadap banjir kiriman dari hulu sungai Cidurian. "
        "Simpan dokumen penting di tempat tinggi dan ikuti arahan petugas BPBD setempat."
    )
    count = at_least // len(paragraph) + 2
    return "\n\n".join(f"{i}. {paragraph}" for i in range(1, count + 1))


#: long enough to be split by every chat channel, short enough to send and parse quickly
USUAL_LENGTH = 4096


def usual_announcement() -> Announcement:
    """An announcement with a poll whose Indonesian body is longer than a chat message."""
    return long_announcement(USUAL_LENGTH)


@cache
def long_announcement(text_max: int) -> Announcement:
    """An announcement with a poll whose Indonesian body is a tenth longer than ``text_max``,
    or as long as content validation allows (``BODY_MAX``) when that is shorter: channels that
    never split (e-mail) declare a limit above it (the English variant is short)."""
    body = long_body(min(text_max + text_max // 10, BODY_MAX - 1000))
    assert len(body) <= BODY_MAX
    return make_announcement(
        variants={
            "id": {"title": TITLE_ID, "body": body},
            "en": {"title": TITLE_EN, "body": "Please be *alert* to floods."},
        }
    )


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value (payloads nest polls and template fields)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def text_length(text: str, parse_mode: object = None) -> int:
    """Length as the strictest provider counts it: UTF-16 code units (Telegram), which is
    never less than the number of characters. Telegram counts an HTML text after parsing
    (tags do not count, an entity is one character, surrounding whitespace is trimmed)."""
    if parse_mode == "HTML":
        text = unescape(_TAG.sub("", text)).strip()
    return len(text.encode("utf-16-le")) // 2
