"""The public /lapor form: anyone reports text, a link, a picture and a region; the report is
filed as a case and its code shown; CSRF-bound, picture size and type checked, rate-limited per
client address. Real HTTP app, real SQLite, the hoax desk's own intake."""

from __future__ import annotations

import hashlib
import re
import stat
from pathlib import Path

import httpx
import pytest

from broadcaster.hoaxdesk.media import media_dir
from broadcaster.http import create_http_app
from broadcaster.web.lapor import PER_ADDRESS, AddressLimiter, image_kind
from tests.core.harness import rig

HOAX = "Beredar pesan: bantuan sosial Rp 2 juta cair hari ini, isi data di bit.ly/bansos-banten"
#: cookies without the Secure flag, since the test client speaks plain http
PLAIN_HTTP = {"secure_cookies": False}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCASTER_SECRET", "uji-rahasia-lapor-yang-panjang")


def token_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


async def test_report_form_files_a_case_and_shows_its_code(tmp_path: Path) -> None:
    async with rig(tmp_path, http={"max_body": 256 * 1024}, web=PLAIN_HTTP) as r:
        store = r.app.store
        transport = httpx.ASGITransport(app=create_http_app(r.engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            page = await web.get("/lapor")
            assert page.status_code == 200 and 'name="image"' in page.text
            assert "Laporkan pesan yang mencurigakan" in page.text  # Indonesian first
            csrf = token_of(page.text)
            # a form posted without the token bound to this browser's cookie files nothing
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as other:
                forged = await other.post("/lapor", data={"text": HOAX, "csrf_token": csrf})
            assert forged.status_code == 403 and "lapor-error" in forged.text
            assert await store.list_hoax_cases() == []
            form = {
                "csrf_token": csrf,
                "text": HOAX,
                "link": "https://bit.ly/bansos-banten?utm_source=wa",
                "place": "3671010001",
            }
            files = {"image": ("bansos.png", PNG, "image/png")}
            sent = await web.post("/lapor", data=form, files=files)
            assert sent.status_code == 200, sent.text
            [case] = await store.list_hoax_cases()
            assert f'id="lapor-code">{case.code}<' in sent.text
            assert case.regions == ("3671010001",) and case.channels == ("web",)
            [report] = await store.hoax_reports(case.id)
            assert report.media_hash == hashlib.sha256(PNG).hexdigest()
            assert report.media_ref == f"sha256:{report.media_hash}"
            # the picture itself is kept for the verifiers, readable by the service only
            kept = media_dir(r.app.settings.service.data_dir) / f"{report.media_hash}.png"
            assert kept.read_bytes() == PNG and stat.S_IMODE(kept.stat().st_mode) == 0o600
            assert report.link == form["link"] and report.content == HOAX
            # the same message again, with emoji and spacing, link without tracking: one case
            same = {
                "csrf_token": csrf,
                "text": "😱  " + HOAX.replace(" ", "  ") + " !!!",
                "link": "https://bit.ly/bansos-banten",
            }
            again = await web.post("/lapor", data=same)
            assert case.code in again.text
            assert [c.reports for c in await store.list_hoax_cases()] == [2]


async def test_bad_input_is_refused_and_nothing_filed(tmp_path: Path) -> None:
    async with rig(tmp_path, http={"max_body": 256 * 1024}, web=PLAIN_HTTP) as r:
        transport = httpx.ASGITransport(app=create_http_app(r.engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            csrf = token_of((await web.get("/lapor")).text)
            cases = {
                "empty": ({"text": "  "}, None),
                "link": ({"text": HOAX, "link": "javascript:alert(1)"}, None),
                "image_type": ({"text": HOAX}, ("x.png", b"<svg onload=alert(1)>", "image/png")),
                "image_size": ({"text": HOAX}, ("big.png", PNG + b"\x00" * 200_000, "image/png")),
                "region": ({"text": HOAX, "place": "kampung antah berantah"}, None),
            }
            for error, (data, upload) in cases.items():
                files = {"image": upload} if upload else None
                answer = await web.post("/lapor", data={"csrf_token": csrf, **data}, files=files)
                assert answer.status_code in (413, 422), (error, answer.status_code)
                assert 'id="lapor-error"' in answer.text, error
            assert await r.app.store.list_hoax_cases() == []
            assert not media_dir(r.app.settings.service.data_dir).exists()  # nothing kept


async def test_reports_are_rate_limited_per_client_address(tmp_path: Path) -> None:
    async with rig(tmp_path, web=PLAIN_HTTP) as r:
        transport = httpx.ASGITransport(app=create_http_app(r.engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            csrf = token_of((await web.get("/lapor")).text)
            for n in range(PER_ADDRESS):
                ok = await web.post("/lapor", data={"csrf_token": csrf, "text": f"{HOAX} {n}"})
                assert ok.status_code == 200
            refused = await web.post("/lapor", data={"csrf_token": csrf, "text": "satu lagi"})
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
            assert len(await r.app.store.list_hoax_cases()) <= PER_ADDRESS


def test_limiter_window_slides_and_keys_are_separate() -> None:
    limiter = AddressLimiter(limit=2, window=60)
    limiter.hit("10.0.0.1", now=0)
    limiter.hit("10.0.0.1", now=10)
    assert limiter.retry_after("10.0.0.1", now=20) == pytest.approx(40)
    assert limiter.retry_after("10.0.0.2", now=20) == 0
    assert limiter.retry_after("10.0.0.1", now=60) == 0  # the first hit left the window


def test_image_kinds_by_magic_bytes() -> None:
    assert image_kind(PNG) == "png"
    assert image_kind(b"\xff\xd8\xff\xe0rest") == "jpeg"
    assert image_kind(b"GIF89a...") == "gif"
    assert image_kind(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert image_kind(b"%PDF-1.7") is None and image_kind(b"<svg") is None
