"""Polling CAP feeds from a real local publisher: Atom and RSS indexes, conditional GET (304:
nothing new), only new files fetched, errors backed off and visible in the feed state,
recovery, a restart keeping the validators, and the engine running the poller."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from broadcaster.announcements import Workflow
from broadcaster.cap.feeds import FeedPoller
from broadcaster.cap.intake import Intake
from broadcaster.cap.settings import CapConfig, CapFeedConfig
from broadcaster.store.contract import Store
from tests.cap.conftest import cap_bytes, seed_banten
from tests.cap.feedserver import FeedServer, feed_server
from tests.conftest import open_test_store
from tests.core.harness import rig


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with feed_server() as s:
        s.files["CBT20261206001_alert.xml"] = cap_bytes("bmkg_nowcast.xml")
        s.files["GEMPA20261206093012_alert.xml"] = cap_bytes("bmkg_earthquake.xml")
        yield s


def _config(url: str, poll: float = 30.0) -> CapConfig:
    feed = CapFeedConfig(name="bmkg", url=url, poll_seconds=poll, default_target=["36"])
    return CapConfig(feeds=[feed], backoff_max=600.0)


def _poller(store: Store, config: CapConfig) -> FeedPoller:
    return FeedPoller(store, Intake(store, Workflow(store)), config)


def _paths(server: FeedServer) -> list[str]:
    return [path for path, _ in server.requests]


async def test_an_atom_index_is_polled_with_conditional_get(
    cap_store: Store, server: FeedServer
) -> None:
    config = _config(f"{server.base}/nowcast/id.atom")
    poller = _poller(cap_store, config)
    feed = config.feeds[0]
    async with httpx.AsyncClient() as client:
        first = await poller.poll(client, feed)
        assert (first.status, first.fetched, first.drafted) == (200, 2, 2)
        drafts = await cap_store.list_announcements()
        assert {a.author for a in drafts} == {"system:cap:bmkg"}
        state = await cap_store.cap_feed_state("bmkg")
        assert state.etag == server.etag() and state.failures == 0
        server.requests.clear()
        again = await poller.poll(client, feed)
        assert again.status == 304 and again.fetched == 0
        assert _paths(server) == ["/nowcast/id.atom"]  # no CAP file fetched again
        assert server.requests[0][1]["If-None-Match"] == server.etag()
        assert server.requests[0][1]["If-Modified-Since"] == state.last_modified
        assert len(await cap_store.list_announcements()) == 2
        # a new warning: the index changes, only the new file is fetched
        server.files["CBT20261206002_alert.xml"] = cap_bytes("bmkg_nowcast_ambiguous.xml")
        server.requests.clear()
        third = await poller.poll(client, feed)
        assert (third.status, third.fetched, third.drafted) == (200, 1, 1)
        assert _paths(server) == ["/nowcast/id.atom", "/nowcast/cap/CBT20261206002_alert.xml"]
        # an update and a cancel arrive the same way
        server.files["CBT20261206001U1_alert.xml"] = cap_bytes("bmkg_nowcast_update.xml")
        await poller.poll(client, feed)
        alerts = await cap_store.list_cap_alerts()
        assert alerts[0].msg_type == "Update" and alerts[0].outcome == "updated"


async def test_errors_back_off_and_recover(cap_store: Store, server: FeedServer) -> None:
    config = _config(f"{server.base}/nowcast/id.atom", poll=30.0)
    poller = _poller(cap_store, config)
    feed = config.feeds[0]
    server.failing = True
    async with httpx.AsyncClient() as client:
        waits = []
        for failures in (1, 2, 3, 4, 5, 6):
            before = time.time()
            result = await poller.poll(client, feed)
            assert result.status == 0
            state = await cap_store.cap_feed_state("bmkg")
            assert state.failures == failures
            assert state.last_error is not None and "HTTP 500" in state.last_error
            waits.append(round(state.next_poll - before))
        assert waits == [60, 120, 240, 480, 600, 600]  # doubling, capped at backoff_max
        assert await cap_store.list_announcements() == []
        server.failing = False
        before = time.time()
        result = await poller.poll(client, feed)
        assert result.drafted == 2
        state = await cap_store.cap_feed_state("bmkg")
        assert state.failures == 0 and state.last_error is None
        assert round(state.next_poll - before) == 30  # back to the normal interval
        assert state.last_ok is not None and state.last_ok >= before


async def test_a_file_that_fails_is_retried_and_the_index_refetched(
    cap_store: Store, server: FeedServer
) -> None:
    config = _config(f"{server.base}/nowcast/id.atom")
    poller = _poller(cap_store, config)
    server.failing_files.add("GEMPA20261206093012_alert.xml")
    async with httpx.AsyncClient() as client:
        first = await poller.poll(client, config.feeds[0])
        assert (first.fetched, first.drafted) == (1, 1)
        assert (await cap_store.cap_feed_state("bmkg")).etag is None  # not 304 next time
        server.failing_files.clear()
        server.requests.clear()
        second = await poller.poll(client, config.feeds[0])
        assert (second.status, second.fetched, second.drafted) == (200, 1, 1)
        assert _paths(server) == ["/nowcast/id.atom", "/nowcast/cap/GEMPA20261206093012_alert.xml"]


async def test_invalid_and_hostile_files_are_refused_and_not_fetched_again(
    cap_store: Store, server: FeedServer
) -> None:
    server.files["bad.xml"] = cap_bytes("malformed_enum.xml")
    server.files["lol.xml"] = cap_bytes("hostile_billion_laughs.xml")
    config = _config(f"{server.base}/nowcast/id.atom")
    poller = _poller(cap_store, config)
    async with httpx.AsyncClient() as client:
        result = await poller.poll(client, config.feeds[0])
        assert (result.fetched, result.drafted, result.refused) == (4, 2, 2)
        server.files["another.xml"] = cap_bytes("bmkg_nowcast_cancel.xml")
        server.requests.clear()
        await poller.poll(client, config.feeds[0])
    assert "/nowcast/cap/bad.xml" not in _paths(server)
    assert "/nowcast/cap/lol.xml" not in _paths(server)


async def test_an_rss_index_and_a_single_cap_file_work_too(
    cap_store: Store, server: FeedServer
) -> None:
    rss = CapFeedConfig(name="rss", url=f"{server.base}/nowcast/id.rss", default_target=["36"])
    single = CapFeedConfig(
        name="one", url=f"{server.base}/cap/GEMPA20261206093012_alert.xml", default_target=["36"]
    )
    config = CapConfig(feeds=[rss, single])
    poller = _poller(cap_store, config)
    async with httpx.AsyncClient() as client:
        assert (await poller.poll(client, rss)).drafted == 2
        result = await poller.poll(client, single)
        assert result.fetched == 1 and result.drafted == 0  # the same alert: a duplicate
    assert len(await cap_store.list_announcements()) == 2


async def test_a_restart_keeps_the_validators(tmp_path: Path, server: FeedServer) -> None:
    config = _config(f"{server.base}/nowcast/id.atom")
    store = await open_test_store("sqlite", tmp_path)
    await seed_banten(store)
    async with httpx.AsyncClient() as client:
        await _poller(store, config).poll(client, config.feeds[0])
    await store.close()
    again = await open_test_store("sqlite", tmp_path)
    try:
        server.requests.clear()
        async with httpx.AsyncClient() as client:
            result = await _poller(again, config).poll(client, config.feeds[0])
        assert result.status == 304
        assert server.requests[0][1]["If-None-Match"] == server.etag()
    finally:
        await again.close()


async def test_the_engine_polls_as_a_supervised_task(tmp_path: Path, server: FeedServer) -> None:
    feeds = [
        {
            "name": "bmkg",
            "url": f"{server.base}/nowcast/id.atom",
            "poll_seconds": 5,
            "default_target": ["36"],
        }
    ]
    async with rig(tmp_path, cap={"feeds": feeds}) as r:
        assert r.engine.cap_feeds is not None
        for _ in range(200):
            if len(await r.app.store.list_announcements()) == 2:
                break
            await asyncio.sleep(0.05)
        drafts = await r.app.store.list_announcements()
        assert len(drafts) == 2 and all(d.status.value == "draft" for d in drafts)
        assert "cap-feeds" not in r.engine.supervisor.down
        await r.engine.refresh_gauges()
        assert b'broadcaster_cap_feed_failures{feed="bmkg"} 0.0' in r.engine.metrics.render()
        state = await r.app.store.cap_feed_state("bmkg")
        await r.app.store.save_cap_feed_state(
            replace(state, failures=3, next_poll=time.time() + 3600)
        )
        await r.engine.refresh_gauges()
        assert b'broadcaster_cap_feed_failures{feed="bmkg"} 3.0' in r.engine.metrics.render()
    assert r.engine.cap_feeds._task is None  # stopped with the engine
