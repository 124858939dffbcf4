"""Polling ``[[cap.feeds]]``: an Atom/RSS index of CAP files, or one CAP file.

* conditional GET: the index's ``ETag`` / ``Last-Modified`` are kept per feed in the store and
  sent back (``If-None-Match`` / ``If-Modified-Since``), so a restart keeps them; 304 → nothing
  new, nothing else fetched;
* only links on the feed's own origin or its ``allowed_hosts`` are fetched, redirects
  included (:mod:`.origin`: a hostile index cannot make us request internal addresses); a
  refused link is logged once, recorded (``refused:URL``) and named in ``last_error`` while the
  index lists it; it is fetched once ``allowed_hosts`` allows it;
* only CAP files not fetched before are fetched (at most ``max_items_per_poll`` per poll); a
  file refused as invalid is remembered too (it is not fetched again), a file that failed to
  download is not (the index's validators are then not stored, so it is tried again);
* errors back off exponentially: ``poll_seconds × 2^failures`` up to ``backoff_max``, back to
  ``poll_seconds`` after a success; failures, the last error and the next poll are in the store
  (``broadcaster cap feeds`` shows them);
* one process polls: the holder of the scheduler lease (:meth:`CapFeeds.start` is called when
  it is gained, :meth:`CapFeeds.stop` when lost), as a supervised engine task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

import httpx

from ..announcements import Workflow
from ..config import Settings
from ..errors import CapInvalid, InboundError, LinkRefused
from ..store.contract import CapFeedState, Store
from .intake import Intake, Source, system_author
from .model import NS
from .origin import Check, fetch_checked, origin_rule
from .parse import MAX_CAP_BYTES, MAX_INDEX_BYTES, safe_xml
from .settings import CapConfig, CapFeedConfig

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
USER_AGENT = "broadcaster-cap/1 (+https://github.com/; Dinas Kominfo Banten)"


#: how a refused link is recorded in the feed's items (apart from the files fetched)
REFUSED = "refused:"

Keep = Callable[[str, Callable[[], Awaitable[None]]], "asyncio.Task[None]"]


@dataclass(frozen=True, kw_only=True)
class PollResult:
    status: int  # HTTP status of the index (304: not modified)
    fetched: int = 0  # CAP files fetched
    drafted: int = 0  # of which became drafts / updates / cancellations
    refused: int = 0  # invalid CAP files (remembered, not fetched again)
    #: links of the index refused unfetched (host not allowed, https → http, redirect
    #: elsewhere), each as "URL (reason)"
    refused_links: tuple[str, ...] = ()

    def note(self) -> str | None:
        """The feed state's ``last_error`` after a successful poll that refused links."""
        if not self.refused_links:
            return None
        return f"{len(self.refused_links)} link(s) refused, not fetched: " + "; ".join(
            self.refused_links[:3]
        )


def index_links(root: Element, base: str) -> list[str]:
    """The CAP files an Atom or RSS index lists (absolute URLs, in document order)."""
    links: list[str] = []
    if root.tag == f"{ATOM}feed":
        for entry in root.findall(f"{ATOM}entry"):
            found = entry.findall(f"{ATOM}link")
            cap = [x for x in found if "cap" in (x.get("type") or "")]
            alternate = [x for x in found if x.get("rel", "alternate") == "alternate"]
            chosen = (cap or alternate or found)[:1]
            href = chosen[0].get("href") if chosen else entry.findtext(f"{ATOM}id")
            if href:
                links.append(urljoin(base, href.strip()))
    elif root.tag == "rss" or root.tag.endswith("}RDF"):
        for item in root.iter():
            if item.tag.rsplit("}", 1)[-1] != "item":
                continue
            link = next((c.text for c in item if c.tag.rsplit("}", 1)[-1] == "link"), None)
            if link and link.strip():
                links.append(urljoin(base, link.strip()))
    else:
        raise CapInvalid([f"feed index: root <{root.tag}> is neither Atom, RSS nor a CAP alert"])
    # another scheme (file:, gopher:) is refused by the origin rule like a foreign host
    return list(dict.fromkeys(links))


