"""Contract: credentials, sessions, API tokens, content history, progress by region."""

from __future__ import annotations

import time

import pytest

from broadcaster.errors import NotFound
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditRecord
from content.model import Announcement, Target, Variant


def _audit(action: str = "test") -> AuditRecord:
    return AuditRecord("admin", action, "user", "x")


async def test_password_hash_roundtrip_ends_sessions(seeded: Store) -> None:
    assert await seeded.get_password_hash("officer") is None
    await seeded.set_password_hash("officer", "h1", _audit())
    assert await seeded.get_password_hash("officer") == "h1"
    now = time.time()
    await seeded.create_session("s1", "officer", now + 60)
    assert (await seeded.get_session("s1", now)) is not None
    await seeded.set_password_hash("officer", "h2", _audit())
    assert await seeded.get_password_hash("officer") == "h2"
    assert await seeded.get_session("s1", now) is None
    with pytest.raises(NotFound):
        await seeded.set_password_hash("nobody", "h", _audit())


async def test_sessions_expire_and_delete(seeded: Store) -> None:
    now = time.time()
    await seeded.create_session("a", "admin", now + 10)
    await seeded.create_session("b", "admin", now - 1)
    got = await seeded.get_session("a", now)
    assert got is not None and got.user == "admin"
    assert await seeded.get_session("b", now) is None
    assert await seeded.purge_sessions(now) == 1
    await seeded.delete_session("a")
    await seeded.delete_session("a")
    assert await seeded.get_session("a", now) is None


async def test_api_tokens(seeded: Store) -> None:
    token = await seeded.add_api_token("officer", "ci", "f" * 64, False, _audit("token.add"))
    assert token.user == "officer" and token.active and not token.read_only
    found = await seeded.find_api_token("f" * 64, time.time())
    assert found is not None and found.id == token.id
    assert await seeded.find_api_token("0" * 64, time.time()) is None
    ro = await seeded.add_api_token("verifier", "ro", "e" * 64, True, _audit("token.add"))
    assert [t.id for t in await seeded.list_api_tokens()] == [token.id, ro.id]
    assert [t.id for t in await seeded.list_api_tokens("verifier")] == [ro.id]
    revoked = await seeded.revoke_api_token(token.id, _audit("token.revoke"))
    assert not revoked.active
    assert await seeded.find_api_token("f" * 64, time.time()) is None
    with pytest.raises(NotFound):
        await seeded.revoke_api_token(9999, _audit())
    with pytest.raises(NotFound):
        await seeded.add_api_token("nobody", "x", "d" * 64, False, _audit())
    entries = await seeded.list_audit(10, "user")
    assert {"token.add", "token.revoke"} <= {e.action for e in entries}


def _content(title: str) -> Announcement:
    return Announcement(
        variants={"id": Variant(title=title, body="Isi")}, target=Target(regions=["36"])
    )


async def test_previous_content_kept_on_change(seeded: Store) -> None:
    from content.hashing import content_hash
    from content.workflow import Status

    first = _content("Satu")
    record = await seeded.create_announcement(
        "officer", first, content_hash(first), AuditRecord("officer", "c", "announcement", "")
    )
    assert await seeded.previous_content(record.id) is None
    second = _content("Dua")
    await seeded.save_announcement(
        record.id,
        record.version,
        AuditRecord("officer", "e", "announcement", str(record.id)),
        status=Status.draft,
        content=second,
        content_hash=content_hash(second),
    )
    previous = await seeded.previous_content(record.id)
    assert previous is not None
    assert previous.content.variants["id"].title == "Satu"
    assert previous.content_hash == content_hash(first)
    assert previous.version == record.version
