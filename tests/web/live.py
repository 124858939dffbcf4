"""A real ``broadcaster run`` process on a free port, over a store seeded beforehand (regions,
users with passwords, API tokens, active groups), for the browser and schemathesis tests."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.store.records import GroupStatus
from broadcaster.web.accounts import create_token, set_password
from content.model import Level
from tests.seed import seed_regions, seed_users

PASSWORD = "kata-sandi-uji-123"
USERS = ("admin", "officer", "verifier", "verifier2", "rt_admin")


@dataclass
class Live:
    url: str
    tokens: dict[str, str]
    config: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(folder: Path, port: int, latency_ms: int) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f"""
[service]
data_dir = "var"
public_url = "http://127.0.0.1:{port}"

[store]
url = "sqlite:///var/broadcaster.db"

[http]
port = {port}

[engine]
idle_poll = 0.05

[schedule]
quiet_hours = "off"

[web]
secure_cookies = false

[accounts.scripted]
adapter = "scripted"
latency_ms = {latency_ms}
""",
        encoding="utf-8",
    )
    return config


async def seed(config: Path, groups_under: str) -> dict[str, str]:
    tokens: dict[str, str] = {}
    async with App(load_settings(config)) as app:
        await seed_regions(app.store)
        await seed_users(app.store)
        for name in USERS:
            await set_password(app.store, name, name, PASSWORD)
            tokens[name], _ = await create_token(app.store, name, name, "test")
        async for region in app.store.iter_regions(groups_under, Level.rt):
            await app.directory.add_group(
                "officer",
                "scripted",
                f"chat-{region.code}",
                region.code,
                "rt",
                title=f"Grup {region.name}",
                status=GroupStatus.active,
            )
        await app.directory.add_group(
            "rt_admin",
            "scripted",
            "chat-pending",
            "3671010001.RW001.RT002",
            "pkk",
            title="PKK Tajur",
        )
    return tokens


@contextmanager
def live_server(folder: Path, groups_under: str = "3671", latency_ms: int = 150) -> Iterator[Live]:
    port = free_port()
    config = write_config(folder, port, latency_ms)
    tokens = asyncio.run(seed(config, groups_under))
    env = {**os.environ, "BROADCASTER_SECRET": "uji-rahasia"}
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "broadcaster.cli.main", "run", "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / "server.log").read_text())
            time.sleep(0.1)
        yield Live(url, tokens, config)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
