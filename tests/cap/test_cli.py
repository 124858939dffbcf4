"""``broadcaster cap``: import from a file and a URL (JSON: the announcement id), the notes on
``announcements show``, received alerts, feed state, the CAP source; one-line errors."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from broadcaster.cli.main import app
from tests.cap.conftest import FIXTURES, cap_bytes

CONFIG = """
[service]
data_dir = "var"
[http]
enabled = false
[schedule]
quiet_hours = "off"
[accounts.outbox]
adapter = "file"
path = "outbox.jsonl"

[[cap.feeds]]
name = "bmkg"
url = "https://www.bmkg.go.id/alerts/nowcast/id"
poll_seconds = 60
default_target = ["36"]
[cap.feeds.policy]
min_severity = "Moderate"
"""


@pytest.fixture
def cli(tmp_path: Path) -> Any:
    (tmp_path / "config.toml").write_text(CONFIG)
    regions = tmp_path / "wilayah"
    regions.mkdir()
    (regions / "provinces.csv").write_text("36,BANTEN\n")
    (regions / "regencies.csv").write_text("3673,36,KOTA SERANG\n3602,36,KABUPATEN LEBAK\n")
    (regions / "districts.csv").write_text("3673010,3673,CURUG\n3673060,3673,KASEMEN\n")
    (regions / "villages.csv").write_text("3673010001,3673010,KAMANISAN\n")
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> Any:
        result = runner.invoke(app, [*args, "--config", str(tmp_path / "config.toml")])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    invoke("users", "add", "admin", "--role", "admin")
    invoke("regions", "import", str(regions), "--rw", "1", "--rt", "1", "--as", "admin")
    invoke("users", "add", "siti", "--role", "officer", "--scope", "36", "--as", "admin")
    invoke.tmp = tmp_path  # type: ignore[attr-defined]
    return invoke


@pytest.fixture
def fixture_server() -> Iterator[str]:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(FIXTURES))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_import_a_file_then_show_list_and_source(cli: Any) -> None:
    tmp: Path = cli.tmp
    path = tmp / "CBT20261206002_alert.xml"
    path.write_bytes(cap_bytes("bmkg_nowcast_ambiguous.xml"))
    out = json.loads(cli("cap", "import", str(path), "--as", "siti", "--json").stdout)
    assert out["outcome"] == "drafted" and isinstance(out["announcement_id"], int)
    shown = json.loads(cli("announcements", "show", str(out["announcement_id"]), "--json").stdout)
    assert shown["status"] == "draft"
    assert shown["cap"] == ["Alert CBT20261206002 (peringatan.dini@bmkg.go.id): drafted"]
    assert any("Kampung Antah Berantah (no region with this name)" in n for n in shown["cap_notes"])
    again = json.loads(cli("cap", "import", str(path), "--as", "siti", "--json").stdout)
    assert again["outcome"] == "duplicate" and again["announcement_id"] is None
    alerts = json.loads(cli("cap", "alerts", "--json").stdout)
    assert [a["identifier"] for a in alerts] == ["CBT20261206002"]
    assert alerts[0]["feed"] == "import" and alerts[0]["to_draft_s"] >= 0
    source = cli("cap", "source", str(out["announcement_id"])).stdout
    assert "<identifier>CBT20261206002</identifier>" in source
    feeds = json.loads(cli("cap", "feeds", "--json").stdout)
    assert feeds[0]["name"] == "bmkg" and feeds[0]["failures"] == 0


def test_import_from_a_url(cli: Any, fixture_server: str) -> None:
    url = f"{fixture_server}/bmkg_earthquake.xml"
    out = json.loads(cli("cap", "import", url, "--as", "siti", "--json").stdout)
    assert out["outcome"] == "drafted"
    shown = json.loads(cli("announcements", "show", str(out["announcement_id"]), "--json").stdout)
    assert shown["priority"] == "emergency"


def test_bad_cap_is_one_error_line_listing_the_problems(cli: Any) -> None:
    result = cli("cap", "import", str(FIXTURES / "malformed_enum.xml"), "--as", "siti", ok=False)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: CAP alert refused")
    assert "'Warning'" in lines[0] and "'Sure'" in lines[0]
    hostile = cli(
        "cap", "import", str(FIXTURES / "hostile_external_entity.xml"), "--as", "siti", ok=False
    )
    assert hostile.exit_code == 1 and "unsafe XML" in hostile.output
    missing = cli("cap", "import", str(cli.tmp / "nope.xml"), "--as", "siti", ok=False)
    assert missing.exit_code == 1 and "cannot be read" in missing.output
    assert json.loads(cli("cap", "alerts", "--json").stdout) == []


class _Origin(SimpleHTTPRequestHandler):
    """The fixtures, with ``/go/NAME`` answering 302 to ``server.target`` + ``/NAME``; every
    path requested is kept in ``server.seen``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(FIXTURES), **kwargs)

    def do_GET(self) -> None:
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        if not self.path.startswith("/go/"):
            return super().do_GET()
        self.send_response(302)
        self.send_header("Location", self.server.target + self.path[3:])  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _origin() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Origin)
    server.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def origins() -> Iterator[tuple[tuple[ThreadingHTTPServer, str], tuple[ThreadingHTTPServer, str]]]:
    one, two = _origin(), _origin()
    try:
        yield one, two
    finally:
        for server, _ in (one, two):
            server.shutdown()
            server.server_close()


def test_import_from_a_url_refuses_a_redirect_to_another_host(cli: Any, origins: Any) -> None:
    (first, first_host), (second, second_host) = origins
    first.target = f"http://{second_host}"
    result = cli(
        "cap", "import", f"http://{first_host}/go/bmkg_earthquake.xml", "--as", "siti", ok=False
    )
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and f"redirects to {second_host}" in lines[0]
    assert second.seen == []  # the other host was never asked
    assert json.loads(cli("cap", "alerts", "--json").stdout) == []


def test_import_from_a_url_follows_a_redirect_on_its_own_origin(cli: Any, origins: Any) -> None:
    (first, first_host), _ = origins
    first.target = f"http://{first_host}"
    url = f"http://{first_host}/go/bmkg_earthquake.xml"
    out = json.loads(cli("cap", "import", url, "--as", "siti", "--json").stdout)
    assert out["outcome"] == "drafted"
    assert first.seen == ["/go/bmkg_earthquake.xml", "/bmkg_earthquake.xml"]
