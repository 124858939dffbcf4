"""The public portal (issue 16): /, /wilayah/CODE, feeds, embed, public poll results."""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

from broadcaster.adapter import InboundEvent
from broadcaster.store.records import AnnouncementRecord, AuditRecord, GroupFilter, PollRef
from content.hashing import content_hash
from content.model import Announcement, Poll, Target, Variant
from content.workflow import Status
from tests.web.conftest import Web

ATOM = "{http://www.w3.org/2005/Atom}"


def content(regions: list[str], title: str, **extra: Any) -> Announcement:
    return Announcement(
        variants={
            "id": Variant(title=title, body="Isi pengumuman."),
            "en": Variant(title=f"EN {title}", body="Announcement body."),
        },
        source="BPBD Banten",
        target=Target(regions=regions),
        **extra,
    )


async def sent(web: Web, regions: list[str], title: str, **extra: Any) -> AnnouncementRecord:
    """Created, approved by another person, dispatched and done, as in real use."""
    wf = web.rig.app.workflow
    record = await wf.create("officer", content(regions, title, **extra))
    await wf.submit("officer", record.id)
    record = await wf.approve("verifier", record.id)
    dispatch = await web.rig.dispatch_now(record)
    store = web.rig.app.store
    for _ in range(300):
        if (await store.get_dispatch(dispatch.id)).status.value == "done":
            break
        await asyncio.sleep(0.02)
    return await store.get_announcement(record.id)


async def unsent(web: Web) -> dict[str, AnnouncementRecord]:
    """A draft, a submitted, an approved, a rejected and an expired-unsent announcement."""
    wf = web.rig.app.workflow
    store = web.rig.app.store
    draft = await wf.create("officer", content(["3671"], "RAHASIA draf"))
    submitted = await wf.create("officer", content(["3671"], "RAHASIA diajukan"))
    await wf.submit("officer", submitted.id)
    approved = await wf.create("officer", content(["3671"], "RAHASIA disetujui"))
    await wf.submit("officer", approved.id)
    await wf.approve("verifier", approved.id)
    rejected = await wf.create("officer", content(["3671"], "RAHASIA ditolak"))
    await wf.submit("officer", rejected.id)
    await wf.reject("verifier", rejected.id, "salah sumber")
    # started going out, expired before anything of it was sent
    old = content(["3671"], "RAHASIA kedaluwarsa", expires_at=datetime.now(UTC) - timedelta(1))
    audit = AuditRecord(actor="t", action="t", object_type="announcement", object_id="")
    expired = await store.create_announcement("officer", old, content_hash(old), audit)
    await store.save_announcement(expired.id, expired.version, audit, status=Status.dispatching)
    return {"draft": draft, "submitted": submitted, "approved": approved, "rejected": rejected}


async def test_home_lists_only_what_went_out_newest_first(web: Web) -> None:
    await web.rig.add_groups(under="3671")
    first = await sent(web, ["3671"], "Banjir Ciledug")
    second = await sent(web, ["36"], "Vaksinasi Banten")
    await unsent(web)
    async with web.client() as anyone:
        page = await anyone.get("/")
        assert page.status_code == 200
        assert "set-cookie" not in page.headers
        html = page.text
        assert html.index("Vaksinasi Banten") < html.index("Banjir Ciledug")
        assert f'href="/v/{first.short_code}"' in html and f'href="/v/{second.short_code}"' in html
        assert "RAHASIA" not in html
        assert 'href="/login"' in html and ">Masuk<" in html  # officers' way in
        assert 'href="/cap/feed.atom"' in html and 'href="/hoaks"' in html
        assert "<script" not in html
        for feed in ("/feed.atom", "/feed.json", "/wilayah/36/feed.atom"):
            assert "RAHASIA" not in (await anyone.get(feed)).text


async def test_logged_in_users_land_on_their_dashboard(web: Web) -> None:
    client, _ = await web.login("officer")
    r = await client.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/announcements"


