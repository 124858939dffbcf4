"""Issue 16, "found when tried as a new user would": each fault reproduced through the real
dashboard (ASGI, real SQLite store, logged-in sessions), then shown fixed. The audit page's
width is measured in Chromium by tests/web/test_responsive.py."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from broadcaster.http import create_http_app
from broadcaster.store.records import AuditRecord
from broadcaster.web.accounts import create_token
from content.model import Announcement
from tests.core.harness import rig
from tests.web.conftest import PASSWORD, USERS, WEB, Web, _password_hash

ACCOUNTS = {
    "scripted": {"adapter": "scripted"},
    "wa": {"adapter": "whatsapp", "sandbox": True, "template": "pengumuman_resmi"},
}


@pytest.fixture
async def wa_web(tmp_path: Path) -> AsyncIterator[Web]:
    """The dashboard over a rig that also has a WhatsApp Cloud API account (sandboxed)."""
    async with rig(tmp_path, web=WEB, accounts=ACCOUNTS) as r:
        digest = await _password_hash()
        for name in USERS:
            audit = AuditRecord(actor=name, action="p", object_type="user", object_id=name)
            await r.app.store.set_password_hash(name, digest, audit)
        w = Web(r, create_http_app(r.engine))
        for name in USERS:
            w.tokens[name], _ = await create_token(r.app.store, name, name, "test")
        try:
            yield w
        finally:
            for client in w.opened:
                await client.aclose()


def _section(page: str, heading: str) -> str:
    """The page's text from ``heading`` to the next <h2>."""
    start = page.index(heading)
    end = page.find("<h2>", start + len(heading))
    return page[start : end if end > 0 else len(page)]


async def test_preview_shows_the_real_code_once_approved(web: Web) -> None:
    record = await web.rig.approved(regions=("3671",))
    officer, csrf = await web.login("officer")
    page = (await officer.get(f"/announcements/{record.id}")).text
    sent = _section(page, "Sebagaimana dikirim per kanal")
    assert f"/v/{record.short_code}" in sent, sent
    assert "PRATINJAU" not in page
    # the editor's live preview of a saved announcement uses its code as well
    draft = await web.rig.app.workflow.create("officer", record.content)
    form = {"title_id": "Uji", "body_id": "Isi", "regions": "3671", "csrf_token": csrf}
    live = (await officer.post(f"/preview?announcement={draft.id}", data=form)).json()
    assert f"/v/{draft.short_code}" in live["channels"][0]["messages"][0]["text"]


async def test_queue_shows_a_first_version_in_full(web: Web) -> None:
    content = Announcement.model_validate(
        {
            "variants": {
                "id": {
                    "title": "Vaksinasi campak",
                    "body": "Pos vaksin buka **Sabtu** di balai RW 03.\n\n- bawa KMS",
                }
            },
            "poll": {"question": "Akan datang?", "options": ["Ya", "Tidak"]},
            "target": {"regions": ["3671"]},
        }
    )
    record = await web.rig.app.workflow.create("officer", content)
    await web.rig.app.workflow.submit("officer", record.id)
    verifier, _ = await web.login("verifier")
    page = (await verifier.get("/queue")).text
    item = page[page.index(f'id="queue-{record.id}"') :]
    item = item[: item.index("</article>\n</div>") if "</article>\n</div>" in item else None]
    assert "Pos vaksin buka <strong>Sabtu</strong> di balai RW 03." in item
    assert "bawa KMS" in item and "Akan datang?" in item
    assert item.index("bawa KMS") < item.index("/approve")  # the text comes before the button


async def test_picker_offers_only_the_officers_scope(web: Web) -> None:
    await web.rig.add_groups(under="36")
    serang, _ = await web.login("serang_officer")
    tree = (await serang.get("/api/v1/regions/tree")).json()
    assert tree["node"]["code"] == "3673", tree["node"]
    assert tree["children"] and all(c["code"].startswith("3673") for c in tree["children"])
    assert tree["node"]["groups"] == sum(c["groups"] for c in tree["children"]) > 0
    admin, _ = await web.login("admin")
    full = (await admin.get("/api/v1/regions/tree")).json()
    assert full["node"] is None and "36" in [c["code"] for c in full["children"]]


