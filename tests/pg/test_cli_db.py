"""``broadcaster db migrate|version`` on PostgreSQL, ``--role`` and the ``[store]`` settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from broadcaster.config import Settings, parse_roles
from broadcaster.errors import ConfigError
from broadcaster.store.postgres.base import migrations
from tests.conftest import PG_URL


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    return subprocess.run(
        [sys.executable, "-m", "broadcaster", *args, "--config", str(tmp_path / "c.toml")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )


async def test_db_migrate_creates_the_schema_and_reports_the_version(
    tmp_path: Path, schema: str
) -> None:
    url = PG_URL.replace("postgres@", "postgres:not-shown@")  # trust auth ignores the password
    (tmp_path / "c.toml").write_text(f'[store]\nurl = "{url}"\nschema = "{schema}"\n')
    migrated = _cli(tmp_path, "db", "migrate", "--json")
    assert migrated.returncode == 0, migrated.stderr
    out = json.loads(migrated.stdout)
    assert out["schema_version"] == migrations()[-1][0]
    assert "not-shown" not in migrated.stdout + migrated.stderr
    again = _cli(tmp_path, "db", "version", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["schema_version"] == out["schema_version"]


def test_run_refuses_an_unknown_role(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text(f'[store]\nurl = "sqlite:///{tmp_path / "x.db"}"\n')
    result = _cli(tmp_path, "run", "--role", "sender", "--role", "mailman")
    assert result.returncode == 1
    assert "mailman" in result.stderr + result.stdout


def test_roles_and_store_settings_are_validated() -> None:
    assert parse_roles(["sender,web", "scheduler"]) == ["sender", "web", "scheduler"]
    with pytest.raises(ConfigError, match="unknown role"):
        parse_roles(["boss"])
    settings = Settings(
        store={"url": PG_URL, "schema": "tenant_a", "pool_max": 3, "lease_ttl": 4},
        service={"roles": ["sender"]},
    )
    assert settings.store.schema_name == "tenant_a" and settings.store.pool_max == 3
    assert settings.service.has_role("sender") and not settings.service.has_role("web")
    assert Settings().service.has_role("web")  # "all" by default
    with pytest.raises(ValueError, match="schema"):
        Settings(store={"url": PG_URL, "schema": "Robert'); DROP"})
