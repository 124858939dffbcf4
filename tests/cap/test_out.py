"""CAP out: /v/CODE.cap.xml checked element by element against CAP 1.2 (required elements,
enumerations, dateTime with offset, schema order), /cap/feed.atom, and the round trip: our CAP
out read by our CAP in."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest

from broadcaster.announcements import Workflow
from broadcaster.cap.intake import Intake, Source
from broadcaster.cap.model import (
    ALERT_ORDER,
    AREA_ORDER,
    CATEGORIES,
    CERTAINTIES,
    INFO_ORDER,
    MSG_TYPES,
    NS,
    SCOPES,
    SEVERITIES,
    STATUSES,
    URGENCIES,
)
from broadcaster.cap.parse import MAX_INDEX_BYTES, parse_alert, safe_xml
from broadcaster.store.contract import Store
from content.hashing import content_hash
from content.model import Announcement, Priority, Target, Variant
from tests.cap.conftest import BMKG, cap_bytes
from tests.conftest import open_test_store
from tests.seed import seed_regions, seed_users
from tests.web.conftest import Web, web  # noqa: F401  (the running app fixture)

CAP_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
ATOM = "{http://www.w3.org/2005/Atom}"


def _local(node: Element) -> str:
    assert node.tag.startswith(f"{{{NS}}}"), f"{node.tag} is outside the CAP 1.2 namespace"
    return node.tag.split("}", 1)[1]


def _in_schema_order(node: Element, order: tuple[str, ...]) -> list[str]:
    names = [_local(child) for child in node]
    positions = [order.index(n) for n in names]  # ValueError: an element the schema lacks
    assert positions == sorted(positions), f"{names} is not in the schema's order {order}"
    return names


def _one(node: Element, name: str) -> str:
    found = node.findall(f"{{{NS}}}{name}")
    assert len(found) == 1, f"<{name}> occurs {len(found)} times"
    return found[0].text or ""


def check_cap(data: bytes) -> Element:
    """Every CAP 1.2 rule this file's output must follow; returns the root."""
    root = safe_xml(data, 512 * 1024)
    assert root.tag == f"{{{NS}}}alert"
    names = _in_schema_order(root, ALERT_ORDER)
    for required in ("identifier", "sender", "sent", "status", "msgType", "scope"):
        assert required in names
    identifier, sender = _one(root, "identifier"), _one(root, "sender")
    for value in (identifier, sender):
        assert value and not re.search(r"[\s,<&]", value)  # CAP: no spaces, commas, < or &
    assert CAP_DATETIME.match(_one(root, "sent"))
    assert _one(root, "status") in STATUSES
    assert _one(root, "msgType") in MSG_TYPES
    assert _one(root, "scope") in SCOPES
    infos = root.findall(f"{{{NS}}}info")
    assert infos
    for info in infos:
        inner = _in_schema_order(info, INFO_ORDER)
        for required in ("category", "event", "urgency", "severity", "certainty"):
            assert required in inner
        assert all(c.text in CATEGORIES for c in info.findall(f"{{{NS}}}category"))
        assert _one(info, "urgency") in URGENCIES
        assert _one(info, "severity") in SEVERITIES
        assert _one(info, "certainty") in CERTAINTIES
        for when in ("effective", "onset", "expires"):
            for node in info.findall(f"{{{NS}}}{when}"):
                assert CAP_DATETIME.match(node.text or ""), (when, node.text)
        for area in info.findall(f"{{{NS}}}area"):
            _in_schema_order(area, AREA_ORDER)
            assert _one(area, "areaDesc")
            for geocode in area.findall(f"{{{NS}}}geocode"):
                assert [_local(c) for c in geocode] == ["valueName", "value"]
    return root


async def _approved(web: Web, content: Announcement | None = None) -> int:  # noqa: F811
    store = web.rig.app.store
    workflow = Workflow(store)
    if content is None:
        out = await Intake(store, workflow).receive(cap_bytes("bmkg_earthquake.xml"), BMKG)
        assert out.announcement_id is not None
        ann = out.announcement_id
    else:
        ann = (await workflow.create("officer", content)).id
    await workflow.submit("officer", ann)
    await workflow.approve("verifier", ann)
    return ann


async def test_an_approved_cap_draft_is_published_as_cap_1_2(web: Web) -> None:  # noqa: F811
    store = web.rig.app.store
    ann = await _approved(web)
    record = await store.get_announcement(ann)
    async with web.client() as anonymous:
        r = await anonymous.get(f"/v/{record.short_code}.cap.xml")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/cap+xml")
    root = check_cap(r.content)
    assert _one(root, "identifier") == f"{record.short_code}-{record.approved_hash[:16]}"  # type: ignore[index]
    assert _one(root, "msgType") == "Alert" and _one(root, "status") == "Actual"
    assert _one(root, "sent").endswith("+07:00")  # Asia/Jakarta
    info = root.find(f"{{{NS}}}info")
    assert info is not None
    assert _one(info, "language") == "id-ID"
    # the original warning's classification is kept
    assert [_one(info, n) for n in ("category", "event", "urgency", "severity", "certainty")] == [
        "Geo",
        "Gempabumi",
        "Immediate",
        "Extreme",
        "Observed",
    ]
    assert _one(info, "headline") == record.content.variants["id"].title
    assert "Tidak berpotensi tsunami" in _one(info, "description")
    assert _one(info, "web") == f"http://127.0.0.1:8080/v/{record.short_code}"
    area = info.find(f"{{{NS}}}area")
    assert area is not None
    assert _one(area, "areaDesc") == "Kabupaten Lebak"
    assert [g.findtext(f"{{{NS}}}value") for g in area.findall(f"{{{NS}}}geocode")] == ["3602"]