async def test_whatsapp_preview_is_drawn_as_whatsapp_shows_it(wa_web: Web) -> None:
    record = await wa_web.rig.approved(regions=("3671",), poll=True)
    officer, csrf = await wa_web.login("officer")
    page = (await officer.get(f"/announcements/{record.id}")).text
    sent = _section(page, "Sebagaimana dikirim per kanal")
    wa = sent[sent.index("(whatsapp)") :]
    assert '"body"' not in html.unescape(wa) and "&#34;" not in wa  # no raw JSON
    assert "<strong>" in wa and "*" not in re.sub(r"<[^>]+>", "", wa.split("wa-button")[0])
    options = record.content.poll.options if record.content.poll else []
    for option in options:
        assert f'<span class="wa-button">{html.escape(option)}</span>' in wa
    # the editor's live preview gets the same drawing
    form = {"title_id": "Uji", "body_id": "Ada *tebal*", "regions": "3671", "csrf_token": csrf}
    data = (await officer.post("/preview", data={**form, "poll_question": "Setuju?"})).json()
    wa_json = next(c for c in data["channels"] if c["channel"] == "whatsapp")
    assert wa_json["messages"][0]["html"].startswith('<div class="wa">')


async def test_error_pages_are_html_in_the_readers_language(web: Web) -> None:
    officer, _ = await web.login("officer")
    r = await officer.get("/announcements/abc")
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "jenisnya salah" in r.text and "announcement_id" in r.text and "<html" in r.text
    r = await officer.get("/tidak-ada")
    assert r.status_code == 404 and "Tidak ada halaman di alamat ini" in r.text
    await officer.get("/lang/en?next=/")
    r = await officer.get("/dispatches/x")
    assert r.status_code == 422 and "value of the wrong kind" in r.text
    # the API keeps JSON errors
    api = await officer.get("/api/v1/announcements/abc")
    assert api.status_code == 422 and api.headers["content-type"] == "application/json"


async def test_a_fault_shows_an_html_500_page(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    transport = httpx.ASGITransport(app=web.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        form = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text)
        assert token
        data = {"username": "officer", "password": PASSWORD, "csrf_token": token.group(1)}
        assert (await client.post("/login", data=data)).status_code == 303
        monkeypatch.setattr(web.rig.app.store, "list_visible_dispatches", broken)
        r = await client.get("/dispatches")
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    assert "kesalahan di pihak kami" in r.text and "disk on fire" not in r.text


def test_preview_html_carries_no_markup_of_its_own() -> None:
    """The previews are inserted as HTML: whatever the text holds comes out escaped, and
    Telegram's HTML keeps only the tags Telegram renders (no script, no event handlers)."""
    from broadcaster.web.preview_html import message_html

    evil = '<script>alert(1)</script><img src=x onerror="alert(2)"> *tebal* _miring_'
    wa = message_html("whatsapp", "text", {"body": evil})
    assert "<script" not in wa and "<img" not in wa and "&lt;script&gt;" in wa
    assert "<strong>tebal</strong>" in wa and "<em>miring</em>" in wa
    buttons = message_html("whatsapp", "buttons", {"body": "Q", "options": ["<b>x</b>", "Ya"]})
    assert '<span class="wa-button">&lt;b&gt;x&lt;/b&gt;</span>' in buttons
    listed = message_html("whatsapp", "list", {"body": "Q", "button": "Pilih", "options": ["A"]})
    assert "☰ Pilih" in listed and "<li>◯ A</li>" in listed
    tg = message_html("telegram", "text", {"text": "<b>ok</b>" + evil})
    assert "<b>ok</b>" in tg and "<script" not in tg and "onerror" not in tg and "<img" not in tg
    link = message_html("telegram", "text", {"text": '<a href="javascript:alert(1)">x</a>'})
    assert "javascript:" not in link
