"""A real ``broadcaster run`` process serving a benchmark's store over HTTP, and page timing as
a client sees it (used by bench.dashboard and bench.portal)."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(folder: Path, port: int) -> Path:
    """A config for ``folder/bench.db`` served on ``port``: quiet hours off, plain-http cookies,
    one scripted account that records nothing."""
    config = folder / "config.toml"
    config.write_text(
        f"""
[service]
data_dir = "."
[store]
url = "sqlite:///{folder / "bench.db"}"
[http]
port = {port}
[schedule]
quiet_hours = "off"
[web]
secure_cookies = false
[accounts.bench]
adapter = "scripted"
record = false
""",
        encoding="utf-8",
    )
    return config


@contextmanager
def serve(config: Path, port: int) -> Iterator[tuple[str, int]]:
    """``broadcaster run`` on ``config`` until the block ends: (its base URL, its pid), once
    ``/healthz`` answers."""
    env = {**os.environ, "BROADCASTER_SECRET": "bench"}
    server = subprocess.Popen(
        [sys.executable, "-m", "broadcaster.cli.main", "run", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=20)


def login(client: httpx.Client, user: str, password: str) -> None:
    """Log ``client`` in as a browser does: the form (its pre-session cookie and CSRF token)
    first, then the POST."""
    form = client.get("/login")
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text)
    assert found, "the login form carries no CSRF token"
    data = {"username": user, "password": password, "csrf_token": found.group(1)}
    answer = client.post("/login", data=data)
    assert answer.status_code == 303, answer.text


def time_page(
    client: httpx.Client, path: str, rounds: int, warmed: Callable[[], object] | None = None
) -> tuple[dict[str, float], int]:
    """``path`` requested once (``first_ms``: before any cache holds it), twice more to warm
    up, then ``rounds`` times: p50/p95/max in ms, and the size of the last answer in bytes.
    ``warmed`` is called between the warm-up and the timed rounds (the rounds are the last
    requests made: read a counter after this returns)."""
    started = time.perf_counter()
    assert client.get(path).status_code == 200, path
    first = (time.perf_counter() - started) * 1000
    for _ in range(2):
        assert client.get(path).status_code == 200, path
    if warmed is not None:
        warmed()
    times = []
    size = 0
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.content)
    times.sort()
    row = {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
        "first_ms": round(first, 1),
    }
    return row, size