async def test_round_trip_our_cap_out_read_by_our_cap_in(web: Web, tmp_path: Path) -> None:  # noqa: F811
    content = Announcement(
        variants={
            "id": Variant(title="Pemadaman listrik bergilir", body="Besok **08.00–12.00** WIB."),
            "en": Variant(title="Rolling power cuts", body="Tomorrow 08:00-12:00."),
        },
        priority=Priority.urgent,
        source="PLN UP3 Banten Utara",
        target=Target(regions=["3671010001", "3673010"]),
    )
    ann = await _approved(web, content)
    record = await web.rig.app.store.get_announcement(ann)
    async with web.client() as anonymous:
        body = (await anonymous.get(f"/v/{record.short_code}.cap.xml")).content
    check_cap(body)
    alert = parse_alert(body)
    assert [i.language for i in alert.infos] == ["id-ID", "en-US"]
    assert alert.infos[0].categories == ("Safety",)
    other: Store = await open_test_store("sqlite", tmp_path / "elsewhere")
    try:
        await seed_regions(other)
        await seed_users(other)
        source = Source(feed="neighbour", actor="system:cap:neighbour")
        out = await Intake(other, Workflow(other)).receive(body, source)
        assert out.outcome == "drafted", out
        again = await other.get_announcement(out.announcement_id or 0)
        assert again.content.priority is Priority.urgent  # Expected x Moderate → urgent
        assert sorted(again.content.target.regions) == ["3671010001", "3673010"]
        assert again.content.variants["id"].title == "Pemadaman listrik bergilir"
        assert "08.00–12.00" in again.content.variants["id"].body
        assert again.content.variants["en"].title == "Rolling power cuts"
        assert again.content.source is not None and "PLN UP3 Banten Utara" in again.content.source
    finally:
        await other.close()


async def test_drafts_and_rejected_ones_have_no_cap(web: Web) -> None:  # noqa: F811
    store = web.rig.app.store
    workflow = Workflow(store)
    out = await Intake(store, workflow).receive(cap_bytes("bmkg_earthquake.xml"), BMKG)
    draft = await store.get_announcement(out.announcement_id or 0)
    async with web.client() as anonymous:
        assert (await anonymous.get(f"/v/{draft.short_code}.cap.xml")).status_code == 404
        await workflow.submit("officer", draft.id)
        await workflow.reject("verifier", draft.id, "salah wilayah")
        assert (await anonymous.get(f"/v/{draft.short_code}.cap.xml")).status_code == 404
        assert (await anonymous.get("/v/NOSUCHCODE.cap.xml")).status_code == 404
        feed = await anonymous.get("/cap/feed.atom")
    assert draft.short_code not in feed.text


async def test_a_cancelled_announcement_is_published_as_a_cancel(web: Web) -> None:  # noqa: F811
    store = web.rig.app.store
    ann = await _approved(web)
    record = await store.get_announcement(ann)
    await Workflow(store).cancel("officer", ann, "dicabut")
    async with web.client() as anonymous:
        body = (await anonymous.get(f"/v/{record.short_code}.cap.xml")).content
    root = check_cap(body)
    assert _one(root, "msgType") == "Cancel"
    identifier = f"{record.short_code}-{record.approved_hash[:16]}"  # type: ignore[index]
    assert _one(root, "identifier") == identifier + "-cancel"
    refs = _one(root, "references").split(",")
    assert refs[1] == identifier and CAP_DATETIME.match(refs[2])
    cancel = parse_alert(body)  # our CAP in accepts it (references present)
    assert cancel.references[0].identifier == identifier


async def test_the_atom_feed_lists_the_latest_with_links_to_their_cap(web: Web) -> None:  # noqa: F811
    store = web.rig.app.store
    first = await store.get_announcement(await _approved(web))
    content = Announcement(
        variants={"id": Variant(title="Vaksinasi gratis", body="Di puskesmas.")},
        target=Target(regions=["3671"]),
    )
    second = await store.get_announcement(await _approved(web, content))
    async with web.client() as anonymous:
        r = await anonymous.get("/cap/feed.atom")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/atom+xml")
        feed = safe_xml(r.content, MAX_INDEX_BYTES, "feed")
        assert feed.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated"):
            assert feed.find(f"{ATOM}{required}") is not None
        entries = feed.findall(f"{ATOM}entry")
        assert [e.findtext(f"{ATOM}title") for e in entries] == [
            "Vaksinasi gratis",
            first.content.variants["id"].title,
        ]
        links = [
            link.get("href", "")
            for e in entries
            for link in e.findall(f"{ATOM}link")
            if link.get("type") == "application/cap+xml"
        ]
        assert links == [
            f"http://127.0.0.1:8080/v/{second.short_code}.cap.xml",
            f"http://127.0.0.1:8080/v/{first.short_code}.cap.xml",
        ]
        for link in links:  # each one is a CAP 1.2 alert
            check_cap((await anonymous.get(link.removeprefix("http://127.0.0.1:8080"))).content)
    assert content_hash(second.content) == second.content_hash


@pytest.mark.parametrize("priority", list(Priority))
def test_people_written_priorities_survive_the_round_trip(priority: Priority) -> None:
    from broadcaster.cap.drafting import priority_of
    from broadcaster.cap.out import PRIORITY_OUT

    assert priority_of(*PRIORITY_OUT[priority]) is priority
