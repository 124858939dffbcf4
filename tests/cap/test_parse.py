"""CAP 1.2 in: the hardened parser and the checks of required elements and enumerations."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from broadcaster.cap.parse import MAX_CAP_BYTES, parse_alert, parse_datetime
from broadcaster.errors import CapInvalid
from tests.cap.conftest import FIXTURES, cap_bytes


def test_a_bmkg_nowcast_is_read_with_both_languages_and_its_areas() -> None:
    alert = parse_alert(cap_bytes("bmkg_nowcast.xml", None))
    assert (alert.identifier, alert.sender) == ("CBT20261206001", "peringatan.dini@bmkg.go.id")
    assert alert.sent.isoformat() == "2026-12-06T14:10:00+07:00"
    assert (alert.status, alert.msg_type, alert.scope) == ("Actual", "Alert", "Public")
    assert [i.language for i in alert.infos] == ["id-ID", "en-US"]
    first = alert.infos[0]
    assert (first.urgency, first.severity, first.certainty) == ("Immediate", "Severe", "Observed")
    assert first.categories == ("Met",)
    assert [a.area_desc for a in first.areas] == [
        "Kota Serang: Cipocok Jaya, Taktakan, Curug",
        "Kel. Gelam",
    ]
    assert first.areas[1].geocodes == (("KODE_WILAYAH", "36.73.03.0001"),)
    assert first.expires is not None and first.expires.isoformat() == "2026-12-06T17:00:00+07:00"


def test_update_and_cancel_carry_their_references() -> None:
    update = parse_alert(cap_bytes("bmkg_nowcast_update.xml"))
    cancel = parse_alert(cap_bytes("bmkg_nowcast_cancel.xml"))
    for alert in (update, cancel):
        assert [(r.sender, r.identifier) for r in alert.references] == [
            ("peringatan.dini@bmkg.go.id", "CBT20261206001")
        ]
    assert cancel.note == "Peringatan dicabut: hujan telah reda."


def test_missing_required_elements_are_all_listed() -> None:
    with pytest.raises(CapInvalid) as caught:
        parse_alert(cap_bytes("malformed_missing.xml", None))
    problems = caught.value.problems
    assert any("<sender> is missing" in p for p in problems)
    assert any("<scope> is missing" in p for p in problems)
    assert any("<sent>" in p and "dateTime" in p for p in problems)  # no time zone offset
    assert any("info[1]" in p and "<category> is missing" in p for p in problems)
    assert any("info[1]" in p and "<severity> is missing" in p for p in problems)
    assert any("area[1]" in p and "<areaDesc>" in p for p in problems)
    assert len(problems) == 6


def test_values_outside_the_enumerations_are_all_listed() -> None:
    with pytest.raises(CapInvalid) as caught:
        parse_alert(cap_bytes("malformed_enum.xml", None))
    text = str(caught.value)
    for bad in ("'Real'", "'Warning'", "'Weather'", "'Now'", "'Sure'"):
        assert bad in text
    assert "'Severe'" not in text  # a valid value is not reported
    assert len(caught.value.problems) == 5


def test_an_update_without_references_is_refused() -> None:
    data = (
        cap_bytes("bmkg_nowcast_update.xml")
        .replace(b"<references>", b"<note>")
        .replace(b"</references>", b"</note>")
    )
    with pytest.raises(CapInvalid, match="needs <references>"):
        parse_alert(data)


def test_billion_laughs_is_refused_before_any_expansion() -> None:
    started = time.perf_counter()
    with pytest.raises(CapInvalid, match="unsafe XML"):
        parse_alert((FIXTURES / "hostile_billion_laughs.xml").read_bytes())
    assert time.perf_counter() - started < 1.0  # expanded, it would be 10^9 "lol"s


def test_an_external_entity_is_never_fetched() -> None:
    fetched: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetched.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"secret")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/dtd"
        for doc in (
            (FIXTURES / "hostile_external_entity.xml").read_bytes(),
            (FIXTURES / "hostile_external_entity.xml")
            .read_bytes()
            .replace(b"file:///etc/passwd", url.encode()),
            f'<?xml version="1.0"?><!DOCTYPE alert SYSTEM "{url}"><alert/>'.encode(),
        ):
            with pytest.raises(CapInvalid, match="unsafe XML"):
                parse_alert(doc)
    finally:
        server.shutdown()
        server.server_close()
    assert fetched == []


def test_an_oversize_file_is_refused_unparsed() -> None:
    data = cap_bytes("bmkg_nowcast.xml")
    padding = b"<!--" + b"x" * MAX_CAP_BYTES + b"-->"
    with pytest.raises(CapInvalid, match="at most"):
        parse_alert(data.replace(b"<alert ", padding + b"<alert ", 1))
    parse_alert(data)  # the same alert without the padding is fine


def test_not_xml_and_a_wrong_root_are_refused() -> None:
    with pytest.raises(CapInvalid, match="not well-formed"):
        parse_alert(b"<alert><unclosed></alert>")
    with pytest.raises(CapInvalid, match="root element"):
        parse_alert(b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"/>')


def test_cap_datetimes_need_an_offset() -> None:
    assert parse_datetime("2026-12-06T14:10:00-00:00").utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        parse_datetime("2026-12-06T14:10:00")
    with pytest.raises(ValueError):
        parse_datetime("06/12/2026 14:10")
