"""The pictures of the web form ``/lapor`` kept for the verifiers: posted through the real form,
stored once as a private file, shown on the case page to readers in scope only (404 elsewhere),
never on the public registry, and deleted by the retention purge once no report refers to it.
Real HTTP app, real SQLite store, the hoax desk's own intake and purge."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time

import httpx
import pytest

from broadcaster.config import HoaxConfig
from broadcaster.hoaxdesk import media
from broadcaster.hoaxdesk.housekeeping import purge_once
from tests.web.conftest import Web
from tests.web.conftest import web as web  # the fixture

#: a real (1×1, red) PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763"
    "f8cfc000000301010018dd8db00000000049454e44ae426082"
)
DIGEST = hashlib.sha256(PNG).hexdigest()
HOAX = "Beredar foto surat edaran: bansos Rp 2 juta cair hari ini, isi data di bit.ly/bansos"
PLACE = "3671010001"  # Tajur (Kota Tangerang): the Banten verifiers' scope, not Serang's


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCASTER_SECRET", "uji-rahasia-gambar-yang-panjang")


async def _report(client: httpx.AsyncClient, text: str) -> httpx.Response:
    page = await client.get("/lapor")
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert found is not None
    form = {"csrf_token": found.group(1), "text": text, "place": PLACE}
    sent = await client.post("/lapor", data=form, files={"image": ("foto.png", PNG, "image/png")})
    assert sent.status_code == 200, sent.text
    return sent


async def test_reported_picture_is_kept_shown_in_scope_and_purged(web: Web) -> None:
    store = web.rig.app.store
    folder = media.media_dir(web.rig.app.settings.service.data_dir)
    async with web.client() as resident:
        await _report(resident, HOAX)
        kept = folder / f"{DIGEST}.png"
        assert kept.read_bytes() == PNG
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        inode = kept.stat().st_ino
        # the same picture with other words: the same case, the picture stored once
        await _report(resident, "Sebarkan!! Foto surat bansos ini asli?")
    [case] = await store.list_hoax_cases()
    assert case.reports == 2
    assert os.listdir(folder) == [kept.name] and kept.stat().st_ino == inode

    url = f"/hoaxes/{case.id}/media/{DIGEST}"
    verifier, csrf = await web.login("verifier")
    page = await verifier.get(f"/hoaxes/{case.id}")
    assert page.text.count(f'<img src="{url}"') == 2  # on each report that holds it
    shown = await verifier.get(url)
    assert shown.status_code == 200 and shown.content == PNG
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert shown.headers["cache-control"] == "private, no-store"
    assert shown.headers["content-disposition"] == "inline"
    other = hashlib.sha256(b"another picture").hexdigest()
    assert (await verifier.get(f"/hoaxes/{case.id}/media/{other}")).status_code == 404
    assert (await verifier.get(f"/hoaxes/{case.id}/media/..%2F..%2Fsalt")).status_code == 404
    # an officer of another region does not see the case, nor its picture
    serang, _ = await web.login("serang_officer")
    assert (await serang.get(f"/hoaxes/{case.id}")).status_code == 404
    assert (await serang.get(url)).status_code == 404

    # ruled by two verifiers; the public pages never show or link the picture
    form = {"label": "hoaks", "claim": "Bansos Rp 2 juta cair hari ini", "explanation": "x"}
    await verifier.post(f"/hoaxes/{case.id}/verdict", data={**form, "csrf_token": csrf})
    second, second_csrf = await web.login("verifier2")
    confirmed = await second.post(f"/hoaxes/{case.id}/confirm", data={"csrf_token": second_csrf})
    assert confirmed.status_code == 303
    async with web.client() as anonymous:
        for public in ("/hoaks", f"/hoaks/{case.code}", "/hoaks/feed.atom"):
            answer = await anonymous.get(public)
            assert answer.status_code == 200, public
            assert DIGEST not in answer.text and "/media/" not in answer.text, public
        assert (await anonymous.get(url)).status_code == 303  # to the login page

    # retention: the reports lose their personal parts, then the picture goes
    later = time.time() + 2 * media.GRACE_SECONDS
    reports, pictures = await purge_once(store, HoaxConfig(retention_days=0), folder.parent, later)
    assert (reports, pictures) == (2, 1)
    assert not kept.exists() and os.listdir(folder) == []
    assert (await verifier.get(url)).status_code == 404
    assert "<img" not in (await verifier.get(f"/hoaxes/{case.id}")).text


async def test_the_purge_keeps_a_picture_an_unpurged_report_refers_to(web: Web) -> None:
    store = web.rig.app.store
    data_dir = web.rig.app.settings.service.data_dir
    async with web.client() as resident:
        await _report(resident, HOAX)
    kept = media.media_dir(data_dir) / f"{DIGEST}.png"
    # an orphan (no report refers to it), e.g. left by an older run: the sweep removes it
    orphan = await media.keep(kept.parent, "ab" * 32, "png", PNG)
    later = time.time() + 2 * media.GRACE_SECONDS
    # no verdict yet: nothing is due, so the reported picture stays
    assert await purge_once(store, HoaxConfig(retention_days=0), data_dir, later) == (0, 1)
    assert kept.read_bytes() == PNG and not orphan.exists()
    # a picture younger than the grace period is left alone (its report may be on its way in)
    fresh = await media.keep(kept.parent, "cd" * 32, "png", PNG)
    assert await media.sweep(store, kept.parent) == 0 and fresh.exists()