async def test_search_and_regency_filter(web: Web) -> None:
    await web.rig.add_groups(under="3673")
    flood = await sent(web, ["3673"], "Banjir Serang")
    polio = await sent(web, ["3671010001"], "Polio Tajur")
    async with web.client() as anyone:
        found = (await anyone.get("/", params={"q": "banjir"})).text
        assert flood.short_code in found and polio.short_code not in found
        # Tajur lies in Kota Tangerang (3671)
        found = (await anyone.get("/", params={"kab": "3671"})).text
        assert polio.short_code in found and flood.short_code not in found
        found = (await anyone.get("/", params={"kab": "3673", "q": "polio"})).text
        assert polio.short_code not in found and flood.short_code not in found
        # a verification code typed into the search opens its page
        r = await anyone.get("/", params={"q": f" {flood.short_code.lower()} "})
        assert r.status_code == 303 and r.headers["location"] == f"/v/{flood.short_code}"
        # an unknown regency is ignored, not an error
        assert (await anyone.get("/", params={"kab": "9999", "hal": "x"})).status_code == 200


async def test_region_page_drills_down_and_covers_above_and_below(web: Web) -> None:
    await web.rig.add_groups(under="36")
    province = await sent(web, ["36"], "Seluruh Banten")
    village = await sent(web, ["3671010001"], "Desa Tajur")
    serang = await sent(web, ["3673"], "Kota Serang saja")
    async with web.client() as anyone:
        regency = (await anyone.get("/wilayah/3671")).text
        assert province.short_code in regency and village.short_code in regency
        assert serang.short_code not in regency
        assert 'href="/wilayah/3671010"' in regency  # the district, to drill down
        assert 'href="/wilayah/36"' in regency  # the way up
        other_village = (await anyone.get("/wilayah/3671010002")).text
        assert province.short_code in other_village and village.short_code not in other_village
        rt = (await anyone.get("/wilayah/3671010001.RW001.RT001")).text
        assert province.short_code in rt and village.short_code in rt
        assert (await anyone.get("/wilayah/9999")).status_code == 404
        assert (await anyone.get("/wilayah/abc")).status_code == 404
        english = await anyone.get("/lang/en?next=/wilayah/3671")
        assert english.status_code == 303
        assert "EN Desa Tajur" in (await anyone.get("/wilayah/3671")).text


async def test_feeds_are_well_formed_and_complete(web: Web) -> None:
    await web.rig.add_groups(under="3671")
    record = await sent(web, ["3671"], "Banjir <Ciledug> & sekitarnya")
    async with web.client() as anyone:
        for url in ("/feed.atom", "/wilayah/3671/feed.atom", "/wilayah/3671010001/feed.atom"):
            r = await anyone.get(url)
            assert r.headers["content-type"].startswith("application/atom+xml")
            feed = ET.fromstring(r.content)  # well-formed XML
            assert feed.tag == f"{ATOM}feed"
            for required in ("id", "title", "updated"):
                assert feed.find(f"{ATOM}{required}") is not None, (url, required)
            [entry] = feed.findall(f"{ATOM}entry")
            for required in ("id", "title", "updated", "link", "summary"):
                assert entry.find(f"{ATOM}{required}") is not None, (url, required)
            assert entry.findtext(f"{ATOM}title") == "Banjir <Ciledug> & sekitarnya"
            link = entry.find(f"{ATOM}link")
            assert link is not None and link.get("href", "").endswith(f"/v/{record.short_code}")
        assert (await anyone.get("/wilayah/3673/feed.atom")).text.count("<entry") == 0
        r = await anyone.get("/feed.json")
        assert r.headers["content-type"].startswith("application/feed+json")
        feed_json = json.loads(r.text)
        assert feed_json["version"] == "https://jsonfeed.org/version/1.1"
        assert feed_json["title"] and feed_json["feed_url"].endswith("/feed.json")
        [item] = feed_json["items"]
        assert item["id"] and item["url"].endswith(f"/v/{record.short_code}")
        assert item["title"] == "Banjir <Ciledug> & sekitarnya"
        assert item["content_text"] and item["date_published"].endswith("Z")
        # feed readers send no cookie: the language is in the address, Indonesian by default
        await anyone.get("/lang/en?next=/")
        assert (await anyone.get("/feed.json")).json()["items"][0]["title"].startswith("Banjir")
        english = (await anyone.get("/feed.json?lang=en")).json()
        assert english["language"] == "en" and english["items"][0]["title"].startswith("EN ")


