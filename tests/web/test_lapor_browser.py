"""The /lapor form in Debian's Chromium (Playwright, headless) against a real ``broadcaster
run``: a resident on a phone-sized screen pastes a hoax, attaches a picture, picks the region
and gets the case code; the page needs no inline script (the CSP would block it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import missing_service
from tests.web.live import Live, live_server
from tests.web.test_browser import CHROMIUM

pytestmark = [pytest.mark.slow]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if not Path(CHROMIUM).exists():
        missing_service(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    with live_server(tmp_path_factory.mktemp("lapor"), latency_ms=0) as server:
        yield server


def test_resident_reports_from_a_phone(live: Live, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    picture = tmp_path / "tangkapan-layar.png"
    picture.write_bytes(PNG)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            refused: list[str] = []  # CSP violations are console errors "Refused to ..."
            page.on("console", lambda m: refused.append(m.text) if "Refused" in m.text else None)
            missing: list[str] = []
            page.on(
                "response",
                lambda r: (
                    missing.append(r.url)
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            page.goto(f"{live.url}/lapor")
            expect(page.locator("h1")).to_have_text("Laporkan pesan yang mencurigakan")
            page.fill(
                "textarea[name=text]",
                "Info penting!! Air PDAM tercemar limbah, jangan diminum 3 hari. Sebarkan!",
            )
            page.fill("input[name=link]", "https://bit.ly/pdam-tercemar")
            page.set_input_files("input[name=image]", str(picture))
            page.fill("input[name=place]", "3671010001")
            page.click("button[type=submit]")
            expect(page.locator("#lapor-code")).to_have_text(re.compile(r"^HX-[0-9A-Z]{5}$"))
            assert not refused and not missing, (refused, missing)
            # the page fits the phone: nothing wider than the screen
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
        finally:
            browser.close()
