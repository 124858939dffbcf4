"""The SSRF guard of CAP feeds: an index (Atom or RSS) linking to a file on another origin — a
second real server on another port — does not make the poller request it; the link is
remembered, logged once and named in the feed state; ``allowed_hosts`` lets it be fetched; a
redirect to another origin is refused before its target is requested; the rule itself on
hostile URLs (downgrade, metadata address, user-info trick, other port, other scheme)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from broadcaster.announcements import Workflow
from broadcaster.cap.feeds import REFUSED, FeedPoller
from broadcaster.cap.intake import Intake
from broadcaster.cap.origin import origin_rule
from broadcaster.cap.settings import CapConfig, CapFeedConfig
from broadcaster.store.contract import Store
from tests.cap.conftest import cap_bytes
from tests.cap.feedserver import FeedServer, feed_server

QUAKE = "GEMPA20261206093012_alert.xml"


@pytest.fixture
async def home() -> AsyncIterator[FeedServer]:
    """The feed's own server: one warning of its own."""
    async with feed_server() as s:
        s.files["CBT20261206001_alert.xml"] = cap_bytes("bmkg_nowcast.xml")
        yield s


@pytest.fixture
async def other() -> AsyncIterator[FeedServer]:
    """Another origin (127.0.0.1 on another port) holding a valid warning."""
    async with feed_server() as s:
        s.files[QUAKE] = cap_bytes("bmkg_earthquake.xml")
        yield s


def _feed(url: str, allowed: list[str] | None = None, name: str = "bmkg") -> CapFeedConfig:
    return CapFeedConfig(name=name, url=url, default_target=["36"], allowed_hosts=allowed or [])


def _poller(store: Store, *feeds: CapFeedConfig) -> FeedPoller:
    return FeedPoller(store, Intake(store, Workflow(store)), CapConfig(feeds=list(feeds)))


def _port(server: FeedServer) -> str:
    return server.base.rsplit(":", 1)[1]


