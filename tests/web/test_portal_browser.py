"""The public portal in Debian's Chromium (Playwright, headless): the weight of every portal page
with everything it loads, no request leaves 127.0.0.1, readable with JavaScript off, and no
sideways scrolling at a phone's 390 px. Screenshots go to $BROADCASTER_SCREENSHOTS when set
(`make screenshots` refreshes docs/screenshots/portal-*.png)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import missing_service
from tests.web.live import Live, live_server

CHROMIUM = os.environ.get("BROADCASTER_CHROMIUM", "/usr/bin/chromium")
LIMIT = 100 * 1024  # bytes a portal page may weigh with everything it loads (issue 16)
PAGES = ("/", "/?q=banjir", "/wilayah/3671", "/wilayah/3671010001", "/embed/wilayah/3671")
pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not Path(CHROMIUM).exists():
        missing_service(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    wanted = os.environ.get("BROADCASTER_SCREENSHOTS")
    return Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")


def publish(live: Live, n: int) -> list[str]:
    """``n`` announcements created, approved by another person and sent, through the API."""
    codes = []
    officer = {"Authorization": f"Bearer {live.tokens['officer']}"}
    verifier = {"Authorization": f"Bearer {live.tokens['verifier']}"}
    api = f"{live.url}/api/v1"
    with httpx.Client(timeout=30) as http:
        for i in range(n):
            title = f"Peringatan dini banjir nomor {i + 1} untuk Kota Tangerang dan sekitarnya"
            body = "Hujan lebat diperkirakan **malam ini**. " * 6 + "\n\n- Amankan dokumen penting"
            content = {
                "variants": {"id": {"title": title, "body": body}},
                "priority": ("normal", "urgent", "emergency")[i % 3],
                "source": "BMKG",
                "target": {"regions": ["3671010001" if i % 2 else "3671"]},
            }
            made = http.post(f"{api}/announcements", json={"content": content}, headers=officer)
            assert made.status_code == 201, made.text
            number = made.json()["id"]
            codes.append(made.json()["short_code"])
            assert http.post(f"{api}/announcements/{number}/submit", headers=officer).is_success
            assert http.post(f"{api}/announcements/{number}/approve", headers=verifier).is_success
            sched = http.post(
                f"{api}/announcements/{number}/schedule", json={"when": "now"}, headers=officer
            )
            assert sched.status_code == 201, sched.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(c in http.get(f"{live.url}/?hal=1").text for c in codes[-20:]):
                break
            time.sleep(0.3)
    return codes


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, shots: Path) -> Iterator[Live]:
    with live_server(tmp_path_factory.mktemp("portal"), latency_ms=0) as server:
        publish(server, 24)  # more than a page: the heaviest list the portal shows
        yield server


def test_portal_pages_are_light_local_and_need_no_script(live: Live, shots: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            for width, height in ((390, 844), (1280, 800)):
                context = browser.new_context(
                    viewport={"width": width, "height": height}, java_script_enabled=False
                )
                page = context.new_page()
                for path in PAGES:
                    sizes: dict[str, int] = {}
                    hosts: set[str] = set()

                    def seen(response, sizes=sizes, hosts=hosts) -> None:  # type: ignore[no-untyped-def]
                        hosts.add(urlsplit(response.url).hostname or "")
                        sizes[response.url] = len(response.body())

                    page.on("response", seen)
                    answer = page.goto(live.url + path, wait_until="load")
                    assert answer is not None and answer.status == 200, path
                    page.remove_listener("response", seen)
                    total = sum(sizes.values())
                    assert total <= LIMIT, (path, total, sizes)
                    assert hosts == {"127.0.0.1"}, (path, hosts)
                    # with JavaScript off the announcements are there to read
                    assert page.locator("ol.p-list li").count() >= 1, path
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    assert wide <= width, (path, width, wide)
                    if path in ("/", "/wilayah/3671"):
                        name = "home" if path == "/" else "region"
                        page.screenshot(path=str(shots / f"portal-{name}-{width}.png"))
                context.close()
        finally:
            browser.close()
