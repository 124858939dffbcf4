"""Issue 16: every dashboard page works on a 390 px phone and on a 1280 px screen, for every
role, and passes axe-core's WCAG 2.1 AA rules; the keyboard reaches the main actions with a
visible focus; the poll chart's texts never overlap.

Pages are collected from the dashboard application itself (every GET route), so a page added
later is covered without editing this file. A route with a path parameter needs a seeded value:
an unknown one fails with the line to add to ``SEEDS`` (and what to seed in :func:`_seed`).
Non-HTML routes (downloads, feeds, event streams, redirects) are named in ``NOT_PAGES``, or end
in a file extension.

One Chromium for the module, one browser context per role; the viewport changes in place.
axe-core comes from npm (tests/web/package.json, pinned by its lock file; ``.ci/run`` runs
``npm ci --prefix tests/web``).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from unittest.mock import MagicMock

import httpx
import pytest
from fastapi import FastAPI

from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.store.records import GroupFilter, PollRef
from broadcaster.web.auth import Public
from broadcaster.web.context import WebContext
from broadcaster.web.pages.app import create_pages
from broadcaster.web.svg import ChartRow, stacked_chart
from tests.conftest import missing_service
from tests.web.live import PASSWORD, Live, live_server
from tests.web.test_routes_roles import _api_routes, _guard

CHROMIUM = os.environ.get("BROADCASTER_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = ({"width": 390, "height": 844}, {"width": 1280, "height": 800})
ROLES = ("admin", "officer", "verifier", "rt_admin")  # one user of each role
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: GET routes that are not HTML pages (path, as the route declares it)
NOT_PAGES = {
    "/dispatches/{dispatch_id}/events",  # Server-Sent Events
    "/lang/{code}",  # sets the language cookie and redirects back
    "/hoaxes/{case_id}/media/{sha256}",  # a reported picture (image bytes, not a page)
}
FILE_ROUTE = re.compile(r"\.[a-z0-9]{2,5}$")  # results.csv, feed.atom, feed.json, CODE.cap.xml
#: status other than 200 a page answers with on purpose, for the seeded value
STATUS = {
    "/invite/{token}": 410,
    "/daftar/confirm/{token}": 410,
    "/daftar": 404,  # e-mail self-service is off without an e-mail account (none configured)
}
pytestmark = [pytest.mark.slow]


@dataclass
class Seeded:
    """Ids of the objects :func:`_seed` created, for the path parameters."""

    approved: int = 0
    submitted: int = 0
    short_code: str = ""
    dispatch: int = 0
    hoax_case: int = 0
    hoax_code: str = ""


def _seeds(s: Seeded) -> dict[tuple[str, str] | str, str]:
    """Path parameter → value: by (path, parameter) first, else by parameter name."""
    return {
        "announcement_id": str(s.approved),
        ("/announcements/{announcement_id}/edit", "announcement_id"): str(s.submitted),
        "dispatch_id": str(s.dispatch),
        ("/v/{code}", "code"): s.short_code,
        # the public portal's region pages (issue 16): a regency with groups
        ("/wilayah/{code}", "code"): "3671",
        ("/embed/wilayah/{code}", "code"): "3671",
        # the hoax desk (issue 14): a case with a confirmed verdict, queue page and public page
        "case_id": str(s.hoax_case),
        ("/hoaks/{code}", "code"): s.hoax_code,
        # self-service links: an invalid token shows the page's own error (410), which is a
        # page residents do reach
        ("/invite/{token}", "token"): "kedaluwarsa",
        ("/daftar/confirm/{token}", "token"): "kedaluwarsa",
    }


def page_routes() -> list[tuple[str, bool]]:
    """(path, public) of every GET route of the dashboard app that answers with a page."""
    # the routes do not depend on the context; a stand-in answers whatever set-up code asks
    app: FastAPI = create_pages(cast(WebContext, MagicMock()))
    out = []
    for route in _api_routes(app.routes):
        if "GET" not in (route.methods or ()) or route.path in NOT_PAGES:
            continue
        if FILE_ROUTE.search(route.path):
            continue
        out.append((route.path, isinstance(_guard(route), Public)))
    assert len(out) >= 15, out
    return sorted(out)


def url_of(path: str, seeds: dict[tuple[str, str] | str, str]) -> str:
    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        found = seeds.get((path, name), seeds.get(name))
        if found is None:
            pytest.fail(
                f"{path}: no seeded value for {{{name}}}. Add "
                f'("{path}", "{name}"): <value> to _seeds() in tests/web/test_responsive.py '
                "(create the object it needs in _seed(), through the API as a real user would)"
            )
        return found

    return re.sub(r"\{(\w+)\}", value, path)


def _api(live: Live, who: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {live.tokens[who]}"}
    return httpx.Client(base_url=f"{live.url}/api/v1", headers=headers, timeout=10)


def _content(title: str, body: str) -> dict[str, Any]:
    return {
        "content": {
            "variants": {"id": {"title": title, "body": body}},
            "priority": "urgent",
            "source": "BPBD Provinsi Banten",
            "poll": {"question": "Apakah rumah Anda tergenang?", "options": ["Ya", "Tidak"]},
            "target": {"regions": ["3671"]},
        }
    }


def _seed(live: Live) -> Seeded:
    """Through the API, as the users would: an approved announcement sent to every group (its
    dispatch finished), and a second one waiting in the verification queue. Long words and a
    long title stress the layout."""
    seeded = Seeded()
    long_body = (
        "Hujan lebat diperkirakan **malam ini** di seluruh KABUPATEN/KOTA. Tautan resmi: "
        "https://bpbd.bantenprov.go.id/peringatan-dini/banjir/2026/12/06/kecamatan-cipondoh-"
        "dan-sekitarnya-mohon-waspada\n\n- Amankan dokumen penting\n- Hubungi ketua RT"
    )
    with _api(live, "officer") as officer, _api(live, "verifier") as verifier:
        made = officer.post("/announcements", json=_content("Peringatan dini banjir", long_body))
        assert made.status_code == 201, made.text
        seeded.approved, seeded.short_code = made.json()["id"], made.json()["short_code"]
        assert officer.post(f"/announcements/{seeded.approved}/submit").status_code == 200
        assert verifier.post(f"/announcements/{seeded.approved}/approve").status_code == 200
        when = {"when": "now"}
        assert officer.post(f"/announcements/{seeded.approved}/schedule", json=when).is_success
        waiting = officer.post(
            "/announcements",
            json=_content("Pemadaman listrik bergilir wilayah Kota Tangerang dan sekitarnya", "x"),
        )
        seeded.submitted = waiting.json()["id"]
        assert officer.post(f"/announcements/{seeded.submitted}/submit").status_code == 200
        deadline = time.monotonic() + 60
        while True:  # the scheduler creates the dispatch, the sender finishes it
            found = officer.get("/dispatches", params={"announcement_id": seeded.approved}).json()
            if found and found[0]["status"] == "done":
                seeded.dispatch = found[0]["id"]
                break
            assert time.monotonic() < deadline, found
            time.sleep(0.2)
    return seeded


async def _hoax_case(live: Live, seeded: Seeded) -> None:
    """A resident's report on the public form's path, ruled by two verifiers (the hoax desk has
    no API to file reports: they come from the channels and the public form)."""
    from broadcaster.hoaxdesk.intake import ReportIn, file_report, reporter_salt
    from broadcaster.hoaxdesk.verdicts import confirm, propose

    settings = load_settings(live.config)
    async with App(settings) as app:
        report = ReportIn(
            channel="web",
            account=None,
            address=None,
            reporter="form-1",
            text="Sebarkan!! Bendungan Karian jebol malam ini, warga Kota Serang segera mengungsi",
            link="https://example.invalid/berita-bendungan-jebol-karian-serang-banten-2026?utm_source=wa",
            region_code="3671010001",  # inside every seeded user's scope, the RT admin's too
        )
        ack = await file_report(app.store, report, salt=reporter_salt(settings))
        await propose(
            app.store,
            ack.case_id,
            label="hoaks",
            explanation="BPBD Banten memeriksa bendungan pagi ini: kondisi normal, tidak bocor.",
            sources=["https://bpbd.bantenprov.go.id/"],
            acting="verifier",
        )
        await confirm(app.store, ack.case_id, acting="admin", public_url=live.url)
        seeded.hoax_case, seeded.hoax_code = ack.case_id, ack.case_code


async def _votes(live: Live, announcement: int, dispatch: int) -> None:
    """Residents' answers, as the inbox records them: the scripted channel has no polls of its
    own, so each group gets a poll reference and most groups a few votes (a few stay silent,
    so response rates differ)."""
    async with App(load_settings(live.config)) as app:
        groups = [g async for g in app.store.iter_groups(GroupFilter(region="3671"))]
        refs = [
            PollRef(
                account="scripted",
                poll_id=f"p{g.id}",
                announcement_id=announcement,
                dispatch_id=dispatch,
                group_id=g.id,
            )
            for g in groups
        ]
        await app.store.add_polls(refs)
        for n, ref in enumerate(refs):
            for voter in range(n % 4):  # every fourth group stays silent
                choice = [(n + voter) % 2]
                await app.store.record_vote("scripted", ref.poll_id, f"{n:08x}{voter:08x}", choice)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, Seeded]]:
    if not Path(CHROMIUM).exists():
        missing_service(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    with live_server(tmp_path_factory.mktemp("responsive"), latency_ms=0) as live:
        seeded = _seed(live)
        asyncio.run(_votes(live, seeded.approved, seeded.dispatch))
        asyncio.run(_hoax_case(live, seeded))
        yield live, seeded


@pytest.fixture(scope="module")
def browser(site: tuple[Live, Seeded]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


def logged_in(browser: Any, live: Live, who: str | None) -> Any:
    """A page in a fresh context, logged in as ``who`` (None: anonymous)."""
    page = browser.new_context(viewport=VIEWPORTS[0]).new_page()
    if who is not None:
        page.goto(f"{live.url}/login")
        page.fill("input[name=username]", who)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/announcements"))
    return page


def settle(page: Any) -> None:
    """Wait for what the page's script adds after load (picker, live preview)."""
    page.wait_for_load_state("load")
    if page.locator("#picker").count():
        page.wait_for_selector("#picker ul")
    if page.locator("#preview").count():
        page.wait_for_selector("#preview .msg")


