"""Hoax reports by e-mail: a mail to the reply address whose subject starts with LAPOR becomes
a ``report`` (body quote-stripped or the forwarded part, first attachment hashed), answered
privately; other mail is read as before."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from pathlib import Path

import pytest

from adapters.email.links import Signer, load_link_secret
from adapters.email.replies import read_inbound
from broadcaster.adapter import InboundEvent

REPLY = "balas@kominfo.bantenprov.go.id"
SENDER = "budi.rt03@gmail.com"
HOAX = "Besok pemadaman listrik total se-Banten 3 hari! Sebarkan!!"
PICTURE = b"\x89PNG\r\n\x1a\n fake picture of a broken dam"


@pytest.fixture
def signer() -> Signer:
    return Signer(load_link_secret("mail", "BROADCASTER_SECRET", Path("."), False))


def mail(subject: str, body: str, to: str = REPLY, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Pak Budi <{SENDER}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = "<lapor-1@mail.gmail.com>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def read(signer: Signer, message: EmailMessage) -> InboundEvent | None:
    return read_inbound(message.as_bytes(), signer, "mail", REPLY)


def test_lapor_subject_reports_the_new_part_of_the_body(signer: Signer) -> None:
    body = f"{HOAX}\n\nSalam,\nBudi\n-- \nRT 03 Tajur\n"
    event = read(signer, mail("LAPOR: pesan berantai", body))
    assert event is not None and event.kind == "report"
    assert event.address == SENDER and event.event_id == "<lapor-1@mail.gmail.com>"
    assert event.data == {
        "user": SENDER,
        "text": f"{HOAX}\n\nSalam,\nBudi",
        "media": None,
        "media_hash": None,
        "direct": True,
        "forwarded": False,
        "message_id": "<lapor-1@mail.gmail.com>",
    }


def test_forwarded_mail_reports_the_forwarded_part(signer: Signer) -> None:
    body = (
        "Tolong dicek, ini benar?\n\n"
        "---------- Forwarded message ---------\n"
        "From: Grup Warga <warga@example.com>\n"
        "Date: Sen, 3 Mar 2025 10.00\n"
        "Subject: PENTING\n"
        "To: <budi.rt03@gmail.com>\n\n"
        f"{HOAX}\n"
    )
    event = read(signer, mail("Fwd: lapor", body, to="Dinas <balas+x1@kominfo.bantenprov.go.id>"))
    assert event is not None and event.kind == "report"
    assert event.data["text"] == HOAX and event.data["forwarded"] is True


def test_attachment_is_hashed(signer: Signer) -> None:
    message = mail("Lapor", "Foto ini beredar di grup RW.")
    message.add_attachment(PICTURE, maintype="image", subtype="png", filename="tanggul.png")
    event = read(signer, message)
    assert event is not None and event.kind == "report"
    digest = hashlib.sha256(PICTURE).hexdigest()
    assert event.data["media"] == f"sha256:{digest}" and event.data["media_hash"] == digest
    assert event.data["text"] == "Foto ini beredar di grup RW."


def test_subject_text_when_the_body_is_empty_and_bare_lapor_gets_the_howto(
    signer: Signer,
) -> None:
    event = read(signer, mail(f"LAPOR {HOAX}", "\n"))
    assert event is not None and event.kind == "report" and event.data["text"] == HOAX
    bare = read(signer, mail("LAPOR", "\n"))
    assert bare is not None and bare.kind == "command" and bare.data["command"] == "lapor"
    assert bare.address == SENDER and bare.data["direct"] is True


def test_no_report_unless_to_the_reply_address_with_lapor_first(signer: Signer) -> None:
    assert read(signer, mail("LAPOR", HOAX, to="orang.lain@kominfo.bantenprov.go.id")) is None
    assert read(signer, mail("Laporan kegiatan", HOAX)) is None  # unrelated mail: ignored
    assert read(signer, mail("Saya mau lapor", HOAX)) is None
    auto = mail("LAPOR", HOAX, Auto_Submitted="auto-replied")
    assert read(signer, auto) is None