@pytest.mark.parametrize("index", ["id.atom", "id.rss"])
async def test_a_link_to_another_origin_is_not_fetched(
    cap_store: Store,
    home: FeedServer,
    other: FeedServer,
    index: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    foreign = f"{other.base}/cap/{QUAKE}"
    home.links.append(foreign)
    feed = _feed(f"{home.base}/nowcast/{index}")
    poller = _poller(cap_store, feed)
    caplog.set_level(logging.WARNING, logger="broadcaster.cap.feeds")
    async with httpx.AsyncClient() as client:
        result = await poller.poll(client, feed)
        assert (result.status, result.fetched, result.drafted) == (200, 1, 1)
        assert len(result.refused_links) == 1 and foreign in result.refused_links[0]
        assert other.requests == []  # never requested
        state = await cap_store.cap_feed_state("bmkg")
        assert state.failures == 0  # the index itself is fine: no backoff
        assert state.last_error is not None and f"127.0.0.1:{_port(other)}" in state.last_error
        # recorded as refused, not as fetched
        assert await cap_store.cap_items_seen("bmkg", [foreign, REFUSED + foreign]) == {
            REFUSED + foreign
        }
        # unchanged index (304): the refusal stays visible
        assert (await poller.poll(client, feed)).status == 304
        assert (await cap_store.cap_feed_state("bmkg")).last_error == state.last_error
        # the index changes: the foreign link is not tried (nor logged) again, still shown
        home.files["CBT20261206002_alert.xml"] = cap_bytes("bmkg_nowcast_ambiguous.xml")
        again = await poller.poll(client, feed)
        assert (again.fetched, again.refused_links) == (1, result.refused_links)
        assert (await cap_store.cap_feed_state("bmkg")).last_error == state.last_error
        # gone from the index: the feed state is clean again
        home.links.clear()
        assert (await poller.poll(client, feed)).refused_links == ()
        assert (await cap_store.cap_feed_state("bmkg")).last_error is None
    assert other.requests == []
    logged = [r for r in caplog.records if foreign in r.getMessage()]
    assert len(logged) == 1 and "allowed_hosts" in logged[0].getMessage()
    assert len(await cap_store.list_announcements()) == 2  # the earthquake was not drafted


async def test_allowed_hosts_lets_the_other_origin_be_fetched(
    cap_store: Store, home: FeedServer, other: FeedServer
) -> None:
    home.links.append(f"{other.base}/cap/{QUAKE}")
    feed = _feed(f"{home.base}/nowcast/id.atom", [f"127.0.0.1:{_port(other)}"])
    async with httpx.AsyncClient() as client:
        result = await _poller(cap_store, feed).poll(client, feed)
    assert (result.fetched, result.drafted, result.refused_links) == (2, 2, ())
    assert [path for path, _ in other.requests] == [f"/cap/{QUAKE}"]
    assert (await cap_store.cap_feed_state("bmkg")).last_error is None


async def test_a_refused_link_is_fetched_once_allowed_hosts_lists_its_host(
    cap_store: Store, home: FeedServer, other: FeedServer
) -> None:
    home.links.append(f"{other.base}/cap/{QUAKE}")
    strict = _feed(f"{home.base}/nowcast/id.atom")
    async with httpx.AsyncClient() as client:
        assert len((await _poller(cap_store, strict).poll(client, strict)).refused_links) == 1
        home.files["CBT20261206002_alert.xml"] = cap_bytes("bmkg_nowcast_ambiguous.xml")
        # the operator trusts the host: config changed, service restarted
        trusting = _feed(strict.url, [f"127.0.0.1:{_port(other)}"])
        result = await _poller(cap_store, trusting).poll(client, trusting)
    assert (result.fetched, result.drafted, result.refused_links) == (2, 2, ())
    assert [path for path, _ in other.requests] == [f"/cap/{QUAKE}"]


async def test_a_redirect_to_another_origin_is_refused(
    cap_store: Store, home: FeedServer, other: FeedServer
) -> None:
    target = f"{other.base}/cap/{QUAKE}"
    home.redirects["moved.xml"] = target
    feed = _feed(f"{home.base}/nowcast/id.atom")
    poller = _poller(cap_store, feed)
    async with httpx.AsyncClient(follow_redirects=True) as client:  # as a careless client
        result = await poller.poll(client, feed)
        assert (result.fetched, result.drafted) == (1, 1)
        assert len(result.refused_links) == 1 and "redirect to " + target in result.refused_links[0]
        assert other.requests == []
        moved = f"{home.base}/nowcast/cap/moved.xml"
        assert await cap_store.cap_items_seen("bmkg", [REFUSED + moved]) == {REFUSED + moved}
        state = await cap_store.cap_feed_state("bmkg")
        assert (
            state.failures == 0 and state.last_error is not None and "moved.xml" in state.last_error
        )


async def test_a_redirect_on_the_same_origin_or_to_an_allowed_host_is_followed(
    cap_store: Store, home: FeedServer, other: FeedServer
) -> None:
    home.redirects["here.xml"] = f"{home.base}/cap/CBT20261206001_alert.xml"
    home.redirects["there.xml"] = f"{other.base}/cap/{QUAKE}"
    feed = _feed(f"{home.base}/nowcast/id.atom", [f"127.0.0.1:{_port(other)}"])
    async with httpx.AsyncClient() as client:
        result = await _poller(cap_store, feed).poll(client, feed)
    assert result.refused_links == ()
    assert result.fetched == 3 and result.drafted == 2  # the nowcast twice: a duplicate
    assert [path for path, _ in other.requests] == [f"/cap/{QUAKE}"]


async def test_an_index_redirected_to_another_origin_is_a_failed_poll(
    cap_store: Store, home: FeedServer, other: FeedServer
) -> None:
    home.redirects["index.atom"] = f"{other.base}/nowcast/id.atom"
    feed = _feed(f"{home.base}/cap/index.atom")
    async with httpx.AsyncClient() as client:
        result = await _poller(cap_store, feed).poll(client, feed)
    assert result.status == 0 and other.requests == []
    state = await cap_store.cap_feed_state("bmkg")
    assert state.failures == 1 and state.last_error is not None
    assert "refused, not fetched" in state.last_error


BMKG = "https://www.bmkg.go.id/alerts/nowcast/id"


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        ("https://www.bmkg.go.id/cap/a.xml", [], False),
        ("https://WWW.BMKG.GO.ID:443/cap/a.xml", [], False),
        ("http://www.bmkg.go.id/cap/a.xml", [], True),  # downgrade
        ("http://www.bmkg.go.id/cap/a.xml", ["www.bmkg.go.id"], True),  # still a downgrade
        ("https://data.bmkg.go.id/cap/a.xml", [], True),
        ("https://data.bmkg.go.id/cap/a.xml", ["data.bmkg.go.id"], False),
        ("https://data.bmkg.go.id:8443/cap/a.xml", ["data.bmkg.go.id"], True),
        ("https://data.bmkg.go.id:8443/cap/a.xml", ["data.bmkg.go.id:8443"], False),
        ("https://www.bmkg.go.id:8443/cap/a.xml", [], True),  # another port
        ("https://www.bmkg.go.id@169.254.169.254/latest/meta-data/", [], True),
        ("https://127.0.0.1:5432/", [], True),
        ("https://www.bmkg.go.id.evil.example/cap/a.xml", [], True),
        ("file:///etc/passwd", [], True),
        ("gopher://www.bmkg.go.id/", [], True),
        ("https://www.bmkg.go.id:99999/", [], True),  # not a port
    ],
)
def test_the_origin_rule(url: str, allowed: list[str], refused: bool) -> None:
    assert (origin_rule(BMKG, allowed)(url) is not None) is refused


def test_an_http_feed_may_go_to_https_on_its_own_host() -> None:
    check = origin_rule("http://cap.example.go.id/feed")
    assert check("https://cap.example.go.id/a.xml") is None
    assert check("http://cap.example.go.id/a.xml") is None
    assert check("https://other.example.go.id/a.xml") is not None