async def test_embed_is_plain_framable_and_cookieless(web: Web) -> None:
    await web.rig.add_groups(under="3671")
    record = await sent(web, ["3671"], "Banjir Ciledug")
    client, _ = await web.login("officer")  # even with a session cookie in the browser
    r = await client.get("/embed/wilayah/3671010001")
    assert r.status_code == 200
    assert "set-cookie" not in r.headers
    assert "x-frame-options" not in r.headers
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors *" in csp and "script-src" not in csp and "default-src 'none'" in csp
    assert "<script" not in r.text.lower() and record.short_code in r.text
    assert (await client.get("/embed/wilayah/3671010001?lang=en")).text.count("EN Banjir") == 1
    # every other page still refuses to be framed
    page = await client.get("/wilayah/3671")
    assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"


async def vote(web: Web, record: AnnouncementRecord, votes: dict[str, list[int]]) -> None:
    """Per village, the options its residents chose (spread over the village's groups)."""
    store = web.rig.app.store
    dispatch = (await store.list_dispatches(announcement_id=record.id))[0]
    groups = [g async for g in store.iter_groups(GroupFilter(region="36"))]
    await store.add_polls(
        [
            PollRef(
                account="scripted",
                poll_id=f"p{g.id}",
                announcement_id=record.id,
                dispatch_id=dispatch.id,
                group_id=g.id,
            )
            for g in groups
        ]
    )
    n = 0
    for village, options in votes.items():
        mine = [g for g in groups if g.region.startswith(village)]
        for i, option in enumerate(options):
            n += 1
            group = mine[i % len(mine)]
            await web.rig.engine.inbox.handle(
                InboundEvent(
                    "vote",
                    "scripted",
                    f"v{n}",
                    data={"poll_id": f"p{group.id}", "user": n, "options": [option]},
                )
            )


async def test_public_results_roll_up_and_hide_small_regions(web: Web) -> None:
    await web.rig.add_groups(under="36")
    poll = Poll(question="Tergenang?", options=["Ya", "Tidak"])
    public = await sent(web, ["36"], "Survei banjir", poll=poll, public_results=True)
    private = await sent(web, ["36"], "Survei tertutup", poll=poll)
    votes = {
        "3602010001": [0, 0, 0, 1, 1, 1],  # Lebak: 6
        "3671010001": [0, 0, 1],  # Tangerang: 3 + 4 = 7
        "3671010002": [0, 1, 1, 1],
        "3673010001": [0, 1],  # Serang: 2, too few to show
    }
    await vote(web, public, votes)
    await vote(web, private, votes)
    async with web.client() as anyone:
        assert 'id="hasil"' not in (await anyone.get(f"/v/{private.short_code}")).text
        top = (await anyone.get(f"/v/{public.short_code}")).text
        assert 'id="hasil"' in top
        # Tangerang (7) is shown; Serang (2) is not, and neither is Lebak (6): alone with
        # Serang in "other", the province total minus the shown rows would be Serang's 2
        assert "Kota Tangerang" in top and "Kota Serang" not in top
        assert "Kabupaten Lebak" not in top
        assert "Wilayah lain (digabung)" in top
        assert "?wilayah=3671#hasil" in top
        # Serang's own table would give its total away: refused, with the reason
        refused = (await anyone.get(f"/v/{public.short_code}?wilayah=3673")).text
        assert 'id="hasil"' not in refused and 'id="hasil-none"' in refused
        assert "Terlalu sedikit jawaban" in refused
        # the district below Tangerang: 3 and 4 are both below 5, only their sum is shown
        district = (await anyone.get(f"/v/{public.short_code}?wilayah=3671010")).text
        assert 'id="hasil"' in district
        assert "Tajur" not in district and "Parung Serab" not in district
        assert "?wilayah=3671#hasil" in district  # up one level
