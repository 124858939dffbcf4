"""``broadcaster run -v`` logs the service's detail, not the store's every statement; those come
only with ``--debug-sql`` (issue 10, point 19: 137 KB of SQL in 8 idle seconds). Real
``broadcaster run`` processes, stopped by SIGINT."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CONFIG = """
[service]
data_dir = "var"
[http]
enabled = false
[schedule]
quiet_hours = "off"
[engine]
idle_poll = 0.2
[accounts.outbox]
adapter = "file"
path = "outbox.jsonl"
"""


def _run(folder: Path, *flags: str) -> str:
    """The log of ``broadcaster run FLAGS`` idling for four seconds once started."""
    (folder / "config.toml").write_text(CONFIG)
    log = folder / f"run{'-'.join(flags)}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "broadcaster.cli.main",
                "run",
                *flags,
                "--config",
                str(folder / "config.toml"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
        deadline = time.monotonic() + 60
        while " broadcaster.service: " not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()[-2000:]
            time.sleep(0.2)
        time.sleep(4)  # idle
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0, log.read_text()[-2000:]
    return log.read_text()


@pytest.mark.slow
def test_verbose_run_logs_sql_only_with_debug_sql(tmp_path: Path) -> None:
    verbose = _run(tmp_path, "-v")
    lines = verbose.splitlines()
    assert any(" DEBUG " in line for line in lines), verbose[-2000:]  # -v still means DEBUG
    assert not [line for line in lines if " aiosqlite: " in line], verbose[-2000:]
    with_sql = _run(tmp_path, "-v", "--debug-sql")
    statements = [line for line in with_sql.splitlines() if " DEBUG aiosqlite: " in line]
    assert len(statements) > 10 and any("SELECT" in line for line in statements)
    only_sql = _run(tmp_path, "--debug-sql")
    assert [line for line in only_sql.splitlines() if " DEBUG aiosqlite: " in line]
    assert not [line for line in only_sql.splitlines() if " DEBUG apscheduler" in line]
