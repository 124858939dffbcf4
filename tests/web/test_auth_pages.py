"""Login, sessions, CSRF, throttling and API tokens."""

from __future__ import annotations

from broadcaster.web.accounts import create_token, revoke_token, set_password
from broadcaster.web.security import LoginThrottle
from tests.web.conftest import PASSWORD, Web, post_login


async def test_login_sets_a_hardened_session_cookie(web: Web) -> None:
    async with web.client() as client:
        r = await post_login(client, {"username": "officer", "password": PASSWORD})
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "bc_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie  # this test config turns Secure off (plain http)
        page = await client.get("/announcements")
        assert page.status_code == 200 and "officer" in page.text


async def test_wrong_password_then_throttled(web: Web) -> None:
    async with web.client() as client:
        for _ in range(3):
            r = await post_login(client, {"username": "officer", "password": "salah"})
            assert r.status_code == 401
        # the limit holds even for the right password now (3 attempts per 60 s in this config)
        r = await post_login(client, {"username": "officer", "password": PASSWORD})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        # another user from the same address is not affected
        r = await post_login(client, {"username": "verifier", "password": PASSWORD})
        assert r.status_code == 303
    failures = await web.rig.app.store.list_audit(10, "user", "officer")
    assert sum(e.action == "login.failed" for e in failures) == 3


async def test_forms_need_the_csrf_token(web: Web) -> None:
    client, csrf = await web.login("officer")
    form = {"title_id": "Judul", "body_id": "Isi", "regions": "3671"}
    r = await client.post("/announcements/new", data=form)
    assert r.status_code == 403
    r = await client.post("/announcements/new", data={**form, "csrf_token": "0" * 64})
    assert r.status_code == 403
    r = await client.post("/announcements/new", data={**form, "csrf_token": csrf})
    assert r.status_code == 303
    # the API accepts the session too, but only with the CSRF header on changes
    r = await client.post(r.headers["location"].replace("/", "/api/v1/", 1) + "/submit")
    assert r.status_code == 403
    assert len(await web.rig.app.store.list_announcements()) == 1


async def test_logout_and_password_change_end_sessions(web: Web) -> None:
    client, csrf = await web.login("officer")
    await set_password(web.rig.app.store, "admin", "officer", "kata-sandi-baru-456")
    r = await client.get("/announcements")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    client, csrf = await web.login("verifier")
    r = await client.post("/logout", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert (await client.get("/queue")).status_code == 303


async def test_api_tokens_read_only_and_revoked(web: Web) -> None:
    store = web.rig.app.store
    token, record = await create_token(store, "officer", "officer", "dashboard", read_only=True)
    async with web.client() as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert (await client.get("/api/v1/me", headers=headers)).json()["name"] == "officer"
        body = {
            "content": {
                "variants": {"id": {"title": "a", "body": "b"}},
                "target": {"regions": ["3671"]},
            }
        }
        r = await client.post("/api/v1/announcements", json=body, headers=headers)
        assert r.status_code == 403 and "read-only" in r.json()["detail"]
        await revoke_token(store, "officer", record.id)
        r = await client.get("/api/v1/me", headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        r = await client.get("/api/v1/me", headers={"Authorization": "Bearer bc_nonsense"})
        assert r.status_code == 401
    # only the hash is stored
    assert all(token not in str(t) for t in await store.list_api_tokens())


async def test_login_redirect_stays_on_site(web: Web) -> None:
    async with web.client() as client:
        r = await post_login(
            client,
            {"username": "admin", "password": PASSWORD, "next": "https://evil.example/"},
        )
        assert r.headers["location"] == "/announcements"
        r = await client.get("/queue")
        assert r.status_code == 200


async def test_throttle_is_shared_by_web_processes(web: Web) -> None:
    """Two web apps on two store connections to the same database (as two processes would
    be): failures counted by one throttle the other, and survive a new connection."""
    import httpx

    from broadcaster.store.sqlite import SqliteStore
    from broadcaster.web.context import WebContext
    from broadcaster.web.pages.app import create_pages

    engine = web.rig.engine
    path = engine.store.path  # type: ignore[attr-defined]
    second = SqliteStore(path)
    await second.open()
    try:
        other = create_pages(WebContext.build(second, engine.settings, engine.adapters))
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=other), base_url="http://testserver"
            ) as client_b,
            web.client() as client_a,
        ):
            for _ in range(2):
                r = await post_login(client_a, {"username": "admin", "password": "x"})
                assert r.status_code == 401
            r = await post_login(client_b, {"username": "admin", "password": "x"})
            assert r.status_code == 401
            r = await post_login(client_a, {"username": "admin", "password": PASSWORD})
            assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
            r = await post_login(client_b, {"username": "ADMIN", "password": PASSWORD})
            assert r.status_code == 429
    finally:
        await second.close()
    # kept in the database under a hash of (lower-cased name, address): no address stored
    key = LoginThrottle.key("Admin", "127.0.0.1")
    assert len(await engine.store.login_failures_since(key, 0)) == 3
