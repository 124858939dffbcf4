"""The phone-friendly approve page (/emergency/ID): logged in, scoped, full content, the
approve / reject forms posting to the one approval workflow with CSRF, the timings; opening it
acknowledges the reader's alerts."""

from __future__ import annotations

import re

from broadcaster.store.contract.oncall import NewAlert
from broadcaster.store.records import AuditRecord
from content.model import Announcement, Poll, Priority, Target, Variant
from tests.web.conftest import Web, csrf_of


async def _emergency(web: Web) -> int:
    content = Announcement(
        variants={
            "id": Variant(title="Gempa M6,1 Selat Sunda", body="Jauhi **pantai** sekarang."),
            "en": Variant(title="M6.1 earthquake, Sunda Strait", body="Leave the **coast** now."),
        },
        poll=Poll(question="Anda aman?", options=["Aman", "Butuh bantuan"]),
        priority=Priority.emergency,
        source="BMKG",
        target=Target(regions=["3671"]),
    )
    wf = web.rig.app.workflow
    record = await wf.create("officer", content)
    await wf.submit("officer", record.id)
    return record.id


async def test_the_page_shows_everything_and_approves_through_the_workflow(web: Web) -> None:
    ann = await _emergency(web)
    store = web.rig.app.store
    await store.record_alerts(
        ann,
        [
            NewAlert(
                username="verifier",
                channel="email",
                account="scripted",
                address="v@kominfo.test",
                level=0,
                reason="on_duty",
                text="x",
            )
        ],
        AuditRecord(actor="system", action="oncall.alert", object_type="a", object_id=str(ann)),
    )
    verifier, csrf = await web.login("verifier")
    full = await verifier.get(f"/announcements/{ann}")
    assert f'href="/emergency/{ann}"' in full.text  # the announcement page links here
    page = await verifier.get(f"/emergency/{ann}")
    assert page.status_code == 200
    html = page.text
    for text in (
        "Gempa M6,1 Selat Sunda",
        "M6.1 earthquake, Sunda Strait",
        "<strong>pantai</strong>",
        "Anda aman?",
        "Butuh bantuan",
        "BMKG",
        "KOTA TANGERANG",
        "/static/emergency.css",
        'name="viewport"',
    ):
        assert text in html, text
    assert f'action="/announcements/{ann}/approve"' in html
    assert f'action="/announcements/{ann}/reject"' in html
    assert re.search(r'id="t-human"><th>[^<]+</th><td>–</td>', html)  # not approved yet
    # opening the page acknowledged the verifier's alert (once, audited)
    [alert] = await store.alerts_for(ann)
    assert alert.acknowledged_at is not None

    # without the CSRF token nothing is approved
    refused = await verifier.post(f"/announcements/{ann}/approve", data={})
    assert refused.status_code == 403
    assert (await store.get_announcement(ann)).status.value == "submitted"
    done = await verifier.post(f"/announcements/{ann}/approve", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert (await store.get_announcement(ann)).status.value == "approved"
    page = await verifier.get(f"/emergency/{ann}")
    assert 'id="approve"' not in page.text
    human = re.search(r'id="t-human"><th>[^<]+</th><td>([^<]+)</td>', page.text)
    assert human is not None and human.group(1) != "–"


async def test_the_page_follows_login_scope_and_authorship(web: Web) -> None:
    ann = await _emergency(web)
    async with web.client() as anonymous:
        r = await anonymous.get(f"/emergency/{ann}")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    serang, _ = await web.login("serang_verifier")  # scoped to Kota Serang: 3671 is outside
    assert (await serang.get(f"/emergency/{ann}")).status_code == 404
    author, csrf = await web.login("officer")
    page = await author.get(f"/emergency/{ann}")
    assert page.status_code == 200
    assert 'id="approve"' not in page.text and 'id="cannot-verify"' in page.text
    assert csrf_of(page.text) == csrf
    # an API token (what a chat bot or script would hold) cannot use the dashboard page
    async with web.client(token_of="verifier") as token:
        r = await token.get(f"/emergency/{ann}")
        assert r.status_code in (303, 401, 403)
