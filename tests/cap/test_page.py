"""The announcement page of a CAP draft shows the verifier the warning's timings, the names
that were not resolved and the CAP source (escaped)."""

from __future__ import annotations

import html

from broadcaster.announcements import Workflow
from broadcaster.cap.intake import Intake
from tests.cap.conftest import BMKG, cap_bytes
from tests.web.conftest import Web, web  # noqa: F401  (the running app fixture)


async def test_the_verifier_sees_notes_timings_and_the_cap_source(web: Web) -> None:  # noqa: F811
    store = web.rig.app.store
    out = await Intake(store, Workflow(store)).receive(
        cap_bytes("bmkg_nowcast_ambiguous.xml"), BMKG
    )
    client, _ = await web.login("verifier")
    page = await client.get(f"/announcements/{out.announcement_id}")
    assert page.status_code == 200
    text = page.text
    assert "Peringatan resmi (CAP)" in text  # Indonesian first
    assert "CBT20261206002" in text and "draf dibuat setelah" in text
    notes = text.split('id="cap-notes"')[1].split("</ul>")[0]
    assert html.escape("Kampung Antah Berantah (no region with this name)") in notes
    assert "Kasemen (no region with this name)" in notes  # not in this small tree
    source = text.split('id="cap-source">')[1].split("</pre>")[0]
    assert "&lt;identifier&gt;CBT20261206002&lt;/identifier&gt;" in source
    assert "<identifier>" not in source  # shown as text, never as markup
    plain = await client.get("/announcements")
    assert plain.status_code == 200


async def test_an_announcement_written_by_a_person_has_no_cap_block(web: Web) -> None:  # noqa: F811
    store = web.rig.app.store
    from tests.store.support import new_announcement

    record = await new_announcement(store)
    client, _ = await web.login("verifier")
    page = await client.get(f"/announcements/{record.id}")
    assert page.status_code == 200 and 'id="cap"' not in page.text


async def test_a_notice_to_the_groups_reached_says_so_and_keeps_it_when_edited(
    web: Web,  # noqa: F811
) -> None:
    from content.model import Announcement, Target, Variant

    store = web.rig.app.store
    notice = Announcement(
        variants={"id": Variant(title="DIBATALKAN: Gempa", body="Peringatan dicabut.")},
        target=Target(regions=["36"], reached_by=[41]),
    )
    record = await Workflow(store).create("officer", notice)
    client, _ = await web.login("officer")
    page = await client.get(f"/announcements/{record.id}")
    assert 'id="reached-by"' in page.text and "41" in page.text
    editor = await client.get(f"/announcements/{record.id}/edit")
    assert 'name="reached_by" value="41"' in editor.text
