"""Incoming mail → events: realistic Indonesian and English replies (Gmail, Outlook, iPhone),
quote stripping, Reply-To fallback, mailto unsubscribe, auto-replies and bounces (DSN)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.email.compose import Composer
from adapters.email.links import Signer, load_link_secret
from adapters.email.render import render_email
from adapters.email.replies import read_inbound, strip_quoted
from adapters.email.settings import EmailSettings
from broadcaster.adapter import InboundEvent, RenderContext
from content.model import Announcement, Poll, Target, Variant

from .conftest import PUBLIC_URL, email_settings

REPLY_ADDRESS = "balas@kominfo.bantenprov.go.id"


@pytest.fixture
def signer() -> Signer:
    return Signer(load_link_secret("mail", "BROADCASTER_SECRET", Path("."), False))


def sent_to(signer: Signer, recipient: str) -> tuple[str, str, str]:
    """Send-side headers of a real composed message: Message-ID, Reply-To, unsubscribe token."""
    settings = EmailSettings.parse("mail", email_settings(25), PUBLIC_URL)
    content = Announcement(
        variants={"id": Variant(title="Kerja bakti", body="Minggu pagi kerja bakti.")},
        poll=Poll(question="Hadir?", options=["Ya", "Tidak"]),
        target=Target(regions=["36"]),
    )
    [message] = render_email(content, "id", RenderContext(1, "K1"))
    composed = Composer(settings, signer).compose(message.payload, recipient).message
    unsubscribe = str(composed["List-Unsubscribe"]).split("/unsubscribe/")[1].split(">")[0]
    return str(composed["Message-ID"]), str(composed["Reply-To"]), unsubscribe


def read(signer: Signer, raw: str) -> InboundEvent | None:
    return read_inbound(raw.replace("\n", "\r\n").encode(), signer, "mail", REPLY_ADDRESS)


GMAIL_ID = """\
From: Pak Budi <budi.rt03@gmail.com>
To: {reply_to}
Subject: Re: Kerja bakti
Message-ID: <CAGmail-1@mail.gmail.com>
In-Reply-To: {msgid}
References: {msgid}
Content-Type: text/plain; charset="UTF-8"

Hadir, pilihan 1. Kami bawa cangkul dan karung.

Pada Sen, 3 Mar 2025 pukul 10.00 Dinas Kominfo Banten <
info@kominfo.bantenprov.go.id> menulis:

> Kerja bakti
>
> Minggu pagi kerja bakti.
"""

GMAIL_EN = """\
From: "Siti Aminah" <siti@sekolah.sch.id>
To: {reply_to}
Subject: Re: Kerja bakti
Message-ID: <CAGmail-2@mail.gmail.com>
In-Reply-To: {msgid}
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset="UTF-8"

Our school will join with 40 students.

Thanks,
Siti

On Mon, Mar 3, 2025 at 10:00 AM Dinas Kominfo Banten <info@kominfo.bantenprov.go.id> wrote:
> Minggu pagi kerja bakti.
--b1
Content-Type: text/html; charset="UTF-8"

<div dir="ltr">Our school will join with 40 students.</div><div class="gmail_quote">quoted</div>
--b1--
"""

OUTLOOK_ID = """\
From: Kelurahan Cipare <kel.cipare@serangkota.go.id>
To: {reply_to}
Subject: BALASAN: Kerja bakti
Message-ID: <AM0PR-3@outlook.com>
References: <unrelated@example.com> {msgid}
Content-Type: text/plain; charset="utf-8"

Baik, sudah kami teruskan ke seluruh RT.

Salam,
Lurah Cipare

________________________________
Dari: Dinas Kominfo Banten <info@kominfo.bantenprov.go.id>
Dikirim: Senin, 03 Maret 2025 10.00
Kepada: kel.cipare@serangkota.go.id
Subjek: Kerja bakti

Minggu pagi kerja bakti.
"""

HTML_ONLY_IPHONE = """\
From: warga@yahoo.co.id
To: {reply_to}
Subject: Re: Kerja bakti
Message-ID: <iphone-4@yahoo.co.id>
Content-Type: text/html; charset="utf-8"

