"""Hoax reports to the WhatsApp Cloud API number, end to end through the emulator and the
running service: LAPOR <teks>, a forwarded picture followed by a bare LAPOR, the same picture
captioned LAPOR by a neighbour; each report lands as a case, each resident gets the code."""

from __future__ import annotations

import hashlib
from pathlib import Path

from adapters.sandbox.whatsapp import MediaIn
from adapters.whatsapp import WhatsAppAdapter
from tests.core.harness import rig

from .conftest import free_port, serve, wait_until

SITI, JOKO = "6281299990001", "6281299990002"
HOAX = "Besok pemadaman listrik total se-Banten 3 hari! Sebarkan ke semua grup!!"


async def test_lapor_and_forwarded_media_are_filed_and_acknowledged(tmp_path: Path) -> None:
    port = free_port()
    accounts = {
        "wa": {
            "adapter": "whatsapp",
            "sandbox": True,
            "template": "pengumuman_resmi",
            "webhook_url": f"http://127.0.0.1:{port}/hooks/wa/whatsapp",
        }
    }
    async with rig(tmp_path, accounts=accounts) as r, serve(r.engine, port):
        store = r.app.store
        wa = r.app.adapters["wa"]
        assert isinstance(wa, WhatsAppAdapter)
        sandbox = wa.sandbox

        async def said(to: str, words: str, count: int = 1) -> str:
            async def there() -> bool:
                return len(texts(to, words)) >= count

            await wait_until(there, within=10)
            return texts(to, words)[count - 1]

        def texts(to: str, words: str) -> list[str]:
            found = [str(m.payload) for m in sandbox.state.accepted if m.to == to]
            return [t for t in found if words in t]

        sandbox.inbound(SITI, text=f"lapor {HOAX}")
        await said(SITI, "HX-")
        [case] = await store.list_hoax_cases()
        assert case.code in texts(SITI, "HX-")[0] and case.channels == ("whatsapp",)
        [report] = await store.hoax_reports(case.id)
        assert report.content == HOAX and SITI not in str(report.reporter)
        # a forwarded picture, then a bare LAPOR: one report of the picture
        picture = MediaIn("image", b"jpeg bytes of a fake flood map")
        sandbox.inbound(SITI, media=picture, forwarded=True)
        sandbox.inbound(SITI, text="LAPOR")
        await said(SITI, "HX-", count=2)
        cases = await store.list_hoax_cases()
        assert len(cases) == 2
        media_case = next(c for c in cases if c.id != case.id)
        [media_report] = await store.hoax_reports(media_case.id)
        assert media_report.media_hash == hashlib.sha256(picture.content).hexdigest()
        assert media_case.code in texts(SITI, "HX-")[1]
        # the same picture, forwarded by a neighbour with LAPOR as its caption (a new media
        # id, the same bytes): the same case
        again = MediaIn("image", picture.content)
        sandbox.inbound(JOKO, text="LAPOR ini benar?", media=again, frequently_forwarded=True)
        await said(JOKO, media_case.code)
        assert [c.reports for c in await store.list_hoax_cases() if c.id == media_case.id] == [2]
        # a bare LAPOR with nothing forwarded before it gets the how-to, and no case
        sandbox.inbound(JOKO, text="LAPOR")
        await said(JOKO, "teruskan (forward)")
        assert len(await store.list_hoax_cases()) == 2
