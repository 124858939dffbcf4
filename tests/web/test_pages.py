"""Dashboard pages: editor and preview, verification queue with changes, live progress over
Server-Sent Events, results with SVG chart and CSV, groups, audit, and the public /v/CODE."""

from __future__ import annotations

import asyncio
import csv
import io
import json

from broadcaster.adapter import InboundEvent
from broadcaster.store.records import GroupFilter, GroupStatus, PollRef
from tests.web.conftest import Web

FORM = {
    "title_id": "Waspada banjir",
    "body_id": "Mohon **waspada** di bantaran sungai.",
    "priority": "urgent",
    "source": "BPBD Banten",
    "regions": "3671",
    "poll_question": "Rumah Anda tergenang?",
    "poll_options": "Ya\nTidak",
}


async def _compose(web: Web) -> int:
    client, csrf = await web.login("officer")
    r = await client.post("/announcements/new", data={**FORM, "csrf_token": csrf})
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


async def test_editor_preview_and_problems(web: Web) -> None:
    client, csrf = await web.login("officer")
    r = await client.post("/preview", data=FORM, headers={"X-CSRF-Token": csrf})
    preview = r.json()
    assert preview["problems"] == []
    text = preview["channels"][0]["messages"][0]["text"]
    assert "Waspada banjir" in text and "Cek keaslian: http://127.0.0.1:8080/v/" in text
    bad = {**FORM, "title_id": "", "expires_at": "kemarin"}
    r = await client.post("/announcements/new", data={**bad, "csrf_token": csrf})
    assert r.status_code == 422 and "expires_at" in r.text


async def test_queue_shows_changes_then_approve(web: Web) -> None:
    ann = await _compose(web)
    officer, ocsrf = await web.login("officer")
    verifier, vcsrf = await web.login("verifier")
    await officer.post(f"/announcements/{ann}/submit", data={"csrf_token": ocsrf})
    r = await verifier.post(
        f"/announcements/{ann}/reject", data={"csrf_token": vcsrf, "reason": "sumber?"}
    )
    assert r.status_code == 303
    edited = {**FORM, "body_id": "Mohon **segera mengungsi** dari bantaran sungai."}
    await officer.post(f"/announcements/{ann}/edit", data={**edited, "csrf_token": ocsrf})
    await officer.post(f"/announcements/{ann}/submit", data={"csrf_token": ocsrf})
    queue = await verifier.get("/queue")
    assert f'id="queue-{ann}"' in queue.text
    assert "+Mohon **segera mengungsi** dari bantaran sungai." in queue.text
    assert "-Mohon **waspada** di bantaran sungai." in queue.text
    # the author cannot approve, even by posting the form directly
    r = await officer.post(f"/announcements/{ann}/approve", data={"csrf_token": ocsrf})
    assert r.status_code == 403
    r = await verifier.post(f"/announcements/{ann}/approve", data={"csrf_token": vcsrf})
    assert r.status_code == 303
    assert (await web.rig.app.store.get_announcement(ann)).status.value == "approved"


