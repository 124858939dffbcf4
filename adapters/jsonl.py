"""A JSON-lines writer that never blocks the event loop and never acknowledges a line before
the operating system has it.

One background thread owns the file. ``write`` hands it a line and awaits a future that the thread
resolves after the line is written and flushed, so a message reported as sent survives a
``kill -9`` of the process. Lines queued together are written in one go.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from pathlib import Path
from typing import Any

from broadcaster.files import private_file

_STOP = object()


class JsonlWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        private_file(self.path)  # outboxes hold addresses and messages: owner-only
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name=f"jsonl:{self.path}", daemon=True)
        self._thread.start()

    async def write(self, record: dict[str, Any]) -> None:
        if self._thread is None or self._loop is None:
            raise RuntimeError("JsonlWriter.write() before start()")
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        future: asyncio.Future[None] = self._loop.create_future()
        self._queue.put((line, future))
        await future

    async def stop(self) -> None:
        if self._thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    def _run(self) -> None:
        assert self._loop is not None
        loop = self._loop
        with self.path.open("a", encoding="utf-8") as handle:
            while True:
                item = self._queue.get()
                batch = [item]
                while not self._queue.empty() and len(batch) < 1024:
                    batch.append(self._queue.get())
                stop = False
                futures: list[asyncio.Future[None]] = []
                error: OSError | None = None
                for entry in batch:
                    if entry is _STOP:
                        stop = True
                        continue
                    assert isinstance(entry, tuple)
                    line: str = entry[0]
                    future: asyncio.Future[None] = entry[1]
                    futures.append(future)
                    if error is None:
                        try:
                            handle.write(line)
                        except OSError as exc:
                            error = exc
                if error is None:
                    try:
                        handle.flush()
                    except OSError as exc:
                        error = exc
                for future in futures:
                    loop.call_soon_threadsafe(_settle, future, error)
                if stop:
                    return


def _settle(future: asyncio.Future[None], error: OSError | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
