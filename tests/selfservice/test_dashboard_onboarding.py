"""The dashboard's onboarding: a sheet imported after a preview of its problems, a WAHA
number's unmapped groups mapped many at once, and an invitation e-mailed to a user."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from adapters.email import EmailAdapter
from adapters.waha import WahaAdapter
from broadcaster.http import create_http_app
from broadcaster.store.records import AuditRecord, GroupStatus
from tests.core.harness import rig
from tests.web.conftest import PASSWORD, WEB, _password_hash, csrf_of, post_login
from tests.whatsapp.conftest import wait_until

ACCOUNTS = {
    "gw": {"adapter": "waha", "sandbox": True, "quiet_hours": "off"},
    "surel": {"adapter": "email", "sandbox": True},
}


@pytest.fixture(autouse=True)
def link_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCASTER_SECRET", "uji-rahasia-tautan-yang-panjang")


async def test_import_preview_discover_and_invite(tmp_path: Path) -> None:
    async with rig(tmp_path, accounts=ACCOUNTS, web=WEB) as r:
        store = r.app.store
        for name in ("officer", "admin", "serang_officer"):
            await store.set_password_hash(
                name,
                await _password_hash(),
                AuditRecord(actor=name, action="p", object_type="user", object_id=name),
            )
        transport = httpx.ASGITransport(app=create_http_app(r.engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as web:
            login = await post_login(web, {"username": "officer", "password": PASSWORD})
            assert login.status_code == 303
            page = await web.get("/groups/import")
            assert page.status_code == 200
            csrf = csrf_of(page.text)
            bad = (
                "account,address,region,kind\n"
                "gw,120363011111111111@g.us,3673010001,rt\n"
                "gw,bukan-grup,3673010001,rt\n"
                "surel,rt01@warga.example.id,KAMPUNG ANTAH,rt\n"
            )
            files = {"file": ("rt.csv", bad.encode(), "text/csv")}
            data = {"csrf_token": csrf, "action": "preview"}
            preview = await web.post("/groups/import", data=data, files=files)
            assert preview.status_code == 200
            assert "rt.csv:3:" in preview.text and "rt.csv:4:" in preview.text
            assert "rt.csv:2:" not in preview.text
            assert await store.find_group("whatsapp", "gw", "120363011111111111@g.us") is None
            good = [*bad.splitlines()[0:2], "surel,rt01@warga.example.id,Kamanisan,rt"]
            files = {"file": ("rt.csv", ("\n".join(good) + "\n").encode(), "text/csv")}
            preview = await web.post("/groups/import", data=data, files=files)
            assert "import-preview" in preview.text
            sheet = re.search(r'name="sheet" value="([^"]+)"', preview.text)
            assert sheet is not None
            assert await store.find_group("email", "surel", "rt01@warga.example.id") is None
            done = await web.post(
                "/groups/import",
                data={
                    "csrf_token": csrf,
                    "action": "import",
                    "sheet": sheet.group(1),
                    "name": "rt.csv",
                },
            )
            assert "import-done" in done.text
            imported = await store.find_group("email", "surel", "rt01@warga.example.id")
            assert imported is not None and imported.region == "3673010001"

            # the WAHA number's unmapped groups: two mapped at once, one with a bad region
            gw = r.app.adapters["gw"]
            assert isinstance(gw, WahaAdapter)
            a = gw.sandbox.create_group("RT 02 Tajur")
            b = gw.sandbox.create_group("PKK Kamanisan")
            c = gw.sandbox.create_group("Karang Taruna ?")
            listing = await web.get("/groups/discover")
            assert listing.status_code == 200
            assert all(x.id in listing.text for x in (a, b, c))
            form = {
                "csrf_token": csrf,
                "pick": [f"gw|{a.id}", f"gw|{b.id}", f"gw|{c.id}"],
                f"region|gw|{a.id}": "3671010001",
                f"kind|gw|{a.id}": "rt",
                f"title|gw|{a.id}": a.name,
                f"region|gw|{b.id}": "kamanisan",
                f"kind|gw|{b.id}": "pkk",
                f"title|gw|{b.id}": b.name,
                f"region|gw|{c.id}": "kampung antah berantah",
                f"kind|gw|{c.id}": "karang_taruna",
            }
            mapped = await web.post("/groups/discover", data=form)
            assert mapped.status_code == 200 and "discover-results" in mapped.text
            ga = await store.find_group("whatsapp", "gw", a.id)
            gb = await store.find_group("whatsapp", "gw", b.id)
            assert ga is not None and ga.region == "3671010001" and ga.status is GroupStatus.pending
            assert gb is not None and (gb.region, gb.kind) == ("3673010001", "pkk")
            assert await store.find_group("whatsapp", "gw", c.id) is None
            assert "no region matches" in mapped.text
            # an officer cannot open the users page
            assert (await web.get("/users")).status_code == 403

        async with httpx.AsyncClient(transport=transport, base_url="http://t") as admin:
            await post_login(admin, {"username": "admin", "password": PASSWORD})
            page = await admin.get("/users")
            assert page.status_code == 200
            await store.set_user_email(
                "verifier",
                "verifier@kampus.example.id",
                AuditRecord(actor="admin", action="e", object_type="user", object_id="v"),
            )
            sent = await admin.post(
                "/users/verifier/invite", data={"csrf_token": csrf_of(page.text)}
            )
            assert sent.status_code == 200 and "users-message" in sent.text
            mail = r.app.adapters["surel"]
            assert isinstance(mail, EmailAdapter)

            async def mailed() -> bool:
                return bool(mail.sandbox.messages_to("verifier@kampus.example.id"))

            await wait_until(mailed, within=10)
            [message] = mail.sandbox.messages_to("verifier@kampus.example.id")
            body = message.get_body(("plain",))
            assert body is not None
            link = re.search(r"http://127\.0\.0\.1:8080(/invite/\S+)", str(body.get_content()))
            assert link is not None
            form_page = await admin.get(link.group(1))
            assert form_page.status_code == 200 and "verifier" in form_page.text
