"""Issue 11.4: the service publishes the signed head of the audit log at ``GET /audit/head``
(public, no detail)."""

from __future__ import annotations

from tests.web.conftest import Web


async def test_the_service_publishes_the_signed_head(web: Web) -> None:
    store = web.rig.app.store
    async with web.client() as anyone:
        head = await anyone.get("/audit/head")
    assert head.status_code == 200
    body = head.json()
    assert set(body) == {"seq", "hash", "at", "taken_at", "signature"}  # no detail
    assert (body["seq"], body["hash"]) == await store.audit_head()
    assert head.headers["cache-control"] == "no-store"