WIDER = """() => {
  const w = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 0.5 && getComputedStyle(el).position !== "fixed") {
      const cls = typeof el.className === "string" && el.className
        ? "." + el.className.split(" ").join(".") : "";
      const id = el.id ? "#" + el.id : "";
      out.push(`${el.tagName.toLowerCase()}${id}${cls} right=${Math.round(r.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: w, wider: out.slice(0, 6)};
}"""


def check_width(page: Any, where: str, problems: list[str]) -> None:
    found = page.evaluate(WIDER)
    if found["scroll"] > found["width"]:
        problems.append(
            f"{where}: page is {found['scroll']} px wide in a {found['width']} px viewport; "
            f"too wide: {found['wider']}"
        )


def check_axe(page: Any, where: str, problems: list[str]) -> None:
    # evaluated through the DevTools protocol: the dashboard's CSP (script-src 'self', rightly)
    # refuses a <script> tag added to the page, and the test must not weaken it
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    for v in result["violations"]:
        if v["impact"] in ("serious", "critical"):
            targets = [n["target"] for n in v["nodes"][:3]]
            problems.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} at {targets}")


def _axe_source() -> str:
    if not hasattr(_axe_source, "text"):
        _axe_source.text = AXE.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    return str(_axe_source.text)  # type: ignore[attr-defined]


