"""A running broadcaster (real SQLite file, scripted adapter, engine started) with the dashboard
and API mounted, and HTTP clients that log in as the seeded users."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from broadcaster.http import create_http_app
from broadcaster.store.records import AuditRecord
from broadcaster.web.accounts import create_token
from broadcaster.web.security import hash_password
from tests.core.harness import Rig, rig

PASSWORD = "kata-sandi-uji-123"
USERS = (
    "admin",
    "officer",
    "verifier",
    "verifier2",
    "serang_officer",
    "serang_verifier",
    "rt_admin",
)
WEB = {"secure_cookies": False, "login_attempts": 3, "login_window_seconds": 60}


@dataclass
class Web:
    rig: Rig
    app: FastAPI
    tokens: dict[str, str] = field(default_factory=dict)
    opened: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self, token_of: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.tokens[token_of]}"} if token_of else {}
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://testserver",
            headers=headers,
        )

    async def login(self, name: str) -> tuple[httpx.AsyncClient, str]:
        """A client with a session cookie, and its CSRF token (closed by the fixture)."""
        client = self.client()
        self.opened.append(client)
        response = await post_login(
            client, {"username": name, "password": PASSWORD, "next": "/announcements"}
        )
        assert response.status_code == 303, response.text
        page = await client.get("/announcements")
        return client, csrf_of(page.text)


def login_csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "the login form carries no CSRF token"
    return found.group(1)


async def post_login(client: httpx.AsyncClient, data: dict[str, str]) -> httpx.Response:
    """POST /login as a browser does: the form (and its pre-session cookie) first."""
    form = await client.get("/login")
    return await client.post("/login", data={**data, "csrf_token": login_csrf_of(form.text)})


def csrf_of(html: str) -> str:
    found = re.search(r'data-csrf="([0-9a-f]+)"', html)
    assert found, "page carries no CSRF token"
    return found.group(1)


_HASH: list[str] = []


async def _password_hash() -> str:
    if not _HASH:
        _HASH.append(await hash_password(PASSWORD))
    return _HASH[0]


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Web]:
    async with rig(tmp_path, web=WEB) as r:
        store = r.app.store
        digest = await _password_hash()
        for name in USERS:
            # one argon2 hash for everyone (hashing is slow on purpose); set_password itself
            # is covered by test_auth_pages
            await store.set_password_hash(
                name,
                digest,
                AuditRecord(actor=name, action="p", object_type="user", object_id=name),
            )
        w = Web(r, create_http_app(r.engine))
        for name in USERS:
            token, _ = await create_token(store, name, name, "test")
            w.tokens[name] = token
        try:
            yield w
        finally:
            for client in w.opened:
                await client.aclose()
