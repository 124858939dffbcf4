"""``[[cap.feeds]]`` settings: defaults, and bad values refused naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadcaster.config import load_settings
from broadcaster.errors import ConfigError

FEED = """
[[cap.feeds]]
name = "bmkg"
url = "https://www.bmkg.go.id/alerts/nowcast/id"
"""


def test_a_feed_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FEED)
    feed = load_settings(path).cap.feeds[0]
    assert feed.poll_seconds == 60 and feed.enabled and feed.default_target == []
    assert feed.policy.statuses == ["Actual"] and feed.policy.min_severity == "Moderate"
    assert feed.policy.msg_types == ["Alert", "Update", "Cancel"]
    assert feed.allowed_hosts == []  # only the feed's own origin


def test_allowed_hosts_are_host_names_optionally_with_a_port(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FEED + 'allowed_hosts = ["Data.BMKG.go.id", "signature.bmkg.go.id:8443"]\n')
    feed = load_settings(path).cap.feeds[0]
    assert feed.allowed_hosts == ["data.bmkg.go.id", "signature.bmkg.go.id:8443"]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ('[cap.feeds.policy]\nmin_severity = "Huge"\n', "cap.feeds.0.policy.min_severity"),
        ('[cap.feeds.policy]\nstatuses = ["Real"]\n', "cap.feeds.0.policy.statuses"),
        (FEED, "cap.feeds"),  # the same name twice
        ("poll_seconds = 1\n", "cap.feeds.0.poll_seconds"),
        ('allowed_hosts = ["https://data.bmkg.go.id"]\n', "cap.feeds.0.allowed_hosts"),
        ('allowed_hosts = ["data.bmkg.go.id/cap"]\n', "cap.feeds.0.allowed_hosts"),
        ('allowed_hosts = ["*.bmkg.go.id"]\n', "cap.feeds.0.allowed_hosts"),
        ('allowed_hosts = ["user@data.bmkg.go.id"]\n', "cap.feeds.0.allowed_hosts"),
        ('allowed_hosts = ["data.bmkg.go.id:70000"]\n', "cap.feeds.0.allowed_hosts"),
    ],
)
def test_bad_feed_settings_name_the_key(tmp_path: Path, extra: str, named: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FEED + extra)
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        load_settings(path)


def test_the_shipped_config_has_no_feed_so_the_demo_stays_offline() -> None:
    shipped = Path(__file__).resolve().parents[2] / "config.toml"
    assert load_settings(shipped).cap.feeds == []
    assert "[[cap.feeds]]" in shipped.read_text()  # documented, commented out