def test_every_page_fits_a_phone_and_passes_axe(site: tuple[Live, Seeded], browser: Any) -> None:
    if not AXE.exists():
        missing_service(f"{AXE} is missing: run `npm ci --prefix tests/web`")
    live, seeded = site
    seeds = _seeds(seeded)
    routes = page_routes()
    visits: list[tuple[str | None, str]] = [(None, path) for path, public in routes if public]
    visits += [(role, path) for role in ROLES for path, public in routes if not public]
    too_wide: list[str] = []
    inaccessible: list[str] = []
    statuses: list[str] = []
    pages: dict[str | None, Any] = {}
    checked: set[tuple[str, int]] = set()
    for who, path in visits:
        if who not in pages:
            pages[who] = logged_in(browser, live, who)
        page = pages[who]
        url = url_of(path, seeds)
        for viewport in VIEWPORTS:
            page.set_viewport_size(viewport)
            response = page.goto(f"{live.url}{url}")
            settle(page)
            where = f"{url} as {who or 'anonymous'} at {viewport['width']} px"
            assert response is not None
            wanted = STATUS.get(path, 200)
            if response.status not in (wanted, 403):  # 403: the role may not see it
                statuses.append(f"{where}: HTTP {response.status} (expected {wanted})")
            if not response.headers.get("content-type", "").startswith("text/html"):
                statuses.append(f"{where}: not HTML; add the route to NOT_PAGES if that is right")
            check_width(page, where, too_wide)
            # axe for every role on the phone, where the layout differs most; on the wide
            # screen once per page (the first role that sees it), to keep the run short
            first = (path, viewport["width"]) not in checked
            if viewport is VIEWPORTS[0] or first:
                check_axe(page, where, inaccessible)
            checked.add((path, viewport["width"]))
    for page in pages.values():
        page.context.close()
    assert not statuses, "\n".join(statuses)
    assert not too_wide, "pages wider than the screen:\n" + "\n".join(too_wide)
    assert not inaccessible, "axe-core (WCAG 2.1 AA) violations:\n" + "\n".join(inaccessible)


