"""End to end in Debian's Chromium (Playwright, headless): log in, compose → submit → approve as
another user → dispatch → watch progress → read results. Screenshots of the main pages go to a
temporary folder, or to $BROADCASTER_SCREENSHOTS when set — `make screenshots` refreshes the
ones the README shows (docs/screenshots/)."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import missing_service
from tests.web.live import PASSWORD, Live, live_server
from tests.web.test_responsive import _votes

CHROMIUM = os.environ.get("BROADCASTER_CHROMIUM", "/usr/bin/chromium")
pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not Path(CHROMIUM).exists():
        missing_service(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    wanted = os.environ.get("BROADCASTER_SCREENSHOTS")
    return Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_server(tmp_path_factory.mktemp("browser"), latency_ms=300) as server:
        yield server


def test_compose_submit_approve_dispatch_results(live: Live, shots: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            officer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            officer.goto(f"{live.url}/announcements/new")
            expect(officer).to_have_url(re.compile(r"/login"))
            officer.screenshot(path=str(shots / "login.png"))
            officer.fill("input[name=username]", "officer")
            officer.fill("input[name=password]", PASSWORD)
            officer.click("button[type=submit]")
            expect(officer).to_have_url(re.compile(r"/announcements/new$"))

            officer.fill("input[name=title_id]", "Peringatan dini banjir")
            officer.fill(
                "textarea[name=body_id]",
                "Hujan lebat diperkirakan **malam ini**.\n\n- Amankan dokumen penting\n"
                "- Hubungi ketua RT bila air naik",
            )
            officer.fill("input[name=source]", "BMKG")
            officer.fill("input[name=regions]", "")
            # the target picker starts at the officer's scope (Banten): add Kota Tangerang
            expect(officer.locator("#picker p strong")).to_contain_text("BANTEN")
            officer.click("#picker button[data-code='3671']")
            expect(officer.locator("input[name=regions]")).to_have_value("3671")
            officer.fill("input[name=poll_question]", "Apakah rumah Anda tergenang?")
            officer.fill("textarea[name=poll_options]", "Ya\nTidak")
            expect(officer.locator("#preview .msg-body").first).to_contain_text("Cek keaslian")
            expect(officer.locator("#preview-problems li")).to_have_count(0)
            officer.screenshot(path=str(shots / "editor.png"), full_page=True)
            officer.click("#save")
            expect(officer).to_have_url(re.compile(r"/announcements/\d+$"))
            announcement = officer.url.rsplit("/", 1)[1]
            officer.click("#submit")
            expect(officer.locator("#status")).to_contain_text("diajukan")

            verifier = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            verifier.goto(f"{live.url}/login?next=/queue")
            verifier.fill("input[name=username]", "verifier")
            verifier.fill("input[name=password]", PASSWORD)
            verifier.click("button[type=submit]")
            item = verifier.locator(f"#queue-{announcement}")
            expect(item).to_be_visible()
            verifier.screenshot(path=str(shots / "queue.png"), full_page=True)
            item.locator("button.good").click()
            expect(verifier.locator("#queue-empty")).to_be_visible()

            officer.reload()
            expect(officer.locator("#status")).to_contain_text("disetujui")
            officer.screenshot(path=str(shots / "announcement.png"), full_page=True)
            officer.click("#schedule")
            expect(officer).to_have_url(re.compile(r"/dispatches/\d+$"))
            expect(officer.locator("#d-status")).to_have_text("selesai", timeout=30_000)
            expect(officer.locator("#d-remaining")).to_have_text("0")
            expect(officer.locator("#d-sent")).to_have_text("12")
            officer.screenshot(path=str(shots / "dispatch.png"), full_page=True)
            dispatch = officer.url.rsplit("/", 1)[1]
            # residents answer (the scripted channel has no polls of its own: see _votes)
            # (in a thread of its own: Playwright's sync API keeps an event loop in this one)
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, _votes(live, int(announcement), int(dispatch))).result()

            officer.goto(f"{live.url}/announcements/{announcement}/results?level=village")
            expect(officer.locator("h1")).to_contain_text("Hasil jajak pendapat")
            officer.screenshot(path=str(shots / "results.png"), full_page=True)

            verifier.goto(f"{live.url}/groups")
            expect(verifier.locator("#groups")).to_contain_text("PKK Tajur")
            verifier.screenshot(path=str(shots / "groups.png"), full_page=True)
            verifier.goto(f"{live.url}/audit")
            expect(verifier.locator("#chain")).to_contain_text("Rantai hash valid")
            verifier.screenshot(path=str(shots / "audit.png"), full_page=True)

            code = officer.goto(f"{live.url}/announcements/{announcement}")
            assert code is not None
            link = officer.locator("a[href^='/v/']").first.get_attribute("href")
            resident = browser.new_context(viewport={"width": 420, "height": 860}).new_page()
            resident.goto(f"{live.url}{link}")
            expect(resident.locator("#verdict")).to_contain_text("Asli")
            resident.screenshot(path=str(shots / "verify.png"), full_page=True)
            phone_shots(browser, live, shots, announcement, dispatch)
        finally:
            browser.close()


def phone_shots(browser: Any, live: Live, shots: Path, announcement: str, dispatch: str) -> None:
    """The same pages on a 390 px phone (issue 16), and its collapsed menu opened."""
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/announcements$"))
    page.screenshot(path=str(shots / "announcements-phone.png"), full_page=True)
    page.click("details.menu > summary")
    expect(page.locator("nav a[href='/audit']")).to_be_visible()
    page.screenshot(path=str(shots / "menu-phone.png"))
    for name, path in (
        ("editor", "/announcements/new"),
        ("announcement", f"/announcements/{announcement}"),
        ("dispatch", f"/dispatches/{dispatch}"),
        ("results", f"/announcements/{announcement}/results?level=village"),
        ("audit", "/audit"),
    ):
        page.goto(f"{live.url}{path}")
        page.wait_for_load_state("load")
        if name == "editor":
            page.wait_for_selector("#preview .msg")
        page.screenshot(path=str(shots / f"{name}-phone.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px phone"
    page.context.close()
