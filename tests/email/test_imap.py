"""Replies by IMAP against a real Dovecot server, through the running engine's inbound loop:
a reply lands in the moderation inbox, a bounce removes its group, an auto-reply and unrelated
mail change nothing, and every handled message is marked seen."""

from __future__ import annotations

import asyncio
import imaplib
import ssl
from pathlib import Path

import pytest

from adapters.email import EmailAdapter
from adapters.email.imap import ImapReader
from adapters.email.settings import ImapSettings
from broadcaster.store.records import GroupStatus
from content.model import Level
from tests.core.harness import rig

from .dovecot import Dovecot
from .test_replies import DSN, GMAIL_ID


async def wait_for(check: object, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_replies_and_bounces_by_imap(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = dovecot.add_user("balas")
    monkeypatch.setenv("IMAP_PASSWORD", password)
    accounts = {
        "surel": {
            "adapter": "email",
            "sandbox": True,
            "reply_address": "balas@kominfo.sandbox.test",
            "imap_host": "127.0.0.1",
            "imap_port": dovecot.port,
            "imap_security": "none",
            "imap_username": "balas",
            "imap_password_env": "IMAP_PASSWORD",
            "imap_interval": 0.2,
        }
    }
    async with rig(tmp_path, accounts=accounts) as r:
        adapter = r.app.adapters["surel"]
        assert isinstance(adapter, EmailAdapter)
        groups: dict[int, str] = {}
        async for region in r.app.store.iter_regions("3673", Level.rt):
            address = await adapter.sandbox_group(f"RT {region.code}")
            group = await r.app.directory.add_group(
                "officer", "surel", address, region.code, "rt", status=GroupStatus.active
            )
            groups[group.id] = address
            if len(groups) == 2:
                break
        (replying, replied_address), (bouncing, bounced_address) = groups.items()
        record = await r.approved(regions=["3673"])
        await r.dispatch_now(record)
        await r.engine.drain(30)
        [to_reply] = adapter.sandbox.messages_to(replied_address)
        [to_bounce] = adapter.sandbox.messages_to(bounced_address)

        reply = GMAIL_ID.format(msgid=to_reply["Message-ID"], reply_to=to_reply["Reply-To"])
        dovecot.deliver("balas", reply.replace("\n", "\r\n").encode())
        auto = reply.replace("Subject: Re:", "Auto-Submitted: auto-replied\nSubject: Cuti").replace(
            "CAGmail-1", "CAGmail-auto"
        )
        dovecot.deliver("balas", auto.replace("\n", "\r\n").encode())
        bounce = DSN.format(
            recipient=bounced_address, msgid=to_bounce["Message-ID"], action="failed",
            status="5.1.1",
        )  # fmt: skip
        dovecot.deliver("balas", bounce.replace("\n", "\r\n").encode())
        dovecot.deliver(
            "balas", b"From: x@y.id\r\nSubject: halo\r\nMessage-ID: <u@y.id>\r\n\r\nhi\r\n"
        )

        async def handled() -> bool:
            group = await r.app.store.get_group(bouncing)
            replies = await r.app.store.list_replies()
            return group.status is GroupStatus.removed and len(replies) == 1

        await wait_for(handled)
        [stored] = await r.app.store.list_replies()
        assert stored.group_id == replying and stored.account == "surel"
        assert stored.text == "Hadir, pilihan 1. Kami bawa cangkul dan karung."
        assert "budi" not in stored.author  # the author is a salted hash
        audit = await r.app.store.list_audit(object_type="group", object_id=str(bouncing))
        removed = [e for e in audit if e.action == "group.removed"]
        assert removed and "bounced: 5.1.1" in removed[0].detail

        async def all_seen() -> bool:
            return await asyncio.to_thread(dovecot.unseen, "balas") == 0

        await wait_for(all_seen)


async def test_reader_marks_seen_only_after_handling(dovecot: Dovecot) -> None:
    password = dovecot.add_user("kotak")
    settings = ImapSettings("127.0.0.1", dovecot.port, "none", "kotak", None, "INBOX", 0.1)
    reader = ImapReader(settings, password)
    dovecot.deliver("kotak", b"From: a@b.id\r\nMessage-ID: <1@b.id>\r\n\r\nsatu\r\n")

    async def failing(raw: bytes) -> None:
        raise RuntimeError("sink down")

    with pytest.raises(RuntimeError):
        await reader.poll_once(failing)
    assert await asyncio.to_thread(dovecot.unseen, "kotak") == 1  # kept for the next round
    seen: list[bytes] = []

    async def collect(raw: bytes) -> None:
        seen.append(raw)

    assert await reader.poll_once(collect) == 1
    assert b"satu" in seen[0]
    assert await reader.poll_once(collect) == 0


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_reader_over_tls(
    dovecot: Dovecot, tls_files: tuple[Path, Path], security: str
) -> None:
    password = dovecot.add_user("kotak")
    port = dovecot.tls_port if security == "tls" else dovecot.port
    settings = ImapSettings("127.0.0.1", port, security, "kotak", None, "INBOX", 0.1)  # type: ignore[arg-type]
    reader = ImapReader(settings, password, ca_file=str(tls_files[0]))
    dovecot.deliver("kotak", f"From: a@b.id\r\nMessage-ID: <{security}@b.id>\r\n\r\nx\r\n".encode())
    seen: list[bytes] = []

    async def collect(raw: bytes) -> None:
        seen.append(raw)

    assert await reader.poll_once(collect) == 1 and f"<{security}@b.id>".encode() in seen[0]
    # without our CA the server's certificate is refused
    with pytest.raises(ssl.SSLError):
        await ImapReader(settings, password).poll_once(collect)


async def test_wrong_password(dovecot: Dovecot) -> None:
    # last in this file: Dovecot slows later logins from an address after a failed one
    settings = ImapSettings("127.0.0.1", dovecot.port, "none", "kotak", None, "INBOX", 0.1)

    async def collect(raw: bytes) -> None:
        raise AssertionError("nothing is fetched without a login")

    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        await ImapReader(settings, "salah").poll_once(collect)
