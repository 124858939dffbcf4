"""Commands that only touch the store import no channel, web or engine code (issue 12, point 5).

Operators and scripts call store-only commands thousands of times; each used to import every
adapter, the web app and the sandboxes before answering. These tests run the real command in a
fresh interpreter (with the shipped config.toml, which configures Telegram, WhatsApp, WAHA and
email accounts) and read ``sys.modules`` when it has finished: what a command imports is
behaviour, checked here without timing anything (the timing is in BENCHMARKS.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: top-level packages (and our modules) a store-only command has no use for
NOT_FOR_STORE_COMMANDS = (
    "telegram",
    "aiogram",
    "fastapi",
    "uvicorn",
    "starlette",
    "aiohttp",
    "httpx",
    "apscheduler",
    "adapters",
    "broadcaster.engine",
    "broadcaster.service",
    "broadcaster.http",
    "broadcaster.web.app",
    "broadcaster.web.views",
)

# Runs the console script's own entry point in this interpreter, then reports its exit status,
# what it printed and every module it imported.
RUNNER = """
import contextlib, io, json, sys
sys.argv = ["broadcaster", *json.loads(sys.argv[1])]
out = io.StringIO()
code = 0
try:
    with contextlib.redirect_stdout(out):
        from broadcaster.cli.main import main
        main()
except SystemExit as exc:
    code = exc.code or 0
print(json.dumps({"code": code, "stdout": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def run_cli(folder: Path, *args: str) -> tuple[int, str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    env["BROADCASTER_CONFIG"] = str(folder / "config.toml")
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(args)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # what the command printed, its errors (on stderr) included, for assertion messages
    printed = str(result["stdout"]) + done.stderr
    return int(result["code"]), printed, list(result["modules"])


def heavy(modules: list[str]) -> list[str]:
    return [
        m for m in modules if any(m == p or m.startswith(p + ".") for p in NOT_FOR_STORE_COMMANDS)
    ]


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """The repository's own config.toml (every channel configured, sandboxes on), its data
    directory under tmp_path, and a first admin created."""
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    code, _, _ = run_cli(tmp_path, "users", "add", "admin", "--role", "admin")
    assert code == 0
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ("users", "list"),
        ("users", "list", "--json"),
        ("users", "add", "eve", "--role", "admin", "--as", "admin"),
        ("audit", "verify"),
        ("db", "version"),
        ("hoaxes", "list"),
        ("oncall", "list"),
    ],
    ids=lambda a: " ".join(a),
)
def test_store_commands_import_no_channel_web_or_engine_code(
    shipped: Path, args: tuple[str, ...]
) -> None:
    code, stdout, modules = run_cli(shipped, *args)
    assert code == 0, stdout
    assert heavy(modules) == []
    # and the command did its work: the store answered
    if args[:2] == ("users", "list"):
        assert "admin" in stdout


def test_users_list_answers_from_the_store(shipped: Path) -> None:
    code, stdout, _ = run_cli(shipped, "users", "list", "--json")
    assert code == 0
    assert json.loads(stdout) == [
        {"name": "admin", "role": "admin", "scope": "(all)", "active": True}
    ]


def test_a_command_that_needs_a_channel_still_loads_its_adapter(shipped: Path) -> None:
    """The other side of laziness: adding a group validates its address with the account's
    adapter, which is imported then (and only that one)."""
    regions = shipped / "wilayah"
    regions.mkdir()
    (regions / "provinces.csv").write_text("36,BANTEN\n")
    (regions / "regencies.csv").write_text("3673,36,KOTA SERANG\n")
    (regions / "districts.csv").write_text("3673010,3673,CURUG\n")
    (regions / "villages.csv").write_text("3673010001,3673010,KAMANISAN\n")
    code, stdout, _ = run_cli(shipped, "regions", "import", str(regions), "--as", "admin")
    assert code == 0, stdout
    code, stdout, modules = run_cli(
        shipped,
        *("groups", "add", "--account", "outbox", "--address", "chat-1", "--region", "3673"),
        *("--as", "admin"),
    )
    assert code == 0, stdout
    assert "adapters.file" in modules
    assert "adapters.telegram" not in modules


def test_plugin_groups_are_found_through_their_entry_points(shipped: Path) -> None:
    """``broadcaster sandbox`` lives in adapters/ and is registered under ``broadcaster.cli``:
    it is listed by --help and imported when used, never by other commands."""
    code, stdout, modules = run_cli(shipped, "--help")
    assert code == 0
    for group in ("users", "groups", "announcements", "audit", "db", "sandbox"):
        assert f" {group} " in stdout, group
    code, stdout, modules = run_cli(shipped, "sandbox", "--help")
    assert code == 0
    assert "adapters.sandbox.cli" in modules
    assert "whatsapp" in stdout and "waha" in stdout and "mail" in stdout


def test_a_sqlite_store_command_imports_no_postgresql_code(shipped: Path) -> None:
    """The shipped config stores in SQLite: the PostgreSQL store and its driver stay unloaded."""
    code, stdout, modules = run_cli(shipped, "users", "list")
    assert code == 0, stdout
    assert "broadcaster.store.sqlite" in modules  # the check looks where the store is
    postgres = [
        m
        for m in modules
        if m in ("asyncpg", "broadcaster.store.postgres")
        or m.startswith(("asyncpg.", "broadcaster.store.postgres."))
    ]
    assert postgres == []


def test_without_broadcaster_variables_the_config_skips_pydantic_settings(shipped: Path) -> None:
    """pydantic-settings only reads ``BROADCASTER_<SECTION>…`` variables; with none set (here
    only BROADCASTER_CONFIG, which names the file) it is not imported — and with one set it is,
    and the variable wins over the file."""
    code, stdout, modules = run_cli(shipped, "users", "list")
    assert code == 0, stdout
    assert "pydantic_settings" not in modules
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    env["BROADCASTER_CONFIG"] = str(shipped / "config.toml")
    env["broadcaster_store__url"] = f"sqlite:///{shipped / 'other.db'}"  # any case
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(["users", "list", "--json"])],
        cwd=shipped,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    assert "pydantic_settings" in result["modules"]
    assert json.loads(result["stdout"]) == []  # another store: the variable was applied
    assert (shipped / "other.db").exists()
