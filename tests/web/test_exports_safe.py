"""Issue 11.5: the dashboard's and the API's results downloads hold no live formula."""

from __future__ import annotations

import csv
import io

from content.model import Announcement, Poll, Target, Variant
from tests.web.conftest import Web

FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+2", "-3+4", "@SUM(1)", "\tTab", "\rCr"]


async def test_results_downloads_neutralise_formulas(web: Web) -> None:
    content = Announcement(
        variants={"id": Variant(title="Jajak", body="Isi.")},
        poll=Poll(question="Pilih", options=FORMULAS),
        source="Diskominfo",
        target=Target(regions=["3671"]),
    )
    record = await web.rig.app.workflow.create("officer", content)
    client, _ = await web.login("officer")
    async with web.client("officer") as api:
        for response in (
            await client.get(f"/announcements/{record.id}/results.csv"),
            await api.get(f"/api/v1/announcements/{record.id}/results.csv"),
        ):
            assert response.status_code == 200, response.text
            header = next(csv.reader(io.StringIO(response.content.decode(), newline="")))
            assert [h for h in header if h.startswith(("=", "+", "-", "@", "\t", "\r"))] == []
            assert ["'" + f for f in FORMULAS] == header[4:-1]
