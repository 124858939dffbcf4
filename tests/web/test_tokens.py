"""API tokens over the API and on the dashboard: the secret shown once, own tokens only
(admins: those of the users they manage), revocation takes effect at once."""

from __future__ import annotations

import re

from tests.web.conftest import Web


async def test_token_lifecycle_over_the_api(web: Web) -> None:
    async with web.client(token_of="officer") as client:
        r = await client.post("/api/v1/tokens", json={"label": "skrip", "read_only": True})
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["user"] == "officer" and created["token"].startswith("bc_")
        listed = (await client.get("/api/v1/tokens")).json()
        assert {t["user"] for t in listed} == {"officer"}
        assert created["id"] in [t["id"] for t in listed]
        assert all("token" not in t for t in listed)  # the secret is never listed
        # not for somebody else
        r = await client.post("/api/v1/tokens", json={"label": "x", "user": "verifier"})
        assert r.status_code == 403
    # the new token works, read-only
    async with web.client() as fresh:
        headers = {"Authorization": f"Bearer {created['token']}"}
        assert (await fresh.get("/api/v1/me", headers=headers)).json()["name"] == "officer"
        r = await fresh.post("/api/v1/tokens", json={"label": "y"}, headers=headers)
        assert r.status_code == 403
    # another user can neither see nor revoke it
    async with web.client(token_of="verifier") as other:
        assert created["id"] not in [t["id"] for t in (await other.get("/api/v1/tokens")).json()]
        r = await other.post(f"/api/v1/tokens/{created['id']}/revoke")
        assert r.status_code == 404
    # the admin sees everyone's and revokes it
    async with web.client(token_of="admin") as admin:
        users = {t["user"] for t in (await admin.get("/api/v1/tokens")).json()}
        assert {"officer", "verifier", "admin"} <= users
        r = await admin.post(f"/api/v1/tokens/{created['id']}/revoke")
        assert r.status_code == 200 and r.json()["active"] is False
        r = await admin.post("/api/v1/tokens", json={"label": "untuk", "user": "verifier"})
        assert r.status_code == 201 and r.json()["user"] == "verifier"
    async with web.client() as fresh:
        r = await fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"})
        assert r.status_code == 401
    actions = [e.action for e in await web.rig.app.store.list_audit(20, "api_token")]
    assert "token.add" in actions and "token.revoke" in actions


async def test_tokens_page_shows_secret_once_and_revokes(web: Web) -> None:
    client, csrf = await web.login("verifier")
    page = await client.get("/tokens")
    assert page.status_code == 200 and "Token API" in page.text
    r = await client.post("/tokens", data={"label": "laptop", "csrf_token": csrf})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    found = re.search(r"<code>(bc_[^<]+)</code>", r.text)
    assert found, "the new token is shown"
    secret = found.group(1)
    again = (await client.get("/tokens")).text
    assert secret not in again and "laptop" in again
    async with web.client() as fresh:
        me = await fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.json()["name"] == "verifier"
    token_id = int(re.findall(r'id="token-(\d+)"', again)[-1])
    r = await client.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 303
    async with web.client() as fresh:
        me = await fresh.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.status_code == 401
    # a non-admin cannot create for someone else, nor with an empty label
    r = await client.post("/tokens", data={"label": "x", "user": "admin", "csrf_token": csrf})
    assert r.status_code == 403
    r = await client.post("/tokens", data={"label": " ", "csrf_token": csrf})
    assert r.status_code == 422
    admin, _ = await web.login("admin")
    text = (await admin.get("/tokens")).text
    assert '<select name="user">' in text and "verifier" in text