async def test_dispatch_progress_streams_until_done(web: Web) -> None:
    groups = await web.rig.add_groups(under="3671")
    ann = await _compose(web)
    officer, ocsrf = await web.login("officer")
    verifier, vcsrf = await web.login("verifier")
    await officer.post(f"/announcements/{ann}/submit", data={"csrf_token": ocsrf})
    await verifier.post(f"/announcements/{ann}/approve", data={"csrf_token": vcsrf})
    r = await officer.post(
        f"/announcements/{ann}/schedule", data={"csrf_token": ocsrf, "mode": "now"}
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/dispatches/")
    page = await officer.get(r.headers["location"])
    assert 'id="progress"' in page.text
    stream = await officer.get(r.headers["location"] + "/events")
    assert stream.headers["content-type"].startswith("text/event-stream")
    events = [
        json.loads(line[6:])
        for line in stream.text.splitlines()
        if line.startswith("data: {") and len(line) > 10
    ]
    last = events[-1]
    assert last["finished"] and last["sent"] == len(groups) and last["remaining"] == 0
    assert last["by_channel"]["scripted"]["sent"] == len(groups)
    assert last["by_regency"]["3671"]["sent"] == len(groups)
    assert last["regency_names"]["3671"] == "KOTA TANGERANG"


async def test_results_chart_and_csv(web: Web) -> None:
    await web.rig.add_groups(under="3671")
    record = await web.rig.approved(regions=("3671",), poll=True)
    dispatch = await web.rig.dispatch_now(record)
    store = web.rig.app.store
    for _ in range(300):
        if (await store.get_dispatch(dispatch.id)).status.value == "done":
            break
        await asyncio.sleep(0.02)
    # the scripted channel has no native polls: register two as a poll-capable adapter does
    group_ids = [g async for g in store.iter_groups(GroupFilter(region="3671"))][:2]
    await store.add_polls(
        [
            PollRef(
                account="scripted",
                poll_id=f"p{g.id}",
                announcement_id=record.id,
                dispatch_id=dispatch.id,
                group_id=g.id,
            )
            for g in group_ids
        ]
    )
    first, second = (f"p{g.id}" for g in group_ids)
    # residents vote (through the inbox, as adapters deliver votes): 2 × "Ya", 1 × "Tidak"
    for n, (poll, option) in enumerate([(first, 0), (first, 0), (second, 1)]):
        await web.rig.engine.inbox.handle(
            InboundEvent(
                "vote", "scripted", f"v{n}", data={"poll_id": poll, "user": n, "options": [option]}
            )
        )
    client, _ = await web.login("verifier")
    page = await client.get(f"/announcements/{record.id}/results?level=regency")
    assert "<svg" in page.text and "KOTA TANGERANG" in page.text
    r = await client.get(f"/announcements/{record.id}/results.csv?level=regency")
    table = list(csv.reader(io.StringIO(r.text)))
    assert table[0] == ["region", "name", "level", "groups", "Ya", "Tidak", "total"]
    assert table[1][0] == "3671" and table[1][4:] == ["2", "1", "3"]
    async with web.client("verifier") as api:
        svg = await api.get(f"/api/v1/announcements/{record.id}/results.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "2 (67%)" in svg.text and "1 (33%)" in svg.text


async def test_public_verification_page(web: Web) -> None:
    record = await web.rig.approved(regions=("3671",))
    async with web.client() as anyone:
        page = await anyone.get(f"/v/{record.short_code}")
        assert page.status_code == 200
        assert "Asli: disetujui oleh Dinas Kominfo Banten" in page.text
        assert record.approved_hash is not None and record.approved_hash in page.text
        assert "BPBD Banten" in page.text and "<strong>waspada</strong>" in page.text
        assert "verifikator" in page.text  # the role, in Indonesian
        assert ": verifier" not in page.text  # no names unless config allows
        draft = await web.rig.app.workflow.create("officer", record.content)
        assert (await anyone.get(f"/v/{draft.short_code}")).status_code == 404
        assert (await anyone.get("/v/ZZZZZZ")).status_code == 404
    web.rig.app.settings.web.show_approver_names = True
    async with web.client() as anyone:
        page = await anyone.get(f"/v/{record.short_code}")
        assert "verifikator: verifier" in page.text


async def test_groups_page_approves_pending(web: Web) -> None:
    group = await web.rig.app.directory.add_group(
        "rt_admin", "scripted", "chat-baru", "3671010001.RW001.RT001", "pkk", title="PKK Baru"
    )
    client, csrf = await web.login("verifier")
    page = await client.get("/groups")
    assert "PKK Baru" in page.text and "1 grup cocok" in page.text
    r = await client.post(f"/groups/{group.id}/approve", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert (await web.rig.app.store.get_group(group.id)).status is GroupStatus.active
    # a verifier may approve but not pause (groups.manage)
    r = await client.post(f"/groups/{group.id}/pause", data={"csrf_token": csrf})
    assert r.status_code == 403


async def test_audit_page_reports_the_chain(web: Web) -> None:
    client, _ = await web.login("admin")
    page = await client.get("/audit")
    assert "Rantai hash valid" in page.text
    db = web.rig.app.store.db  # type: ignore[attr-defined]
    await db.execute("DROP TRIGGER audit_no_update")  # what an attacker with the file could do
    await db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    page = await client.get("/audit")
    assert "Rantai hash rusak pada entri 2" in page.text
