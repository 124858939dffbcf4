"""The approve page on a 390 px phone in Chromium (Playwright, headless): a verifier opens the
alert's link, logs in, sees the whole emergency without sideways scrolling inside the page's
column, and approves with a thumb-sized button. A screenshot goes to a temporary folder, or to
$BROADCASTER_SCREENSHOTS when set."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import missing_service
from tests.web.live import PASSWORD, Live, live_server

CHROMIUM = os.environ.get("BROADCASTER_CHROMIUM", "/usr/bin/chromium")
pytestmark = [pytest.mark.slow]
PHONE_WIDTH = 390  # px: the narrow phone the page must fit


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if not Path(CHROMIUM).exists():
        missing_service(f"no Chromium at {CHROMIUM}")
    with live_server(tmp_path_factory.mktemp("phone")) as server:
        yield server


def _emergency(live: Live) -> int:
    headers = {"Authorization": f"Bearer {live.tokens['officer']}"}
    content = {
        "variants": {
            "id": {
                "title": "Peringatan dini tsunami pantai Anyer–Carita, segera menjauh dari pantai",
                "body": "Gempa M6,8 di Selat Sunda. **Segera** menuju tempat tinggi.\n\n"
                "- Ikuti jalur evakuasi\n- https://bmkg.go.id/gempabumi/sangat-panjang/"
                "alamat-yang-tidak-boleh-melebarkan-halaman-di-ponsel",
            },
            "en": {"title": "Tsunami warning", "body": "Move to high ground **now**."},
        },
        "poll": {"question": "Apakah Anda sudah aman?", "options": ["Sudah", "Belum"]},
        "priority": "emergency",
        "source": "BMKG",
        "target": {"regions": ["3671"]},
    }
    with httpx.Client(base_url=live.url, headers=headers) as api:
        created = api.post("/api/v1/announcements", json={"content": content})
        assert created.status_code in (200, 201), created.text
        ann = int(created.json()["id"])
        assert api.post(f"/api/v1/announcements/{ann}/submit").status_code == 200
    return ann


def test_a_verifier_approves_on_a_phone(live: Live, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    ann = _emergency(live)
    shots = Path(os.environ.get("BROADCASTER_SCREENSHOTS") or tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_context(
                viewport={"width": PHONE_WIDTH, "height": 844}, is_mobile=True
            ).new_page()
            page.goto(f"{live.url}/emergency/{ann}")  # the alert's link
            expect(page).to_have_url(re.compile(r"/login"))
            page.fill("input[name=username]", "verifier")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(re.compile(rf"/emergency/{ann}$"))
            expect(page.locator("#content")).to_contain_text("Selat Sunda")
            expect(page.locator("#poll")).to_contain_text("Apakah Anda sudah aman?")
            expect(page.locator("#source")).to_contain_text("BMKG")
            # the page's column fits the phone: nothing in it is wider than the screen
            right = page.evaluate(
                "Math.max(...[...document.querySelectorAll('.emergency, .emergency *')]"
                ".map(e => e.closest('.scroll-x') && e !== e.closest('.scroll-x') ? 0 "
                ": e.getBoundingClientRect().right))"
            )
            assert right <= PHONE_WIDTH, right
            button = page.locator("#approve").bounding_box()
            assert button is not None and button["height"] >= 44 and button["width"] >= 300
            page.screenshot(path=str(shots / "emergency-phone.png"), full_page=True)
            page.click("#approve")
            expect(page).to_have_url(re.compile(r"/queue$"))
        finally:
            browser.close()
    with httpx.Client(
        base_url=live.url, headers={"Authorization": f"Bearer {live.tokens['verifier']}"}
    ) as api:
        assert api.get(f"/api/v1/announcements/{ann}").json()["status"] == "approved"
