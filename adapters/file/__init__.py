"""The reference ``file`` adapter: every rendered message becomes one JSON line in a file.

Useful for dry runs ("what would go out, to whom?") and as the smallest complete example of the
adapter contract. Settings (``[accounts.NAME]`` in config.toml):

``path``  file to append to, relative to ``[service] data_dir`` (default ``outbox-NAME.jsonl``)

Each line: ``{"account", "address", "kind", "payload", "at"}``. A message is reported sent only
after its line is flushed to the operating system.
"""

from __future__ import annotations

import time
from typing import ClassVar

from broadcaster.adapter import (
    Adapter,
    AdapterContext,
    ChannelMessage,
    Limits,
    RenderContext,
    SendResult,
)
from broadcaster.errors import InputError, PermanentError
from content.model import Announcement

from ..jsonl import JsonlWriter
from ..textual import plain_text, poll_text


class FileAdapter(Adapter):
    channel: ClassVar[str] = "file"

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        raw = context.settings.get("path", f"outbox-{context.account}.jsonl")
        path = context.data_dir / str(raw)
        self.writer = JsonlWriter(path)
        self._count = 0

    @property
    def limits(self) -> Limits:
        return Limits(text_max=65536)

    @classmethod
    def normalize_address(cls, address: str) -> str:
        value = address.strip()
        if not value or any(ch.isspace() for ch in value):
            raise InputError(f"file address {address!r}: use a non-empty name without spaces")
        return value

    def render(
        self, announcement: Announcement, language: str, ctx: RenderContext
    ) -> list[ChannelMessage]:
        messages = [ChannelMessage("text", {"text": plain_text(announcement, language, ctx)})]
        poll = poll_text(announcement, language)
        if poll is not None:
            messages.append(ChannelMessage("text", {"text": poll}))
        return messages

    async def notify(self, address: str, text: str) -> None:
        """Service messages go to the same file, marked ``"kind": "notice"``."""
        await self.send(ChannelMessage("notice", {"text": text}), address)

    async def sandbox_group(self, title: str) -> str:
        """Any name is an address here: the slug of ``title``."""
        return "-".join(title.lower().split()) or "group"

    async def start(self) -> None:
        self.writer.start()

    async def stop(self) -> None:
        await self.writer.stop()

    async def send(self, message: ChannelMessage, address: str) -> SendResult:
        self._count += 1
        message_id = f"{self.account}-{time.time_ns()}-{self._count}"
        try:
            await self.writer.write(
                {
                    "id": message_id,
                    "account": self.account,
                    "address": address,
                    "kind": message.kind,
                    "payload": dict(message.payload),
                    "at": time.time(),
                }
            )
        except OSError as exc:
            raise PermanentError(f"cannot write {self.writer.path}: {exc}") from exc
        return SendResult(message_id)
