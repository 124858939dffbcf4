"""The hoax desk in the running service: reports arrive as Inbox events, the verifiers' queue
is scoped to the regions concerned, the verdict, confirm and clarify forms (CSRF, two people,
audited), the reporters answered through the channel's sender, and the public registry /hoaks
with its search, case page and Atom feed."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from broadcaster.adapter import InboundEvent
from broadcaster.store.records import GroupStatus
from tests.store.support import KAMANISAN_RT1, TAJUR_RT1, collect
from tests.web.conftest import Web
from tests.web.conftest import web as web  # the fixture
from tests.whatsapp.conftest import wait_until

ATOM = "{http://www.w3.org/2005/Atom}"
GEMPA = (
    "BMKG: gempa magnitudo 8,7 akan mengguncang Banten malam ini pukul 23.00 WIB. Segera "
    "mengungsi ke tempat tinggi!"
)
ARISAN = "Arisan online RT 02 berhadiah motor, transfer Rp 100.000 ke rekening panitia hari ini."


async def _groups(web: Web) -> None:
    for region in (TAJUR_RT1, KAMANISAN_RT1):
        await web.rig.app.directory.add_group(
            "officer", "scripted", f"g-{region}", region, "rt", status=GroupStatus.active
        )


async def _report(web: Web, n: int, region: str, text: str) -> None:
    event = InboundEvent(
        kind="report",
        account="scripted",
        event_id=f"r{n}",
        address=f"g-{region}",
        data={"user": f"u{n}", "text": text, "media": None, "media_hash": None, "direct": False},
    )
    assert await web.rig.engine.inbox.handle(event)


async def test_queue_verdict_confirm_answers_and_public_registry(web: Web) -> None:
    store = web.rig.app.store
    await _groups(web)
    await _report(web, 1, TAJUR_RT1, GEMPA)
    await _report(web, 2, KAMANISAN_RT1, "Info dari grup sebelah: " + GEMPA.upper())
    await _report(web, 3, TAJUR_RT1, ARISAN)
    [gempa, arisan] = await store.list_hoax_cases()
    assert gempa.reports == 2 and arisan.reports == 1

    verifier, csrf = await web.login("verifier")
    page = await verifier.get("/hoaxes")
    assert page.status_code == 200
    assert page.text.index(gempa.code) < page.text.index(arisan.code)  # more reports first
    assert 'id="open-cases">2<' in page.text
    serang, serang_csrf = await web.login("serang_verifier")
    scoped = (await serang.get("/hoaxes")).text
    assert gempa.code in scoped and arisan.code not in scoped  # Tajur is not Serang's
    assert (await serang.get(f"/hoaxes/{arisan.id}")).status_code == 404

    form = {
        "label": "hoaks",
        "claim": "Gempa M8,7 akan mengguncang Banten malam ini",
        "explanation": "Gempa tidak dapat diprediksi waktunya; BMKG tidak pernah membuat "
        "peringatan seperti itu.",
        "sources": "https://www.bmkg.go.id/\nhttps://www.komdigi.go.id/",
    }
    url = f"/hoaxes/{gempa.id}"
    assert (await verifier.post(f"{url}/verdict", data=form)).status_code == 403  # no CSRF
    done = await verifier.post(f"{url}/verdict", data={**form, "csrf_token": csrf})
    assert done.status_code == 303
    case_page = (await verifier.get(url)).text
    assert "verifikator lain harus mengonfirmasinya" in case_page  # the proposer sees no button
    own = await verifier.post(f"{url}/confirm", data={"csrf_token": csrf})
    assert own.status_code == 403  # the two-person rule
    ok = await serang.post(f"{url}/confirm", data={"csrf_token": serang_csrf})
    assert ok.status_code == 303
    actions = [e.action for e in await collect(store.iter_audit())]
    assert "hoax.verdict_propose" in actions and "hoax.verdict_confirm" in actions

    # every reporter hears the verdict in the group they reported from, through the sender
    adapter = web.rig.adapter()

    async def answered() -> bool:
        got = {a for a, text in adapter.notices if "HOAKS" in text and gempa.code in text}
        return got == {f"g-{TAJUR_RT1}", f"g-{KAMANISAN_RT1}"}

    await wait_until(answered)

    anonymous = web.client()
    async with anonymous:
        registry = await anonymous.get("/hoaks")
        assert registry.status_code == 200 and gempa.code in registry.text
        assert arisan.code not in registry.text  # not ruled: not public
        assert gempa.code in (await anonymous.get("/hoaks", params={"q": "bmkg"})).text
        assert gempa.code not in (await anonymous.get("/hoaks", params={"q": "arisan"})).text
        public = await anonymous.get(f"/hoaks/{gempa.code}")
        assert public.status_code == 200
        assert "HOAKS" in public.text and "https://www.bmkg.go.id/" in public.text
        assert re.search(r'id="reports">2<', public.text)
        reporters = [r.reporter for r in await store.hoax_reports(gempa.id)]
        assert all(r and r not in public.text for r in reporters)  # never the reporters
        assert GEMPA not in public.text  # nor what they forwarded: the verifier's wording
        assert (await anonymous.get(f"/hoaks/{arisan.code}")).status_code == 404
        feed = await anonymous.get("/hoaks/feed.atom")
        assert feed.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(feed.content)  # well-formed, or this raises
        assert root.tag == f"{ATOM}feed"
        for tag in ("id", "title", "updated", "author"):
            assert root.find(f"{ATOM}{tag}") is not None, tag
        [entry] = root.findall(f"{ATOM}entry")
        for tag in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{ATOM}{tag}") or "").strip(), tag
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("href", "").endswith(f"/hoaks/{gempa.code}")
        assert "BMKG" in (entry.findtext(f"{ATOM}summary") or "")

    officer, officer_csrf = await web.login("officer")
    drafted = await officer.post(f"{url}/clarify", data={"csrf_token": officer_csrf})
    assert drafted.status_code == 303
    announcement_id = int(drafted.headers["location"].rsplit("/", 1)[1])
    record = await store.get_announcement(announcement_id)
    assert record.content.variant("id").title.startswith("Klarifikasi: Gempa M8,7")
    assert sorted(record.content.target.regions) == sorted([TAJUR_RT1, KAMANISAN_RT1])
    assert record.status.value == "draft"


async def test_the_reject_form_sends_the_case_back(web: Web) -> None:
    await _groups(web)
    await _report(web, 1, TAJUR_RT1, ARISAN)
    [case] = await web.rig.app.store.list_hoax_cases()
    verifier, csrf = await web.login("verifier")
    form = {"label": "misinformasi", "claim": "Arisan RT", "explanation": "x", "csrf_token": csrf}
    await verifier.post(f"/hoaxes/{case.id}/verdict", data=form)
    other, other_csrf = await web.login("verifier2")
    data = {"reason": "penjelasan kurang", "csrf_token": other_csrf}
    assert (await other.post(f"/hoaxes/{case.id}/reject", data=data)).status_code == 303
    assert (await web.rig.app.store.get_hoax_case(case.id)).status.value == "open"
    assert "penjelasan kurang" in (await other.get(f"/hoaxes/{case.id}")).text


async def test_the_authenticity_page_links_the_registry(web: Web) -> None:
    approved = await web.rig.approved()
    async with web.client() as anonymous:
        page = await anonymous.get(f"/v/{approved.short_code}")
    assert 'href="/hoaks"' in page.text


async def test_the_api_lists_and_shows_cases_in_scope(web: Web) -> None:
    await _groups(web)
    await _report(web, 1, TAJUR_RT1, ARISAN)
    await _report(web, 2, KAMANISAN_RT1, GEMPA)
    async with web.client(token_of="serang_verifier") as client:
        listed = (await client.get("/api/v1/hoaxes")).json()
        assert [c["regions"] for c in listed] == [[KAMANISAN_RT1]]
        one = await client.get(f"/api/v1/hoaxes/{listed[0]['id']}")
        assert one.status_code == 200 and one.json()["verdicts"] == []
        assert "reporter" not in one.text
        [arisan] = [c for c in await web.rig.app.store.list_hoax_cases() if c.id != listed[0]["id"]]
        assert (await client.get(f"/api/v1/hoaxes/{arisan.id}")).status_code == 404
