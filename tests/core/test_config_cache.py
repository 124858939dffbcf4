"""The validated configuration's essentials, cached for store-only commands (issue 12, point 5).

A command opens its App from the cache only when the config file, every ``BROADCASTER_*``
variable and the validating code are exactly as when the configuration was last validated; any
change validates again, with the same errors. What a command imports is read from ``sys.modules``
of a real process; what the cache holds is read from its files.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from broadcaster import config_cache
from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.config_cache import (
    CACHE_ENV,
    MAX_ENTRIES,
    VALIDATING_MODULES,
    VALIDATING_PACKAGES,
    cache_key,
    essentials_of,
    load_essentials,
)
from broadcaster.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

RUNNER = """
import contextlib, io, json, sys
sys.argv = ["broadcaster", *json.loads(sys.argv[1])]
out, err = io.StringIO(), io.StringIO()
code = 0
try:
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        from broadcaster.cli.main import main
        main()
except SystemExit as exc:
    code = exc.code or 0
print(json.dumps({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue(),
                  "modules": sorted(sys.modules)}))
"""


class Cli:
    """``broadcaster ...`` in a fresh interpreter, in ``folder``, with its cache in ``cache``."""

    def __init__(self, folder: Path, cache: Path) -> None:
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.upper().startswith("BROADCASTER_")}
        self.env[CACHE_ENV] = str(cache)

    def __call__(self, *args: str, **env: str) -> tuple[int, str, list[str]]:
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, json.dumps(args)],
            cwd=self.folder,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return int(result["code"]), result["stdout"] + result["stderr"], result["modules"]


def pydantic_modules(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in ("pydantic", "pydantic_core")]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The shipped config.toml (every channel configured) in a scratch folder, one admin."""
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(ROOT / "config.toml", folder / "config.toml")
    run = Cli(folder, tmp_path / "cache")
    code, printed, _ = run("users", "add", "admin", "--role", "admin")
    assert code == 0, printed
    return run


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.upper().startswith("BROADCASTER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))


def test_a_store_command_answers_from_the_cache_without_pydantic(cli: Cli) -> None:
    code, first, modules = cli("users", "list", "--json", BROADCASTER_CONFIG_CACHE="off")
    assert code == 0, first
    assert pydantic_modules(modules), "without the cache the config is validated by pydantic"
    code, warm, modules = cli("users", "list", "--json")
    assert code == 0, warm
    assert pydantic_modules(modules) == []
    assert (
        json.loads(warm)
        == json.loads(first)
        == [{"name": "admin", "role": "admin", "scope": "(all)", "active": True}]
    )


def test_a_changed_file_is_validated_again_and_never_cached_broken(cli: Cli) -> None:
    config = cli.folder / "config.toml"
    good = config.read_text("utf-8")
    config.write_text(good.replace("claim_batch = 1000", "claim_batch = 0"), "utf-8")
    assert "claim_batch = 0" in config.read_text("utf-8")
    for _ in range(2):  # the same error every time: a broken config is never remembered
        code, printed, _ = cli("users", "list")
        assert code == 1
        assert "engine.claim_batch" in printed and "greater than or equal to 1" in printed
    # another store named in the file: the next command reads that one
    other = cli.folder / "other.db"
    config.write_text(
        good.replace('url = "sqlite:///var/broadcaster.db"', f'url = "sqlite:///{other}"')
    )
    assert str(other) in config.read_text("utf-8")
    code, printed, _ = cli("users", "list", "--json")
    assert code == 0, printed
    assert json.loads(printed) == []
    assert other.exists()


def test_a_changed_environment_is_validated_again(cli: Cli) -> None:
    code, printed, _ = cli("users", "list")
    assert code == 0, printed
    code, printed, _ = cli("users", "list", BROADCASTER_ENGINE__CLAIM_BATCH="0")
    assert code == 1
    assert "engine.claim_batch" in printed
    other = cli.folder / "env.db"
    code, printed, modules = cli(
        "users", "list", "--json", BROADCASTER_STORE__URL=f"sqlite:///{other}"
    )
    assert code == 0, printed
    assert json.loads(printed) == [] and other.exists()
    assert pydantic_modules(modules)  # validated, not taken from the cache
    code, printed, modules = cli("users", "list", "--json")  # back to the file's store
    assert code == 0 and json.loads(printed)[0]["name"] == "admin"
    assert pydantic_modules(modules) == []


def test_an_unknown_adapter_is_refused_from_the_cache_too(cli: Cli) -> None:
    """Installed adapters are checked on every open (a plugin can be uninstalled with the
    config unchanged), also when the essentials come from the cache."""
    config = cli.folder / "config.toml"
    config.write_text(config.read_text("utf-8") + '\n[accounts.ghost]\nadapter = "nope"\n')
    for _ in range(2):
        code, printed, _ = cli("users", "list")
        assert code == 1
        assert "accounts.ghost.adapter: unknown adapter 'nope'" in printed


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_the_cached_essentials_are_what_validation_gives(tmp_path: Path) -> None:
    path = write(
        tmp_path / "etc",
        '[service]\ndata_dir = "data"\n[store]\nurl = "sqlite:///data/b.db"\npool_max = 3\n'
        '[accounts.a]\nadapter = "file"\n[accounts.b]\nadapter = "file"\nenabled = false\n',
    )
    essentials, settings = load_essentials(path)
    assert settings is not None  # first time: validated
    again, none = load_essentials(path)
    assert none is None  # then: from the cache
    assert again == essentials == essentials_of(load_settings(path))
    assert again.data_dir == tmp_path / "etc" / "data"  # relative to the file's folder
    assert again.store.url == f"sqlite:///{tmp_path / 'etc' / 'data' / 'b.db'}"
    assert again.store.pool_max == 3
    assert again.accounts == (("a", "file"),)


async def test_an_app_opened_from_the_cache_validates_its_settings_on_first_use(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path, f'[store]\nurl = "sqlite:///{tmp_path / "b.db"}"\n[engine]\nplan_batch = 7\n'
    )
    load_essentials(path)
    async with App.from_config(path) as app:
        assert app._settings is None  # nothing has needed them yet
        assert app.settings.engine.plan_batch == 7
        assert app.settings == load_settings(path)
        assert await app.store.list_users() == []


def test_a_store_url_with_a_password_is_never_written(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\nurl = "postgresql://u:s3cret-pw@127.0.0.1:5432/test"\n')
    for _ in range(2):
        essentials, settings = load_essentials(path)
        assert settings is not None  # validated every time
        assert essentials.store.url.endswith("s3cret-pw@127.0.0.1:5432/test")
    folder = tmp_path / "cache"
    written = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    assert written == []


def test_entries_are_owner_only_and_bounded(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    for i in range(MAX_ENTRIES + 5):
        load_essentials(write(tmp_path / f"c{i}", "[engine]\nplan_batch = 5\n"))
    entries = list(folder.glob("*.json"))
    assert len(entries) == MAX_ENTRIES
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(p.stat().st_mode) for p in entries} == {0o600}
    assert not list(folder.glob(".*.tmp"))


def test_a_torn_or_foreign_entry_is_validated_again(tmp_path: Path) -> None:
    path = write(tmp_path, "[engine]\nplan_batch = 5\n")
    load_essentials(path)
    (entry,) = (tmp_path / "cache").glob("*.json")
    for junk in (b'{"key": "', b"[]", json.dumps({"key": "other", "essentials": {}}).encode()):
        entry.write_bytes(junk)
        _, settings = load_essentials(path)
        assert settings is not None
        _, settings = load_essentials(path)  # and the entry was written whole again
        assert settings is None


def test_off_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    path = write(tmp_path, "[engine]\nplan_batch = 5\n")
    for _ in range(2):
        _, settings = load_essentials(path)
        assert settings is not None
    assert not (tmp_path / "cache").exists()


def test_the_default_folder_is_under_the_users_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", "/x/cache")
    assert config_cache.cache_dir() == Path("/x/cache/broadcaster/config")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "/home/op")
    assert config_cache.cache_dir() == Path("/home/op/.cache/broadcaster/config")


def test_a_broken_file_is_reported_as_validation_reports_it(tmp_path: Path) -> None:
    path = write(tmp_path, "[engine]\nplan_batch = 0\n")
    with pytest.raises(ConfigError) as direct:
        load_settings(path)
    with pytest.raises(ConfigError) as through_cache:
        load_essentials(path)
    assert str(through_cache.value) == str(direct.value)
    missing = tmp_path / "missing.toml"
    with pytest.raises(ConfigError, match="not found"):
        load_essentials(missing)


def test_the_key_covers_the_file_the_environment_and_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "code" / "fakecheck"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "rules.py").write_text("LIMIT = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "code"))
    path = write(tmp_path, "[engine]\nplan_batch = 5\n")

    def key() -> str:
        return cache_key(path, modules=("fakecheck.rules",), packages=("fakecheck",))

    first = key()
    assert key() == first  # nothing changed
    path.write_text("[engine]\nplan_batch = 6\n")
    assert key() != first
    second = key()
    monkeypatch.setenv("broadcaster_engine__plan_batch", "9")  # any case
    assert key() != second
    monkeypatch.delenv("broadcaster_engine__plan_batch")
    assert key() == second
    (package / "rules.py").write_text("LIMIT = 22\n")  # the validating code changed
    assert key() != second
    third = key()
    os.utime(package / "__init__.py", ns=(1, 1))  # the library was reinstalled
    assert key() != third


def test_every_module_that_validates_is_in_the_key() -> None:
    """The key stamps each module importing :mod:`broadcaster.config` loads: one added later
    without being listed would let an edit to it go unseen."""
    probe = (
        "import sys, json; before = set(sys.modules); import broadcaster.config; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(done.stdout)
    ours = {m for m in loaded if m.split(".")[0] in ("broadcaster", "content", "schedules")}
    assert ours <= set(VALIDATING_MODULES), sorted(ours - set(VALIDATING_MODULES))
    libraries = {
        m.split(".")[0]
        for m in loaded
        if m.split(".")[0] not in sys.stdlib_module_names
        and not m.startswith("_")
        and m.split(".")[0] not in ("broadcaster", "content", "schedules")
    }
    assert libraries <= set(VALIDATING_PACKAGES), sorted(libraries - set(VALIDATING_PACKAGES))


def test_a_file_saved_while_it_is_validated_is_not_remembered_for_its_old_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import broadcaster.config

    old = f'[store]\nurl = "sqlite:///{tmp_path / "old.db"}"\n'
    new = f'[store]\nurl = "sqlite:///{tmp_path / "new.db"}"\n'
    path = write(tmp_path, old)
    validate = broadcaster.config.load_settings

    def saved_meanwhile(where: Path | None) -> object:
        path.write_text(new)  # an editor saves the file between the key and the validation
        return validate(where)

    monkeypatch.setattr(broadcaster.config, "load_settings", saved_meanwhile)
    essentials, _ = load_essentials(path)
    assert essentials.store.url.endswith("new.db")
    monkeypatch.setattr(broadcaster.config, "load_settings", validate)
    path.write_text(old)  # saved back: the old text must not answer with the new store
    essentials, settings = load_essentials(path)
    assert essentials.store.url.endswith("old.db")
    assert settings is not None


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "verify"),
        ("db", "version"),
        ("hoaxes", "list"),
        ("oncall", "list"),
        ("groups", "list"),
        ("regions", "list"),
    ],
    ids=lambda a: " ".join(a),
)
def test_other_store_commands_import_no_pydantic_either(cli: Cli, args: tuple[str, ...]) -> None:
    """Nothing on these commands' paths imports the config models, the announcement model or
    Typer's adapters when the config is cached and their options are left at their defaults."""
    code, printed, _ = cli(*args)  # fills the cache (if this is the first command here)
    assert code == 0, printed
    code, printed, modules = cli(*args)
    assert code == 0, printed
    assert pydantic_modules(modules) == []
