"""Contract: credentials, sessions, API tokens, content history, progress by region."""

from __future__ import annotations

import time
from typing import Any

import pytest

from broadcaster.errors import InputError, NotFound
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditRecord
from content.model import Announcement, Target, Variant
from content.workflow import Status


def _audit(action: str = "test") -> AuditRecord:
    return AuditRecord(actor="admin", action=action, object_type="user", object_id="x")


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

    first = _content("Satu")
    record = await seeded.create_announcement(
        "officer",
        first,
        content_hash(first),
        AuditRecord(actor="officer", action="c", object_type="announcement", object_id=""),
    )
    assert await seeded.previous_content(record.id) is None
    second = _content("Dua")
    await seeded.save_announcement(
        record.id,
        record.version,
        AuditRecord(
            actor="officer", action="e", object_type="announcement", object_id=str(record.id)
        ),
        status=Status.draft,
        content=second,
        content_hash=content_hash(second),
    )
    previous = await seeded.previous_content(record.id)
    assert previous is not None
    assert previous.content.variants["id"].title == "Satu"
    assert previous.content_hash == content_hash(first)
    assert previous.version == record.version


async def _announce(store: Store, author: str, regions: list[str], title: str) -> int:
    from content.hashing import content_hash

    content = Announcement(
        variants={"id": Variant(title=title, body="Isi")}, target=Target(regions=regions)
    )
    record = await store.create_announcement(
        author,
        content,
        content_hash(content),
        AuditRecord(actor=author, action="c", object_type="announcement", object_id=""),
    )
    return record.id


async def test_visible_announcements_and_dispatches_by_scope(seeded: Store) -> None:
    from tests.store.support import new_dispatch

    serang = await _announce(seeded, "admin", ["3673010001"], "Serang")
    lebak = await _announce(seeded, "admin", ["3602"], "Lebak")
    banten = await _announce(seeded, "admin", ["36"], "Banten")
    own = await _announce(seeded, "serang_officer", ["3673"], "Milik sendiri")
    other_author = await _announce(seeded, "officer", ["3602", "3671"], "Dua kabupaten")

    def ids(records: list[Any]) -> list[int]:
        return [r.id for r in records]

    everything = [other_author, own, banten, lebak, serang]
    assert ids(await seeded.list_visible_announcements(None)) == everything
    # Serang's officer: targets inside Serang, targets containing it (36), and their own
    assert ids(await seeded.list_visible_announcements("3673", "serang_officer")) == [
        own,
        banten,
        serang,
    ]
    # a Lebak-scoped user who wrote nothing
    assert ids(await seeded.list_visible_announcements("3602", "nobody")) == [
        other_author,
        banten,
        lebak,
    ]
    # the author's own announcement shows even outside the scope
    assert ids(await seeded.list_visible_announcements("3602", "serang_officer")) == [
        other_author,
        own,
        banten,
        lebak,
    ]
    assert ids(await seeded.list_visible_announcements("3673", None, limit=1, offset=1)) == [banten]
    assert await seeded.list_visible_announcements("3673", None, status=Status.approved) == []

    d_serang = await new_dispatch(seeded, {"regions": ["3673010001"]}, announcement_id=serang)
    d_lebak = await new_dispatch(seeded, {"regions": ["3602"]}, announcement_id=lebak)
    assert ids(await seeded.list_visible_dispatches(None)) == [d_lebak.id, d_serang.id]
    assert ids(await seeded.list_visible_dispatches("3673")) == [d_serang.id]
    assert ids(await seeded.list_visible_dispatches("3602", announcement_id=serang)) == []
    assert ids(await seeded.list_visible_dispatches(None, announcement_id=serang)) == [d_serang.id]


async def test_moderate_replies_with_scope_and_audit(seeded: Store) -> None:
    from tests.store.support import KAMANISAN_RT1, TAJUR_RT1, add_groups, group

    tajur, serang = await add_groups(seeded, [group(TAJUR_RT1, "-1"), group(KAMANISAN_RT1, "-2")])
    r1 = await seeded.add_reply("tg", tajur.id, "a" * 16, "Benarkah ada banjir?")
    r2 = await seeded.add_reply("tg", serang.id, "b" * 16, "Pesan berantai palsu")
    r3 = await seeded.add_reply("tg", None, "c" * 16, "tanpa grup")

    fresh = await seeded.get_moderated_reply(r1.id)
    assert fresh.status == "new" and fresh.region == TAJUR_RT1 and fresh.moderated_by is None

    flagged = await seeded.moderate_reply(
        r2.id,
        "hoax",
        "hoaks lama",
        AuditRecord(
            actor="serang_verifier", action="reply.moderate", object_type="reply", object_id="2"
        ),
    )
    assert flagged.status == "hoax" and flagged.note == "hoaks lama"
    assert flagged.moderated_by == "serang_verifier" and flagged.moderated_at is not None
    entries = await seeded.list_audit(5, "reply")
    assert entries[0].actor == "serang_verifier" and entries[0].action == "reply.moderate"

    newest_first = [r.id for r in await seeded.list_moderated_replies()]
    assert newest_first == [r3.id, r2.id, r1.id]
    assert [r.id for r in await seeded.list_moderated_replies(["hoax"])] == [r2.id]
    assert [r.id for r in await seeded.list_moderated_replies(["new", "handled"])] == [
        r3.id,
        r1.id,
    ]
    assert [r.id for r in await seeded.list_moderated_replies(scope="3673")] == [r2.id]
    assert [r.id for r in await seeded.list_moderated_replies(scope="3671")] == [r1.id]
    assert [r.id for r in await seeded.list_moderated_replies(before_id=r3.id, limit=1)] == [r2.id]
    # the core's status filter sees the moderated status too
    assert [r.id for r in await seeded.list_replies(10, "hoax")] == [r2.id]

    with pytest.raises(InputError):
        await seeded.moderate_reply(r1.id, "deleted", None, _audit())
    with pytest.raises(NotFound):
        await seeded.moderate_reply(99999, "hidden", None, _audit())
    with pytest.raises(NotFound):
        await seeded.get_moderated_reply(99999)


async def test_login_failures_shared_and_purged(seeded: Store) -> None:
    now = time.time()
    await seeded.add_login_failure("k1", now - 100, now - 1000)
    await seeded.add_login_failure("k1", now - 10, now - 1000)
    await seeded.add_login_failure("k2", now - 5, now - 1000)
    assert await seeded.login_failures_since("k1", now - 1000) == [now - 100, now - 10]
    assert await seeded.login_failures_since("k1", now - 50) == [now - 10]
    # adding forgets every failure older than the window, of every key
    await seeded.add_login_failure("k2", now, now - 50)
    assert await seeded.login_failures_since("k1", 0) == [now - 10]
    await seeded.clear_login_failures("k1")
    assert await seeded.login_failures_since("k1", 0) == []
    assert len(await seeded.login_failures_since("k2", 0)) == 2