def test_keyboard_reaches_the_main_actions_with_visible_focus(
    site: tuple[Live, Seeded], browser: Any
) -> None:
    live, seeded = site
    focused = """() => {
      const el = document.activeElement; const s = getComputedStyle(el);
      return {id: el.id, text: (el.textContent || "").trim().slice(0, 40), tag: el.tagName,
              name: el.getAttribute("name"), type: el.getAttribute("type"),
              style: s.outlineStyle + " " + s.outlineWidth,
              outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2};
    }"""

    def tab_until(page: Any, wanted: str, limit: int = 80) -> list[dict[str, Any]]:
        seen = []
        for _ in range(limit):
            page.keyboard.press("Tab")
            now = page.evaluate(focused)
            seen.append(now)
            if page.evaluate("s => document.activeElement.matches(s)", wanted):
                return seen
        raise AssertionError(f"Tab never reached {wanted}: {[s['text'] or s['id'] for s in seen]}")

    officer = logged_in(browser, live, "officer")
    verifier = logged_in(browser, live, "verifier")
    try:
        # on a phone the menu is a button: Tab reaches it, Enter opens it, Tab goes on into it
        officer.set_viewport_size(VIEWPORTS[0])
        officer.goto(f"{live.url}/announcements")
        assert not officer.locator("nav a[href='/queue']").is_visible()
        seen = tab_until(officer, "details.menu > summary")
        officer.keyboard.press("Enter")
        tab_until(officer, "nav a[href='/dispatches']")
        assert officer.locator("nav a[href='/queue']").is_visible()
        assert all(s["outline"] for s in seen), seen  # every stop shows where focus is
        officer.set_viewport_size(VIEWPORTS[1])
        officer.goto(f"{live.url}/announcements/new")
        settle(officer)
        seen = tab_until(officer, "#save", limit=120)
        assert all(s["outline"] for s in seen), [str(s) for s in seen if not s["outline"]]
        verifier.goto(f"{live.url}/queue")
        seen = tab_until(verifier, f"#queue-{seeded.submitted} button.good")
        assert all(s["outline"] for s in seen), [str(s) for s in seen if not s["outline"]]
    finally:
        officer.context.close()
        verifier.context.close()


def test_menu_is_open_on_a_wide_screen_and_collapsed_on_a_phone(
    site: tuple[Live, Seeded], browser: Any
) -> None:
    live, _ = site
    page = logged_in(browser, live, "admin")
    try:
        page.set_viewport_size(VIEWPORTS[1])
        page.goto(f"{live.url}/audit")
        assert page.locator("nav a[href='/users']").is_visible()
        assert not page.locator("details.menu > summary").is_visible()
        page.set_viewport_size(VIEWPORTS[0])
        assert not page.locator("nav a[href='/users']").is_visible()
        page.click("details.menu > summary")
        assert page.locator("nav a[href='/users']").is_visible()
    finally:
        page.context.close()


