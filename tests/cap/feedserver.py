"""A CAP feed publisher on 127.0.0.1 for tests: an Atom and an RSS index of CAP files, the
files, ETag / Last-Modified with 304 answers, switchable 500s, links to other origins (a second
server on another port is another origin) and redirects. A real HTTP server (aiohttp), so the
poller's conditional GET, error handling and origin checks run unchanged."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

LAST_MODIFIED = "Sun, 06 Dec 2026 07:10:00 GMT"


@dataclass
class FeedServer:
    files: dict[str, bytes] = field(default_factory=dict)  # name → CAP bytes, in index order
    failing: bool = False  # every request answers 500
    failing_files: set[str] = field(default_factory=set)  # these CAP files answer 500
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""
    #: absolute URLs the indexes list after the files (e.g. a file on another server)
    links: list[str] = field(default_factory=list)
    #: name → Location: /cap/<name> answers 302 there (listed in the indexes like a file)
    redirects: dict[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [*self.files, *self.redirects]

    def hrefs(self, prefix: str) -> list[str]:
        return [prefix + name for name in self.names()] + self.links

    def etag(self) -> str:
        listed = "|".join([*self.names(), *self.links])
        return '"' + hashlib.sha256(listed.encode()).hexdigest()[:16] + '"'

    def atom(self) -> bytes:
        entries = "".join(
            f"<entry><id>urn:bmkg:{n}</id><title>{n}</title>"
            f"<updated>2026-12-06T14:10:00+07:00</updated>"
            f'<link rel="alternate" type="application/cap+xml" href="{href}"/></entry>'
            for n, href in enumerate(self.hrefs("cap/"))
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<id>urn:bmkg:nowcast</id><title>Peringatan Dini Cuaca</title>"
            f"<updated>2026-12-06T14:10:00+07:00</updated>{entries}</feed>"
        ).encode()

    def rss(self) -> bytes:
        items = "".join(
            f"<item><title>{n}</title><link>{href}</link></item>"
            for n, href in enumerate(self.hrefs(f"{self.base}/cap/"))
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Peringatan Dini Cuaca</title>{items}</channel></rss>"
        ).encode()

    async def _index(self, request: web.Request, body: bytes, kind: str) -> web.Response:
        self.requests.append((request.path, dict(request.headers)))
        if self.failing:
            return web.Response(status=500, text="Internal Server Error")
        if request.headers.get("If-None-Match") == self.etag():
            return web.Response(status=304)
        return web.Response(
            body=body,
            content_type=kind,
            headers={"ETag": self.etag(), "Last-Modified": LAST_MODIFIED},
        )

    async def atom_index(self, request: web.Request) -> web.Response:
        return await self._index(request, self.atom(), "application/atom+xml")

    async def rss_index(self, request: web.Request) -> web.Response:
        return await self._index(request, self.rss(), "application/rss+xml")

    async def cap_file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.requests.append((request.path, dict(request.headers)))
        if self.failing or name in self.failing_files:
            return web.Response(status=500)
        if name in self.redirects:
            raise web.HTTPFound(self.redirects[name])
        if name not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[name], content_type="application/cap+xml")


@asynccontextmanager
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    app = web.Application()
    app.router.add_get("/nowcast/id.atom", server.atom_index)
    app.router.add_get("/nowcast/id.rss", server.rss_index)
    app.router.add_get("/nowcast/cap/{name}", server.cap_file)
    app.router.add_get("/cap/{name}", server.cap_file)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.base = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()