<html><body><div>Siap, hadir 2 orang</div><div><br></div><div>Dikirim dari iPhone saya</div>
<blockquote type="cite">Minggu pagi kerja bakti.</blockquote></body></html>
"""


async def test_gmail_indonesian_reply(signer: Signer) -> None:
    msgid, reply_to, _ = sent_to(signer, "rt03.cipare@warga.id")
    event = read(signer, GMAIL_ID.format(msgid=msgid, reply_to=reply_to))
    assert event is not None and event.kind == "reply"
    assert event.address == "rt03.cipare@warga.id"  # the group we mailed, from the Message-ID
    assert event.data == {
        "user": "budi.rt03@gmail.com",
        "text": "Hadir, pilihan 1. Kami bawa cangkul dan karung.",
    }
    assert event.event_id == "<CAGmail-1@mail.gmail.com>"


async def test_gmail_english_multipart_reply(signer: Signer) -> None:
    msgid, reply_to, _ = sent_to(signer, "siti@sekolah.sch.id")
    event = read(signer, GMAIL_EN.format(msgid=msgid, reply_to=reply_to))
    assert event is not None and event.address == "siti@sekolah.sch.id"
    assert event.data["text"] == "Our school will join with 40 students.\n\nThanks,\nSiti"


async def test_outlook_indonesian_reply_via_references(signer: Signer) -> None:
    msgid, reply_to, _ = sent_to(signer, "kel.cipare@serangkota.go.id")
    event = read(signer, OUTLOOK_ID.format(msgid=msgid, reply_to=reply_to))
    assert event is not None and event.address == "kel.cipare@serangkota.go.id"
    assert event.data["text"] == "Baik, sudah kami teruskan ke seluruh RT.\n\nSalam,\nLurah Cipare"


async def test_reply_to_tag_when_client_drops_in_reply_to(signer: Signer) -> None:
    _, reply_to, _ = sent_to(signer, "warga@yahoo.co.id")
    event = read(signer, HTML_ONLY_IPHONE.format(reply_to=reply_to))
    assert event is not None and event.kind == "reply"
    assert event.address == "warga@yahoo.co.id" and event.data["text"] == "Siap, hadir 2 orang"
    # the same tag from another sender proves nothing: ignored
    forged = HTML_ONLY_IPHONE.format(reply_to=reply_to).replace("warga@yahoo", "lain@yahoo")
    assert read(signer, forged) is None


async def test_unrelated_mail_is_ignored(signer: Signer) -> None:
    raw = GMAIL_ID.format(msgid="<someone-else@example.com>", reply_to=REPLY_ADDRESS)
    assert read(signer, raw) is None
    # a Message-ID that looks like ours but was altered by one character
    msgid, _, _ = sent_to(signer, "rt03.cipare@warga.id")
    altered = msgid[:5] + ("A" if msgid[5] != "A" else "B") + msgid[6:]
    assert read(signer, GMAIL_ID.format(msgid=altered, reply_to=REPLY_ADDRESS)) is None


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied",
        "Precedence: bulk",
        "Precedence: junk",
        "X-Autoreply: yes",
    ],
)
async def test_auto_replies_are_ignored(signer: Signer, headers: str) -> None:
    msgid, reply_to, _ = sent_to(signer, "rt03.cipare@warga.id")
    raw = GMAIL_ID.format(msgid=msgid, reply_to=reply_to).replace(
        "Subject: Re:", f"{headers}\nSubject: Sedang cuti / Out of office Re:"
    )
    assert read(signer, raw) is None


async def test_mailto_unsubscribe(signer: Signer) -> None:
    _, _, token = sent_to(signer, "rt05@warga.id")
    raw = (
        f"From: rt05@warga.id\nTo: {REPLY_ADDRESS}\nSubject: berhenti {token}\n"
        "Message-ID: <u-1@warga.id>\n\n\n"
    )
    event = read(signer, raw)
    assert event is not None and event.kind == "command" and event.address == "rt05@warga.id"
    assert event.data["command"] == "berhenti" and event.data["is_admin"] is True
    assert read(signer, raw.replace(token, token[:-2] + "xx")) is None


DSN = """\
From: Mail Delivery System <MAILER-DAEMON@mx.warga.id>
To: balas@kominfo.bantenprov.go.id
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.warga.id>
Auto-Submitted: auto-replied
Content-Type: multipart/report; report-type=delivery-status; boundary="r1"

--r1
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--r1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.warga.id

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected:
    User unknown in virtual mailbox table

--r1
Content-Type: text/rfc822-headers

From: Dinas Kominfo Banten <info@kominfo.bantenprov.go.id>
To: {recipient}
Subject: Kerja bakti
Message-ID: {msgid}

--r1--
"""


async def test_bounce_marks_the_address(signer: Signer) -> None:
    msgid, _, _ = sent_to(signer, "hilang@warga.id")
    raw = DSN.format(recipient="hilang@warga.id", msgid=msgid, action="failed", status="5.1.1")
    event = read(signer, raw)
    assert event is not None and event.kind == "left" and event.address == "hilang@warga.id"
    reason = event.data["reason"]
    assert reason.startswith("bounced: 5.1.1 550 5.1.1") and "User unknown" in reason


async def test_delays_and_forged_bounces_change_nothing(signer: Signer) -> None:
    msgid, _, _ = sent_to(signer, "hilang@warga.id")
    delayed = DSN.format(recipient="hilang@warga.id", msgid=msgid, action="delayed", status="4.4.1")
    assert read(signer, delayed) is None
    # a report about mail we never sent (no signed Message-ID) cannot remove a group
    forged = DSN.format(
        recipient="hilang@warga.id", msgid="<x@evil.example>", action="failed", status="5.1.1"
    )
    assert read(signer, forged) is None


def test_strip_quoted_variants() -> None:
    assert strip_quoted("Ya\n\nOn Tue, 4 Mar 2025, Kominfo wrote:\n> x") == "Ya"
    assert strip_quoted("Tidak\n-- \nPak RT\n0812") == "Tidak"
    assert strip_quoted("1\n\nSent from my iPhone\n\n> quoted") == "1"
    assert strip_quoted("2\n-----Original Message-----\nFrom: x") == "2"
    assert strip_quoted("Setuju\n----- Pesan Asli -----\nDari: x") == "Setuju"
    assert strip_quoted("> only quoted\nbaru") == "baru"
    assert strip_quoted("Pada hari Minggu kami hadir.") == "Pada hari Minggu kami hadir."
