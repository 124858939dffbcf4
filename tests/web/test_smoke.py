"""The thinnest end-to-end path through the API: compose → submit → approve → schedule → sent."""

from __future__ import annotations

import asyncio

from tests.web.conftest import Web


def _content(regions: list[str], poll: bool = False) -> dict[str, object]:
    content: dict[str, object] = {
        "variants": {"id": {"title": "Waspada banjir", "body": "Mohon **waspada**."}},
        "source": "BPBD Banten",
        "target": {"regions": regions},
    }
    if poll:
        content["poll"] = {"question": "Tergenang?", "options": ["Ya", "Tidak"]}
    return content


async def test_api_flow_sends_to_every_active_group(web: Web) -> None:
    groups = await web.rig.add_groups(under="3671")
    async with web.client("officer") as officer, web.client("verifier") as verifier:
        r = await officer.post("/api/v1/announcements", json={"content": _content(["3671"])})
        assert r.status_code == 201, r.text
        ann = r.json()
        assert ann["status"] == "draft"
        assert (await officer.post(f"/api/v1/announcements/{ann['id']}/submit")).status_code == 200
        r = await verifier.post(f"/api/v1/announcements/{ann['id']}/approve")
        assert r.json()["status"] == "approved", r.text
        r = await officer.post(f"/api/v1/announcements/{ann['id']}/schedule", json={"when": "now"})
        assert r.status_code == 201, r.text
        for _ in range(200):
            found = (await officer.get(f"/api/v1/dispatches?announcement_id={ann['id']}")).json()
            if found and found[0]["status"] == "done":
                break
            await asyncio.sleep(0.05)
        progress = (await officer.get(f"/api/v1/dispatches/{found[0]['id']}")).json()
    assert progress["sent"] == len(groups) and progress["remaining"] == 0
    assert progress["by_regency"]["3671"]["sent"] == len(groups)
    sent = web.rig.adapter().sent
    assert len({s.address for s in sent}) == len(groups)
    # every message ends with the verification link of this announcement
    assert all(ann["verify_url"] in str(s.message.payload["text"]) for s in sent)
