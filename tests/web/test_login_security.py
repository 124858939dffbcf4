"""Issue 11.3 and 11.6: login throttling that rotating addresses cannot dodge (per account
across addresses, per address across accounts, forwarded headers only from trusted proxies)
and a CSRF token on the login form."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from broadcaster.config import Settings
from broadcaster.http import create_http_app
from broadcaster.service import proxy_options
from broadcaster.store.records import AuditRecord
from broadcaster.web.context import WebContext
from broadcaster.web.security import hash_password
from tests.core.harness import Rig, rig
from tests.web.conftest import PASSWORD, login_csrf_of, post_login
from tests.web.live import live_server

THROTTLE = {
    "secure_cookies": False,
    "login_attempts": 3,
    "login_window_seconds": 600,
    "login_account_attempts": 4,
    "login_address_attempts": 5,
    "login_max_delay": 8,
}


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Rig]:
    async with rig(tmp_path, web=THROTTLE) as r:
        digest = await hash_password(PASSWORD)
        for name in ("officer", "verifier"):
            await r.app.store.set_password_hash(
                name,
                digest,
                AuditRecord(actor=name, action="p", object_type="user", object_id=name),
            )
        yield r


def browser(r: Rig, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_http_app(r.engine), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


# -- 11.6 login CSRF -----------------------------------------------------------------------------
async def test_login_needs_the_forms_csrf_token(site: Rig) -> None:
    good = {"username": "officer", "password": PASSWORD}
    async with browser(site, "10.0.0.1") as victim, browser(site, "10.0.0.2") as attacker:
        # a form posted from another site: no pre-session cookie, no token
        r = await victim.post("/login", data=good)
        assert r.status_code == 403 and "bc_session" not in r.headers.get("set-cookie", "")
        # the attacker's own token does not go with the victim's cookie
        await victim.get("/login")
        stolen = login_csrf_of((await attacker.get("/login")).text)
        r = await victim.post("/login", data={**good, "csrf_token": stolen})
        assert r.status_code == 403
        assert (await victim.get("/announcements")).status_code == 303  # still logged out
        r = await post_login(victim, good)
        assert r.status_code == 303 and "bc_session=" in r.headers["set-cookie"]
    logins = [e for e in await site.app.store.list_audit(100) if e.action == "login"]
    assert len(logins) == 1


# -- 11.3 throttling -----------------------------------------------------------------------------
async def test_many_addresses_guessing_one_account_are_slowed(site: Rig) -> None:
    for n in range(THROTTLE["login_account_attempts"]):
        async with browser(site, f"10.1.0.{n}") as guesser:
            r = await post_login(guesser, {"username": "officer", "password": "salah-salah"})
            assert r.status_code == 401, n
    # a fresh address, even with the right password, now waits a short, capped delay
    async with browser(site, "10.1.0.200") as fresh:
        r = await post_login(fresh, {"username": "officer", "password": PASSWORD})
        assert r.status_code == 429
        assert 1 <= int(r.headers["retry-after"]) <= THROTTLE["login_max_delay"]
        # another account is not affected
        r = await post_login(fresh, {"username": "verifier", "password": PASSWORD})
        assert r.status_code == 303


async def test_one_address_guessing_many_accounts_is_slowed(site: Rig) -> None:
    async with browser(site, "10.2.0.1") as guesser:
        for n in range(THROTTLE["login_address_attempts"]):
            r = await post_login(guesser, {"username": f"tebakan{n}", "password": "salah-salah"})
            assert r.status_code == 401, n
        r = await post_login(guesser, {"username": "verifier", "password": PASSWORD})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    async with browser(site, "10.2.0.2") as other:
        r = await post_login(other, {"username": "verifier", "password": PASSWORD})
        assert r.status_code == 303


async def test_the_delay_grows_but_an_officer_is_never_locked_out_for_long(site: Rig) -> None:
    throttle = WebContext.build(site.app.store, site.app.settings, site.app.adapters).throttle
    t = 1_000_000.0
    waits = []
    for n in range(12):
        await throttle.failed("officer", f"10.3.0.{n}", now=t + n)
        waits.append(await throttle.retry_after("officer", "10.3.9.9", now=t + n))
    assert waits[:3] == [0.0, 0.0, 0.0]
    growing = waits[3:]
    assert growing == sorted(growing) and growing[0] >= 1.0
    assert max(waits) <= THROTTLE["login_max_delay"]
    last = t + 11
    assert await throttle.retry_after("officer", "10.3.9.9", now=last + 8) == 0.0


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(tmp_path: Path) -> None:
    """A real ``broadcaster run``: rotating X-Forwarded-For from 127.0.0.1 gave unlimited
    guesses and a forged address in the audit log."""
    with live_server(tmp_path) as live, httpx.Client(base_url=live.url, timeout=10) as client:
        token = login_csrf_of(client.get("/login").text)
        statuses = []
        for n in range(6):  # login_attempts defaults to 5 per (name, address)
            r = client.post(
                "/login",
                data={"username": "officer", "password": "salah-salah", "csrf_token": token},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
            statuses.append(r.status_code)
        assert statuses == [401] * 5 + [429]
        admin = {"Authorization": f"Bearer {live.tokens['admin']}"}
        entries = client.get("/api/v1/audit?type=user&id=officer&limit=50", headers=admin).json()
    addresses = {
        json.loads(e["detail"])["address"] for e in entries if e["action"] == "login.failed"
    }
    assert addresses == {"127.0.0.1"}


def test_proxy_options_trust_only_the_configured_proxies() -> None:
    assert proxy_options(Settings())["proxy_headers"] is False
    trusted = proxy_options(Settings(http={"forwarded_allow_ips": ["10.0.0.5"]}))
    assert trusted == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.5"]}
