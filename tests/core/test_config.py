"""config.toml: the shipped file works; bad values name the key and the problem; the environment
overrides the file; relative paths are relative to the file's folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from broadcaster.adapter import adapter_class
from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.errors import ConfigError
from tests.conftest import make_settings

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No BROADCASTER_* variable from the caller's shell leaks into these tests."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("BROADCASTER_"):
            monkeypatch.delenv(name)


def config(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_the_shipped_config_loads() -> None:
    settings = load_settings(SHIPPED)
    folder = SHIPPED.parent
    assert settings.service.timezone == "Asia/Jakarta"
    assert settings.service.data_dir == folder / "var"
    assert settings.store.url == f"sqlite:///{folder / 'var' / 'broadcaster.db'}"
    assert (settings.http.host, settings.http.port) == ("127.0.0.1", 8080)
    assert settings.engine.claim_batch == 1000
    assert settings.schedule.quiet_hours == "21:00-05:30"
    assert settings.quiet_hours().enabled
    assert settings.accounts["outbox"].adapter == "file"
    assert settings.accounts["outbox"].settings()["path"] == "outbox.jsonl"


async def test_the_shipped_config_builds_an_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROADCASTER_SERVICE__DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BROADCASTER_STORE__URL", f"sqlite:///{tmp_path / 'b.db'}")
    settings = load_settings(SHIPPED)
    async with App(settings) as app:
        # the Quick start runs offline: every shipped channel account is enabled on a sandbox
        expected = {
            "outbox",
            "telegram_banten",
            "whatsapp_banten",
            "wa_groups_banten",
            "email_kominfo",
        }
        assert set(app.adapters) == expected
        for name, adapter in app.adapters.items():
            assert isinstance(adapter, adapter_class(settings.accounts[name].adapter))
            if name != "outbox":
                assert settings.accounts[name].sandbox is True, name
        assert await app.store.schema_version() >= 1


def test_no_file_means_defaults() -> None:
    settings = load_settings(None)
    assert settings.engine.plan_batch == 5000
    assert settings.service.approvals_required == 1
    assert settings.accounts == {}


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("[engine]\nclaim_batch = 0\n", "engine.claim_batch", "greater than or equal to 1"),
        ('[http]\nport = "x"\n', "http.port", "valid integer"),
        ("[http]\nport = 70000\n", "http.port", "less than or equal to 65535"),
        ("[engine]\nclaim_batchh = 5\n", "engine.claim_batchh", "not permitted"),
        ("[servise]\ntimezone = 'Asia/Jakarta'\n", "servise", "not permitted"),
        ('[schedule]\nquiet_hours = "21:00-25:00"\n', "schedule.quiet_hours", "25:00"),
        ('[schedule]\nquiet_hours = "malam"\n', "schedule.quiet_hours", "HH:MM-HH:MM"),
        ('[service]\ntimezone = "Asia/Jakartaa"\n', "service.timezone", "unknown time zone"),
        ("[service]\napprovals_required = 0\n", "service.approvals_required", "greater"),
        ("[engine]\nflush_interval = -1.0\n", "engine.flush_interval", "greater than 0"),
        ("[accounts.tg]\nenabled = true\n", "accounts.tg.adapter", "Field required"),
        ("engine = 5\n", "engine", "valid dictionary"),
    ],
)
def test_a_bad_value_names_the_key_and_the_problem(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    path = config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert re.search(rf"(^|[ ;]){re.escape(key)}: ", message), message
    assert problem in message


def test_every_bad_value_is_listed_at_once(tmp_path: Path) -> None:
    path = config(tmp_path, "[engine]\nclaim_batch = 0\nplan_batch = -5\n[http]\nport = 'x'\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    for key in ("engine.claim_batch", "engine.plan_batch", "http.port"):
        assert f"{key}: " in str(caught.value)


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config(tmp_path, "[engine\nclaim_batch = 1\n"))
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(tmp_path)  # a folder
    bad_bytes = tmp_path / "latin1.toml"
    bad_bytes.write_bytes(b'[service]\nlanguage = "\xe9"\n')
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(bad_bytes)


def test_the_environment_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = config(tmp_path, "[engine]\nclaim_batch = 50\nplan_batch = 60\n")
    assert load_settings(path).engine.claim_batch == 50
    monkeypatch.setenv("BROADCASTER_ENGINE__CLAIM_BATCH", "7")
    monkeypatch.setenv("BROADCASTER_HTTP__PORT", "9090")
    settings = load_settings(path)
    assert settings.engine.claim_batch == 7
    assert settings.engine.plan_batch == 60  # the rest of the section still comes from the file
    assert settings.http.port == 9090


def test_a_bad_environment_value_names_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROADCASTER_ENGINE__CLAIM_BATCH", "banyak")
    with pytest.raises(ConfigError, match=r"engine\.claim_batch: .*valid integer"):
        load_settings(config(tmp_path, ""))
    monkeypatch.delenv("BROADCASTER_ENGINE__CLAIM_BATCH")
    monkeypatch.setenv("BROADCASTER_ENGINE", "{not json")
    with pytest.raises(ConfigError, match="engine"):
        load_settings(config(tmp_path, ""))


def test_relative_paths_are_relative_to_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = config(
        tmp_path,
        '[service]\ndata_dir = "data"\n[store]\nurl = "sqlite:///db/b.db"\n',
        "etc/broadcaster/config.toml",
    )
    settings = load_settings(Path("etc/broadcaster/config.toml"))
    folder = path.parent.resolve()
    assert settings.service.data_dir == folder / "data"
    assert settings.store.url == f"sqlite:///{folder / 'db' / 'b.db'}"
    assert settings.data_path("outbox.jsonl") == folder / "data" / "outbox.jsonl"


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    data, db = tmp_path / "abs-data", tmp_path / "abs.db"
    path = config(
        tmp_path / "elsewhere",
        f'[service]\ndata_dir = "{data}"\n[store]\nurl = "sqlite:///{db}"\n',
    )
    settings = load_settings(path)
    assert settings.service.data_dir == data
    assert settings.store.url == f"sqlite:///{db}"
    assert settings.data_path(tmp_path / "x") == tmp_path / "x"


def test_quiet_hours_off_and_in_the_service_zone(tmp_path: Path) -> None:
    text = '[service]\ntimezone = "Asia/Makassar"\n[schedule]\nquiet_hours = "22.00-04.00"\n'
    quiet = load_settings(config(tmp_path, text)).quiet_hours()
    assert (str(quiet.start), str(quiet.end), quiet.timezone) == (
        "22:00:00",
        "04:00:00",
        "Asia/Makassar",
    )
    off = load_settings(config(tmp_path, '[schedule]\nquiet_hours = "off"\n')).quiet_hours()
    assert not off.enabled


def test_an_unknown_adapter_lists_the_known_ones(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, accounts={"tg": {"adapter": "telegramm"}})
    with pytest.raises(ConfigError) as caught:
        App(settings)
    message = str(caught.value)
    assert message.startswith("accounts.tg.adapter: ")
    assert "'telegramm'" in message
    known = message.split("known adapters:", 1)[1]
    assert {"file", "scripted"} <= {name.strip() for name in known.split(",")}


def test_a_disabled_account_with_an_unknown_adapter_is_not_loaded(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, accounts={"tg": {"adapter": "nope", "enabled": False}})
    assert App(settings).adapters == {}
