"""Issue 11.7: the API docs load Swagger UI from this service (no CDN), every answer carries a
Content-Security-Policy, and the answer that shows a new API token is not cacheable."""

from __future__ import annotations

import re

from tests.web.conftest import Web


async def test_api_docs_are_served_locally_under_a_strict_policy(web: Web) -> None:
    async with web.client() as anyone:
        page = await anyone.get("/api/v1/docs")
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style")[0]
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/api/v1/") for s in sources), sources
        assert "<script>" not in page.text  # no inline script (the policy would block it)
        for source in sources:
            asset = await anyone.get(source)
            assert asset.status_code == 200 and len(asset.content) > 100, source
        bundle = await anyone.get("/api/v1/docs-assets/swagger-ui-bundle.js")
        assert "SwaggerUIBundle" in bundle.text
        assert (await anyone.get("/api/v1/openapi.json")).json()["info"]["title"]


async def test_every_answer_has_a_content_security_policy(web: Web) -> None:
    record = await web.rig.approved(regions=("3671",))
    async with web.client("officer") as api, web.client() as anyone:
        for response in (
            await anyone.get("/healthz"),
            await anyone.get("/metrics"),
            await anyone.get("/login"),
            await anyone.get(f"/v/{record.short_code}"),
            await anyone.get("/nowhere"),
            await anyone.get("/api/v1/me"),
            await api.get("/api/v1/me"),
            await api.get("/api/v1/announcements"),
            await anyone.get("/static/app.css"),
        ):
            assert "content-security-policy" in response.headers, response.request.url
            assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_new_token_is_answered_no_store(web: Web) -> None:
    async with web.client("officer") as api:
        created = await api.post("/api/v1/tokens", json={"label": "laptop"})
        assert created.status_code == 201 and created.json()["token"]
        assert created.headers["cache-control"] == "no-store"