def test_audit_page_fits_a_wide_screen(site: tuple[Live, Seeded], browser: Any) -> None:
    """It was 1,711 px wide at 1280: long detail JSON without spaces stretched the table."""
    live, _ = site
    page = logged_in(browser, live, "admin")
    try:
        page.set_viewport_size(VIEWPORTS[1])
        page.goto(f"{live.url}/audit")
        assert page.locator("#audit tbody tr").count() > 5
        wide: list[str] = []
        check_width(page, "/audit at 1280", wide)
        assert not wide, wide
        box = page.locator("#audit").bounding_box()
        assert box is not None and box["width"] <= 1280, box
    finally:
        page.context.close()


OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll("svg.poll-chart text")].map((t) => {
    const b = t.getBBox(); return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height};
  });
  const svg = document.querySelector("svg.poll-chart").viewBox.baseVal;
  const out = [];
  boxes.forEach((a, i) => {
    if (a.x < -0.5 || a.y < -0.5 || a.x + a.w > svg.width + 0.5 || a.y + a.h > svg.height + 0.5)
      out.push(`outside ${svg.width}x${svg.height}: ${a.text} at ${[a.x, a.y, a.w, a.h]}`);
    boxes.slice(i + 1).forEach((b) => {
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
        out.push(`${a.text} overlaps ${b.text}`);
    });
  });
  return {count: boxes.length, out};
}"""

LONG = "KABUPATEN PANDEGLANG BAGIAN SELATAN DAN PESISIR BARAT SAMPAI UJUNG KULON (3601)"


@pytest.mark.parametrize(
    ("options", "rows"),
    [
        (["Ya", "Tidak"], [ChartRow("KOTA TANGERANG (3671)", [7, 3], 12, 9)]),
        (
            ["Sangat setuju dengan rencana relokasi", "Setuju", "Ragu", "Tidak", "Menolak", "?"],
            [
                ChartRow(LONG, [1, 99, 0, 1, 1, 1], 40, 38),
                ChartRow("KOTA SERANG (3673)", [0, 0, 0, 0, 0, 0], 5, 0),
                ChartRow("X", [1000, 1, 1, 1, 1, 1000], 2000, 1999),
                ChartRow("KABUPATEN LEBAK (3602)", [3, 3, 3, 3, 3, 3], 0, 0),
            ],
        ),
    ],
)
def test_poll_chart_texts_never_overlap(
    site: tuple[Live, Seeded], browser: Any, options: list[str], rows: list[ChartRow]
) -> None:
    """The chart drawn in Chromium (real font metrics): every <text> box apart from every
    other and inside the chart, for short and long names, many options and tiny shares."""
    svg = stacked_chart("Apakah rumah Anda tergenang air hujan semalam? " * 3, options, rows)
    page = browser.new_context(viewport=VIEWPORTS[0]).new_page()
    try:
        page.set_content(f"<!doctype html><html><body>{svg}</body></html>")
        found = page.evaluate(OVERLAPS)
        assert found["count"] >= 2 + len(options) + len(rows) * 2, found
        assert not found["out"], found["out"]
        # a shortened name keeps the full one for hover
        if any(len(r.label) > 60 for r in rows):
            assert page.locator("svg text title", has_text=LONG).count() == 1
    finally:
        page.context.close()


def test_results_page_chart_reads_at_a_glance(site: tuple[Live, Seeded], browser: Any) -> None:
    """The real results page: one bar per region with the response rate beside it, the numbers
    of the table right-aligned, and no overlapping texts."""
    live, seeded = site
    page = logged_in(browser, live, "officer")
    try:
        for level in ("regency", "village"):
            page.goto(f"{live.url}/announcements/{seeded.approved}/results?level={level}")
            rows = page.locator("#results tbody tr:not(.total)").count()
            assert rows >= 1
            # beside each bar its response rate, the counts behind it on hover
            rates = page.locator("svg.poll-chart text[text-anchor=end]")
            assert rates.count() == rows
            for i in range(rows):
                assert re.fullmatch(r"\d+/\d+(\d+%|—)", rates.nth(i).text_content() or "")
            assert not page.evaluate(OVERLAPS)["out"]
            align = page.locator("#results td.num").first.evaluate(
                "el => getComputedStyle(el).textAlign"
            )
            assert align == "right"
    finally:
        page.context.close()
