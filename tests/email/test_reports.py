"""Hoax reports by e-mail through a real Dovecot mailbox, the running service's IMAP loop and
the SMTP sandbox: a LAPOR mail with a picture and a forwarded LAPOR mail of the same picture
join one case; each sender gets the code privately; none of them is a moderation reply; an
empty LAPOR mail gets the how-to."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from pathlib import Path

import pytest

from adapters.email import EmailAdapter
from tests.core.harness import rig

from .dovecot import Dovecot
from .test_imap import wait_for

REPLY = "balas@kominfo.sandbox.test"
PICTURE = b"\xff\xd8\xff\xe0 jpeg of a fake letter from the governor"
HOAX = "Surat edaran gubernur: sekolah libur 2 minggu mulai besok karena wabah. Sebarkan!"


def lapor(sender: str, subject: str, body: str, message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"Dinas Kominfo <{REPLY}>"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    message.add_attachment(PICTURE, maintype="image", subtype="jpeg", filename="surat.jpg")
    return message.as_bytes()


async def test_lapor_mails_become_a_case_and_senders_get_the_code(
    tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = dovecot.add_user("balas")
    monkeypatch.setenv("IMAP_PASSWORD", password)
    accounts = {
        "surel": {
            "adapter": "email",
            "sandbox": True,
            "reply_address": REPLY,
            "imap_host": "127.0.0.1",
            "imap_port": dovecot.port,
            "imap_security": "none",
            "imap_username": "balas",
            "imap_password_env": "IMAP_PASSWORD",
            "imap_interval": 0.2,
        }
    }
    async with rig(tmp_path, accounts=accounts) as r:
        store = r.app.store
        adapter = r.app.adapters["surel"]
        assert isinstance(adapter, EmailAdapter)
        smtp = adapter.sandbox
        budi, siti = "budi.rt03@gmail.com", "siti@yahoo.co.id"
        dovecot.deliver("balas", lapor(budi, "LAPOR surat edaran palsu?", HOAX, "<l1@gmail.com>"))
        forwarded = (
            "Dari grup sekolah, benar tidak?\n\n---------- Forwarded message ---------\n"
            f"From: Grup Wali Murid <grup@example.com>\nSubject: PENTING\n\n{HOAX}\n"
        )
        dovecot.deliver("balas", lapor(siti, "Fwd: Lapor", forwarded, "<l2@yahoo.co.id>"))

        async def answered() -> bool:
            return bool(smtp.messages_to(budi)) and bool(smtp.messages_to(siti))

        await wait_for(answered, 20)
        [case] = await store.list_hoax_cases()
        assert case.reports == 2 and case.channels == ("email",)
        for sender in (budi, siti):
            [ack] = smtp.messages_to(sender)
            body = ack.get_body(preferencelist=("plain",))
            assert body is not None and case.code in str(body.get_content())
        reports = await store.hoax_reports(case.id)
        assert {x.media_hash for x in reports} == {hashlib.sha256(PICTURE).hexdigest()}
        assert all(budi not in str(x.reporter) and siti not in str(x.reporter) for x in reports)
        assert {x.content for x in reports} == {HOAX}
        assert not await store.list_replies()  # reports are not moderation replies
        # an empty LAPOR mail gets the e-mail how-to, privately, and opens no case
        ani = "ani@warga.example.id"
        empty = f"From: {ani}\r\nTo: {REPLY}\r\nSubject: LAPOR\r\nMessage-ID: <e@w.id>\r\n\r\n\r\n"
        dovecot.deliver("balas", empty.encode())

        async def told() -> bool:
            return bool(smtp.messages_to(ani))

        await wait_for(told, 20)
        [howto] = smtp.messages_to(ani)
        text = howto.get_body(preferencelist=("plain",))
        assert text is not None and "subjek yang diawali LAPOR" in str(text.get_content())
        assert len(await store.list_hoax_cases()) == 1
