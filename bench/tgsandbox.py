"""A Telegram emulator in its own process, with a community built through its admin API."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

import httpx


class ExternalSandbox:
    """``python -m adapters.sandbox.telegram`` on a free port, for benchmarks: the emulator
    must not share the event loop (or the core) of the client it measures."""

    def __init__(self, tokens: Sequence[str], *args: str) -> None:
        self.tokens = list(tokens)
        self.args = list(args)
        self.url = ""
        self._proc: asyncio.subprocess.Process | None = None
        self.admin: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Self:
        cmd = [sys.executable, "-m", "adapters.sandbox.telegram", "--port", "0", *self.args]
        for token in self.tokens:
            cmd += ["--bot", token]
        self._proc = await asyncio.create_subprocess_exec(*cmd, stdout=subprocess.PIPE)
        assert self._proc.stdout is not None
        line = await self._proc.stdout.readline()
        self.url = line.decode().strip().split()[-1]
        self.admin = httpx.AsyncClient(base_url=self.url, timeout=30)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.admin is not None:
            await self.admin.aclose()
        if self._proc is not None:
            self._proc.terminate()
            await asyncio.wait_for(self._proc.wait(), 10)

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        assert self.admin is not None
        response = await self.admin.request(method, path, json=body)
        response.raise_for_status()
        body = response.json()
        return body["result"] if isinstance(body, dict) and "result" in body else body

    async def community(self, groups: int, bots: Sequence[str]) -> list[int]:
        """``groups`` groups, each with one admin, with every bot in ``bots`` added."""
        admin = await self.call("POST", "/sandbox/users", {"first_name": "Ketua RT"})
        admin_id = int(admin["id"])
        chat_ids: list[int] = []
        sem = asyncio.Semaphore(32)

        async def one(n: int) -> None:
            async with sem:
                chat = await self.call(
                    "POST", "/sandbox/groups", {"title": f"RT {n:04d}", "creator": admin_id}
                )
                chat_id = int(chat["id"])
                for bot in bots:
                    await self.call(
                        "POST", f"/sandbox/chats/{chat_id}/bot", {"bot": bot, "by_user": admin_id}
                    )
                chat_ids.append(chat_id)

        await asyncio.gather(*(one(n) for n in range(groups)))
        return sorted(chat_ids)

    async def rate_limited(self, bot_id: int) -> int:
        stats = await self.call("GET", "/sandbox/stats")
        return int(stats["rate_limited"].get(str(bot_id), 0))
