"""Announcement and dispatch lists (API and pages) show a scoped user only what concerns
their region, plus what they wrote; an unscoped admin sees everything."""

from __future__ import annotations

from content.model import Announcement, Target, Variant
from tests.web.conftest import Web


def _content(region: str) -> Announcement:
    return Announcement(
        variants={"id": Variant(title="Uji", body="Isi")}, target=Target(regions=[region])
    )


async def _ids(web: Web, who: str, path: str) -> list[int]:
    async with web.client(token_of=who) as client:
        r = await client.get(path)
    assert r.status_code == 200, r.text
    body = r.json()
    items = body["items"] if isinstance(body, dict) else body
    return [int(item["id"]) for item in items]


async def test_two_scoped_officers_see_their_own_region(web: Web) -> None:
    rig = web.rig
    tangerang = await rig.approved(regions=("3671",))
    serang = await rig.approved(regions=("3673010001",))
    banten = await rig.approved(regions=("36",))
    d_tangerang = await rig.dispatch_now(tangerang)
    d_serang = await rig.dispatch_now(serang)
    own = await rig.app.workflow.create("serang_officer", _content("3673"))

    everything = await _ids(web, "admin", "/api/v1/announcements?limit=100")
    assert {tangerang.id, serang.id, banten.id, own.id} <= set(everything)

    serang_sees = await _ids(web, "serang_officer", "/api/v1/announcements?limit=100")
    assert serang.id in serang_sees and banten.id in serang_sees and own.id in serang_sees
    assert tangerang.id not in serang_sees

    # rt_admin is scoped to one village in Kota Tangerang
    rt_sees = await _ids(web, "rt_admin", "/api/v1/announcements?limit=100")
    assert tangerang.id in rt_sees and banten.id in rt_sees
    assert serang.id not in rt_sees and own.id not in rt_sees

    assert await _ids(web, "serang_officer", "/api/v1/dispatches") == [d_serang.id]
    assert await _ids(web, "rt_admin", "/api/v1/dispatches") == [d_tangerang.id]
    assert await _ids(web, "admin", "/api/v1/dispatches") == [d_serang.id, d_tangerang.id]

    # the pages use the same rule
    client, _ = await web.login("serang_officer")
    page = (await client.get("/announcements")).text
    assert f'href="/announcements/{serang.id}"' in page
    assert f'href="/announcements/{tangerang.id}"' not in page
    page = (await client.get("/dispatches")).text
    assert f'href="/dispatches/{d_serang.id}"' in page
    assert f'href="/dispatches/{d_tangerang.id}"' not in page
    admin, _ = await web.login("admin")
    page = (await admin.get("/dispatches")).text
    assert f'href="/dispatches/{d_tangerang.id}"' in page


async def test_author_sees_own_announcement_outside_scope(web: Web) -> None:
    rig = web.rig
    # the admin changes the Serang officer's scope after they wrote a Serang announcement
    own = await rig.app.workflow.create("serang_officer", _content("3673"))
    await rig.app.directory.update_user("admin", "serang_officer", None, "3602", None)
    seen = await _ids(web, "serang_officer", "/api/v1/announcements?limit=100")
    assert own.id in seen
    assert own.id in await _ids(web, "serang_verifier", "/api/v1/announcements?limit=100")
    assert own.id not in await _ids(web, "rt_admin", "/api/v1/announcements?limit=100")


async def test_by_id_reads_follow_the_same_rule(web: Web) -> None:
    """What a scoped user cannot list, they cannot open by id either: 404, as if it did not
    exist (ids outside the scope disclose nothing)."""
    rig = web.rig
    tangerang = await rig.approved(regions=("3671",))
    serang = await rig.approved(regions=("3673010001",))
    d_tangerang = await rig.dispatch_now(tangerang)
    d_serang = await rig.dispatch_now(serang)
    api = {
        "announcement": "/api/v1/announcements/{a}",
        "changes": "/api/v1/announcements/{a}/changes",
        "results": "/api/v1/announcements/{a}/results",
        "results.csv": "/api/v1/announcements/{a}/results.csv",
        "results.svg": "/api/v1/announcements/{a}/results.svg",
        "progress": "/api/v1/dispatches/{d}",
    }
    async with web.client(token_of="serang_officer") as client:
        for name, path in api.items():
            inside = await client.get(path.format(a=serang.id, d=d_serang.id))
            outside = await client.get(path.format(a=tangerang.id, d=d_tangerang.id))
            assert inside.status_code == 200, (name, inside.text)
            assert outside.status_code == 404, (name, outside.text)
    async with web.client(token_of="admin") as client:
        for path in api.values():
            seen = await client.get(path.format(a=tangerang.id, d=d_tangerang.id))
            assert seen.status_code == 200
    pages = [
        "/announcements/{a}",
        "/announcements/{a}/edit",
        "/announcements/{a}/results",
        "/announcements/{a}/results.csv",
        "/dispatches/{d}",
        "/dispatches/{d}/events",
    ]
    browser, _ = await web.login("serang_officer")
    for path in pages:
        outside = await browser.get(path.format(a=tangerang.id, d=d_tangerang.id))
        assert outside.status_code == 404, path
    inside = await browser.get(f"/announcements/{serang.id}")
    assert inside.status_code == 200
