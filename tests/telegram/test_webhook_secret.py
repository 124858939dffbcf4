"""With ``updates = "webhook"`` only the process serving the webhook needs its secret (issue #10,
point 8). Real processes: CLI commands and a sender-only service work without the variable;
``run`` serving the webhook without it stops at once with one clear line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.web.live import free_port

pytestmark = pytest.mark.slow

SECRET_ENV = "TG_HOOK_SECRET_FOR_TESTS"
CONFIG = """
[service]
data_dir = "{folder}/var"
public_url = "http://127.0.0.1:{port}"
[store]
url = "sqlite:///{folder}/broadcaster.db"
[http]
port = {port}
[schedule]
quiet_hours = "off"
[accounts.tg]
adapter = "telegram"
sandbox = true
updates = "webhook"
webhook_url = "http://127.0.0.1:{port}/hooks/tg/telegram"
webhook_secret_env = "{secret_env}"
"""


def env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_") and k != SECRET_ENV
    }


def cli(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "broadcaster.cli.main", *args, "--config", str(config)]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    text = CONFIG.format(folder=tmp_path, port=free_port(), secret_env=SECRET_ENV)
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_commands_work_without_the_webhook_secret(config: Path) -> None:
    for args in (("users", "list", "--json"), ("groups", "list", "--json")):
        done = subprocess.run(
            cli(config, *args), capture_output=True, text=True, timeout=60, env=env()
        )
        assert done.returncode == 0, done.stderr


def test_serving_the_webhook_without_its_secret_is_one_clear_error(config: Path) -> None:
    done = subprocess.run(cli(config, "run"), capture_output=True, text=True, timeout=60, env=env())
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stdout, done.stdout + done.stderr
    assert SECRET_ENV in lines[0] and "accounts.tg.webhook_secret_env" in lines[0]


def test_a_sender_only_service_runs_without_the_webhook_secret(
    config: Path, tmp_path: Path
) -> None:
    log = tmp_path / "sender.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            cli(config, "run", "--role", "sender"), stdout=out, stderr=subprocess.STDOUT, env=env()
        )
    try:
        deadline = time.monotonic() + 60
        while "broadcaster running" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
        assert "broadcaster running" in log.read_text()
        time.sleep(1.0)
        assert process.poll() is None, log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert code == 0, log.read_text()
    assert "Traceback" not in log.read_text()
