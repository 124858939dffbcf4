"""One ``broadcaster run`` per SQLite store (issue #10, point 4), with real processes.

A second ``run`` on the same store must refuse to start (exit 1, one line naming the store and
the running process); web-only processes (stateless) and CLI commands keep working beside the
service; after ``kill -9`` of the service the lock is gone with it and a new ``run`` starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.live import free_port

pytestmark = pytest.mark.slow

CONFIG = """
[service]
data_dir = "{folder}/var"
public_url = "http://127.0.0.1:{port}"
[store]
url = "sqlite:///{folder}/store/broadcaster.db"
[http]
port = {port}
[schedule]
quiet_hours = "off"
[accounts.outbox]
adapter = "scripted"
"""


def command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "broadcaster.cli.main", *args, "--config", str(config)]


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}


def start_service(config: Path, port: int, log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            command(config, "run", *args), stdout=out, stderr=subprocess.STDOUT, env=env()
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"service did not start: {log.read_text()}")


@pytest.fixture
def config(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    port = free_port()
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(folder=tmp_path, port=port), encoding="utf-8")
    yield path, port


def test_second_run_on_one_sqlite_store_refuses_to_start(
    config: tuple[Path, int], tmp_path: Path
) -> None:
    path, port = config
    first = start_service(path, port, tmp_path / "first.log")
    try:
        # the second service, on another HTTP port so only the store is shared
        other = tmp_path / "other.toml"
        other_port = free_port()
        other.write_text(
            path.read_text().replace(f"port = {port}", f"port = {other_port}"), encoding="utf-8"
        )
        second = subprocess.run(
            command(other, "run"), capture_output=True, text=True, timeout=60, env=env()
        )
        assert second.returncode == 1, second.stdout + second.stderr
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, second.stderr
        database = str((tmp_path / "store" / "broadcaster.db").resolve())
        assert database in lines[0] and f"pid {first.pid}" in lines[0], lines[0]
        assert "Traceback" not in second.stdout + second.stderr
        assert first.poll() is None  # the running service is untouched

        # a web-only process (stateless: webhooks, dashboard) may run beside it
        web = start_service(other, other_port, tmp_path / "web.log", "--role", "web")
        web.send_signal(signal.SIGTERM)
        assert web.wait(timeout=30) == 0, (tmp_path / "web.log").read_text()

        # CLI commands keep working beside the running service
        for args in (("users", "list", "--json"), ("audit", "verify", "--json")):
            done = subprocess.run(
                command(path, *args), capture_output=True, text=True, timeout=60, env=env()
            )
            assert done.returncode == 0, done.stderr
    finally:
        first.send_signal(signal.SIGKILL)  # the OS releases the lock with the process
        first.wait(timeout=30)

    again = start_service(path, port, tmp_path / "again.log")
    again.send_signal(signal.SIGTERM)
    assert again.wait(timeout=30) == 0, (tmp_path / "again.log").read_text()
