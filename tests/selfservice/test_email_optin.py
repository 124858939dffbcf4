"""The public /daftar page: an e-mail address subscribes itself with double opt-in. Until the
signed link in the confirmation mail is opened, the address is not a recipient: announcements
never reach it. Real SMTP sandbox, real HTTP app, real SQLite."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from adapters.email import EmailAdapter
from broadcaster.http import create_http_app
from broadcaster.store.records import GroupStatus
from broadcaster.web.optin import OptIn, OptIns
from tests.core.harness import rig
from tests.whatsapp.conftest import wait_until

ACCOUNTS = {"surel": {"adapter": "email", "sandbox": True}}
ADDRESS = "ibu.rt05@warga.example.id"


@pytest.fixture(autouse=True)
def link_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCASTER_SECRET", "uji-rahasia-tautan-yang-panjang")


def _texts(adapter: EmailAdapter, address: str) -> list[str]:
    texts = []
    for message in adapter.sandbox.messages_to(address):
        plain = message.get_body(("plain",))
        assert plain is not None
        texts.append(str(plain.get_content()))
    return texts


async def test_double_opt_in(tmp_path: Path) -> None:
    async with rig(tmp_path, accounts=ACCOUNTS) as r:
        adapter = r.app.adapters["surel"]
        assert isinstance(adapter, EmailAdapter)
        store = r.app.store
        app = create_http_app(r.engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
            page = await web.get("/daftar")
            assert page.status_code == 200 and 'name="email"' in page.text
            # a bad address and an unknown place are told, nothing is sent
            bad = await web.post("/daftar", data={"email": "bukan-surel", "place": "Tajur"})
            assert bad.status_code == 422
            nowhere = await web.post("/daftar", data={"email": ADDRESS, "place": "antah"})
            assert nowhere.status_code == 422 and "daftar-error" in nowhere.text
            sent = await web.post(
                "/daftar", data={"email": ADDRESS, "place": "kamanisan", "kind": "rt"}
            )
            assert sent.status_code == 200 and "daftar-sent" in sent.text

            async def mailed() -> bool:
                return len(_texts(adapter, ADDRESS)) == 1

            await wait_until(mailed, within=10)
            [mail] = _texts(adapter, ADDRESS)
            assert "pengumuman resmi" in mail
            found = re.search(r"http://127\.0\.0\.1:8080(/daftar/confirm/\S+)", mail)
            assert found is not None
            # not yet confirmed: not a recipient, an announcement does not reach it
            assert await store.find_group("email", "surel", ADDRESS) is None
            first = await r.approved(regions=("3673",), body="Kerja bakti **Minggu** pagi.")
            await r.dispatch_now(first)
            await r.engine.drain(5)
            assert len(_texts(adapter, ADDRESS)) == 1  # still only the confirmation
            # a tampered link does nothing
            tampered = await web.get(found.group(1)[:-3] + "abc")
            assert tampered.status_code == 410
            assert await store.find_group("email", "surel", ADDRESS) is None
            # the owner confirms: subscribed (active) at Kamanisan
            confirmed = await web.get(found.group(1))
            assert confirmed.status_code == 200 and "daftar-confirmed" in confirmed.text
            group = await store.find_group("email", "surel", ADDRESS)
            assert group is not None and group.status is GroupStatus.active
            assert (group.region, group.kind) == ("3673010001", "rt")
            again = await web.get(found.group(1))  # opening it twice is harmless
            assert again.status_code == 200
            second = await r.approved(regions=("3673",), body="Posyandu **Selasa** pukul 08.00.")
            await r.dispatch_now(second)

            async def delivered() -> bool:
                return any("Selasa" in t for t in _texts(adapter, ADDRESS))

            await wait_until(delivered, within=10)
            assert not any("Minggu" in t for t in _texts(adapter, ADDRESS))


def test_confirmation_links_expire() -> None:
    request = OptIn("surel", ADDRESS, "3673010001", "rt", "id")
    token = OptIns(b"secret", hours=-1).token(request)
    from broadcaster.errors import Expired

    with pytest.raises(Expired):
        OptIns(b"secret", hours=-1).read(token)
    assert OptIns(b"secret").read(token) == request
    with pytest.raises(Exception, match="not valid"):
        OptIns(b"another secret").read(token)
