"""The Quick start's main job: ``broadcaster run --demo`` on the shipped config.toml (moved to free
ports and a temporary data folder) seeds, approves and dispatches the demo announcement on every
shipped account's sandbox, and the dashboard accepts the demo password it wrote."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.conftest import login_csrf_of
from tests.web.live import free_port

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"
pytestmark = pytest.mark.slow


def shipped_config_on_free_ports(folder: Path) -> tuple[Path, int]:
    """config.toml with every fixed port replaced by a free one and data under ``folder``."""
    text = SHIPPED.read_text(encoding="utf-8")
    http_port = free_port()
    text = re.sub(r"(?m)^port = \d+", f"port = {http_port}", text)
    text = re.sub(r"(?m)^sandbox_port = \d+", lambda _: f"sandbox_port = {free_port()}", text)
    text = re.sub(r'(?m)^data_dir = ".*?"', f'data_dir = "{folder / "var"}"', text)
    text = re.sub(r'(?m)^public_url = ".*?"', f'public_url = "http://127.0.0.1:{http_port}"', text)
    # the sandboxes post their webhooks to the service (the demo's self-subscribing group)
    text = text.replace("http://127.0.0.1:8080/hooks/", f"http://127.0.0.1:{http_port}/hooks/")
    text = text.replace('url = "sqlite:///var/broadcaster.db"', f'url = "sqlite:///{folder}/b.db"')
    config = folder / "config.toml"
    config.write_text(text, encoding="utf-8")
    return config, http_port


def cli(config: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "broadcaster.cli.main", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    config, port = shipped_config_on_free_ports(tmp_path)
    log = (tmp_path / "run.log").open("wb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "broadcaster.cli.main", "run", "--demo", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        yield config, f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0, (tmp_path / "run.log").read_text()
        log.close()


def test_demo_reaches_every_sandbox_group_and_opens_the_dashboard(
    demo: tuple[Path, str], tmp_path: Path
) -> None:
    config, url = demo
    deadline = time.monotonic() + 120
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            status = json.loads(cli(config, "dispatches", "status", "1", "--json"))
        except (AssertionError, json.JSONDecodeError):
            status = {}
        if status.get("status") == "done":
            break
        time.sleep(0.5)
    assert status.get("status") == "done", (tmp_path / "run.log").read_text()[-3000:]
    assert status["sent"] == status["planned"] > 0
    assert status["failed"] == 0
    # one group per RT on every shipped account: each account got its share
    groups = json.loads(cli(config, "groups", "list", "--json", "--all"))["groups"]
    # a WhatsApp group subscribed itself (DAFTAR Kamanisan rt): pending, not in the dispatch
    deadline = time.monotonic() + 30
    while not [g for g in groups if g["status"] == "pending"] and time.monotonic() < deadline:
        time.sleep(0.5)
        groups = json.loads(cli(config, "groups", "list", "--json", "--all"))["groups"]
    [joined] = [g for g in groups if g["status"] == "pending"]
    assert (joined["account"], joined["region"], joined["kind"]) == (
        "wa_groups_banten",
        "3673010001",
        "rt",
    )
    assert joined["subscribed_by"].startswith("group-admin:")
    groups = [g for g in groups if g["status"] == "active"]
    assert len(groups) == status["planned"]
    assert {g["account"] for g in groups} == {
        "outbox",
        "telegram_banten",
        "whatsapp_banten",
        "wa_groups_banten",
        "email_kominfo",
    }

    secret = tmp_path / "var" / "demo-password.txt"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    password = secret.read_text().strip()
    assert password not in (tmp_path / "run.log").read_text()  # never logged
    with httpx.Client(base_url=url, timeout=10) as client:
        token = login_csrf_of(client.get("/login").text)  # the form's token and its cookie
        wrong = client.post(
            "/login", data={"username": "petugas", "password": "salah", "csrf_token": token}
        )
        assert wrong.status_code != 303
        ok = client.post(
            "/login", data={"username": "petugas", "password": password, "csrf_token": token}
        )
        assert ok.status_code == 303
        assert client.get("/announcements").status_code == 200