class FeedPoller:
    def __init__(self, store: Store, intake: Intake, config: CapConfig) -> None:
        self.store = store
        self.intake = intake
        self.config = config

    def source(self, feed: CapFeedConfig) -> Source:
        return Source(
            feed=feed.name,
            actor=system_author(feed.name),
            default_target=tuple(feed.default_target),
            policy=feed.policy,
        )

    def rule(self, feed: CapFeedConfig) -> Check:
        """Which URLs ``feed`` may make us fetch (its origin and ``allowed_hosts``)."""
        return origin_rule(feed.url, feed.allowed_hosts)

    def delay(self, feed: CapFeedConfig, failures: int) -> float:
        """Seconds to the next poll after ``failures`` failed polls in a row."""
        return float(min(feed.poll_seconds * 2**failures, self.config.backoff_max))

    async def poll(self, client: httpx.AsyncClient, feed: CapFeedConfig) -> PollResult:
        """Poll ``feed`` once and store its new state; failures are recorded (and backed off),
        not raised."""
        state = await self.store.cap_feed_state(feed.name)
        now = time.time()
        try:
            result, validators = await self._poll(client, feed, state)
        except (InboundError, CapInvalid) as exc:
            failures = state.failures + 1
            await self.store.save_cap_feed_state(
                replace(
                    state,
                    failures=failures,
                    next_poll=now + self.delay(feed, failures),
                    last_error=str(exc)[:500],
                    last_checked=now,
                )
            )
            log.warning("CAP feed %s: %s (failure %s)", feed.name, exc, failures)
            return PollResult(status=0)
        etag, modified = validators if validators is not None else (state.etag, state.last_modified)
        # refused links stay visible in `cap feeds` until the index changes again
        kept = state.last_error if result.status == 304 and state.failures == 0 else None
        await self.store.save_cap_feed_state(
            CapFeedState(
                name=feed.name,
                etag=etag,
                last_modified=modified,
                failures=0,
                next_poll=now + self.delay(feed, 0),
                last_error=result.note() or kept,
                last_ok=now,
                last_checked=now,
            )
        )
        return result

    async def _poll(
        self, client: httpx.AsyncClient, feed: CapFeedConfig, state: CapFeedState
    ) -> tuple[PollResult, tuple[str | None, str | None] | None]:
        """The result and the validators to keep (None: keep the old ones, an item failed)."""
        headers = {"User-Agent": USER_AGENT}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        response, body = await fetch_checked(
            client, feed.url, MAX_INDEX_BYTES, headers, feed.timeout, self.rule(feed)
        )
        validators = (response.headers.get("etag"), response.headers.get("last-modified"))
        if response.status_code == 304:
            return PollResult(status=304), None
        root = safe_xml(body, MAX_INDEX_BYTES, "feed index")
        if root.tag == f"{{{NS}}}alert":  # the feed is one CAP file
            drafted, refused = await self._receive(feed, body)
            return PollResult(status=200, fetched=1, drafted=drafted, refused=refused), validators
        links = index_links(root, str(response.url))
        seen = await self.store.cap_items_seen(feed.name, links)
        new = [u for u in links if u not in seen]
        marks = await self.store.cap_items_seen(feed.name, [REFUSED + u for u in new])
        known = {mark.removeprefix(REFUSED) for mark in marks}
        check = self.rule(feed)
        verdicts = [(url, check(url)) for url in new]
        foreign = await self._refuse(feed, [(u, r) for u, r in verdicts if r is not None], known)
        new = [url for url, reason in verdicts if reason is None]
        todo = new[: self.config.max_items_per_poll]
        result, complete = await self._items(client, feed, todo, known)
        keep = validators if complete and len(todo) == len(new) else None
        return replace(result, refused_links=foreign + result.refused_links), keep

    async def _refuse(
        self, feed: CapFeedConfig, refused: Sequence[tuple[str, str]], known: set[str]
    ) -> tuple[str, ...]:
        """Log and record the refused links not ``known`` as refused before (so each is logged
        once); ``URL (reason)`` of all of them. A refused link is recorded as ``refused:URL``,
        not as fetched: once ``allowed_hosts`` allows it, it is fetched."""
        fresh = [(url, reason) for url, reason in refused if url not in known]
        for url, reason in fresh:
            log.warning("CAP feed %s: link %s refused, not fetched: %s", feed.name, url, reason)
        if fresh:
            marks = [REFUSED + url for url, _ in fresh]
            await self.store.mark_cap_items_seen(feed.name, marks, time.time())
        return tuple(f"{url} ({reason})" for url, reason in refused)

    async def _items(
        self, client: httpx.AsyncClient, feed: CapFeedConfig, urls: Sequence[str], known: set[str]
    ) -> tuple[PollResult, bool]:
        drafted = refused = fetched = 0
        complete = True
        links: tuple[str, ...] = ()
        check = self.rule(feed)
        for url in urls:
            try:
                _, body = await fetch_checked(client, url, MAX_CAP_BYTES, {}, feed.timeout, check)
            except LinkRefused as exc:  # redirected to a host not allowed
                why = f"redirect to {exc.url}: {exc.reason}"
                links += await self._refuse(feed, [(url, why)], known)
                continue
            except InboundError as exc:
                log.warning("CAP feed %s: %s (tried again next poll)", feed.name, exc)
                complete = False
                continue
            fetched += 1
            d, r = await self._receive(feed, body)
            drafted, refused = drafted + d, refused + r
            await self.store.mark_cap_items_seen(feed.name, [url], time.time())
        result = PollResult(
            status=200, fetched=fetched, drafted=drafted, refused=refused, refused_links=links
        )
        return result, complete

    async def _receive(self, feed: CapFeedConfig, body: bytes) -> tuple[int, int]:
        try:
            out = await self.intake.receive(body, self.source(feed))
        except CapInvalid as exc:
            log.warning("CAP feed %s: alert refused: %s", feed.name, exc)
            return 0, 1
        if out.outcome != "duplicate":
            log.info(
                "CAP feed %s: alert %s → %s (announcement %s)",
                feed.name,
                out.alert_id,
                out.outcome,
                out.announcement_id,
            )
        return (1 if out.announcement_id is not None else 0), 0

    async def run(self, stopping: asyncio.Event) -> None:
        """Poll every enabled feed when it is due, until ``stopping``."""
        feeds = [f for f in self.config.feeds if f.enabled]
        if not feeds:
            return
        # the region-name index (~90,000 names) is built now, not when the first warning
        # arrives: seconds that would otherwise stand between a warning and its draft
        await self.intake.finder.index()
        # redirects are followed by fetch_checked, each hop checked against the feed's rule
        async with httpx.AsyncClient(follow_redirects=False) as client:
            while not stopping.is_set():
                wake = time.time() + 60.0
                for feed in feeds:
                    state = await self.store.cap_feed_state(feed.name)
                    if state.next_poll <= time.time():
                        await self.poll(client, feed)
                        state = await self.store.cap_feed_state(feed.name)
                    wake = min(wake, state.next_poll)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), max(0.05, wake - time.time()))


class CapFeeds:
    """The poller as an engine task, run while this process holds the scheduler lease."""

    def __init__(self, poller: FeedPoller) -> None:
        self.poller = poller
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self, keep: Keep) -> None:
        """Start under the engine's supervisor (``keep`` is ``Supervisor.start``)."""
        if self._task is not None and not self._task.done():
            return
        self._stop = asyncio.Event()
        stop = self._stop
        self._task = keep("cap-feeds", lambda: self.poller.run(stop))

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._task), 5.0)
            self._task = None


def cap_feeds_for(store: Store, settings: Settings) -> CapFeeds | None:
    """The engine's CAP poller for ``[[cap.feeds]]`` (None when no feed is enabled).
    Every draft written or changed wakes the on-call alerter through the store's work signal
    (:meth:`Intake.receive`)."""
    if not any(feed.enabled for feed in settings.cap.feeds):
        return None
    workflow = Workflow(store, approvals_required=settings.service.approvals_required)
    return CapFeeds(FeedPoller(store, Intake(store, workflow), settings.cap))
