"""Sending through a real SMTP server: headers, multipart, poll links, pooling, TLS, AUTH and
every SMTP error path."""

from __future__ import annotations

import re
import ssl
from email.message import EmailMessage
from pathlib import Path

import pytest

from adapters.email import EmailAdapter
from adapters.email.links import Signer, load_link_secret
from adapters.sandbox.email import SmtpSandbox
from broadcaster.adapter import AdapterContext, RenderContext
from broadcaster.errors import (
    ConfigError,
    InputError,
    PermanentError,
    RateLimited,
    RecipientGone,
    TransientError,
)
from content.model import Announcement, Poll, Priority, Target, Variant

from .conftest import email_settings, mail_context

CTX = RenderContext(7, "ABC123", "https://broadcaster.bantenprov.go.id/v/ABC123")


def announcement(poll: bool = True, priority: Priority = Priority.normal) -> Announcement:
    return Announcement(
        variants={
            "id": Variant(
                title="Peringatan Banjir",
                body="Mohon **waspada** banjir.\n\n- Bersihkan saluran\n"
                "- Simpan dokumen & surat <b>penting</b>",
            ),
            "en": Variant(title="Flood Warning", body="Please be **alert**."),
        },
        poll=Poll(question="Tergenang?", options=["Ya", "Tidak"]) if poll else None,
        priority=priority,
        source="BPBD Banten",
        target=Target(regions=["36"]),
    )


async def send_one(adapter: EmailAdapter, address: str, **kw: object) -> tuple[str, str | None]:
    [message] = adapter.render(announcement(**kw), "id", CTX)  # type: ignore[arg-type]
    result = await adapter.send(message, address)
    return result.message_id, result.poll_id


def only(smtp: SmtpSandbox, address: str) -> EmailMessage:
    [message] = smtp.messages_to(address)
    return message


async def test_headers_and_multipart(adapter: EmailAdapter, smtp: SmtpSandbox) -> None:
    message_id, poll_id = await send_one(adapter, "ketua.rt01@warga.id")
    m = only(smtp, "ketua.rt01@warga.id")
    assert m["Message-ID"] == message_id and message_id.endswith("@kominfo.bantenprov.go.id>")
    assert m["Subject"] == "Peringatan Banjir"
    assert m["From"] == "Dinas Kominfo Banten <info@kominfo.bantenprov.go.id>"
    assert m["Date"] is not None and m["Date"].datetime is not None
    assert (
        m["List-Id"]
        == '"Pengumuman Resmi Dinas Kominfo Banten" <pengumuman.kominfo.bantenprov.go.id>'
    )
    unsubscribe = str(m["List-Unsubscribe"])
    https, mailto = re.findall(r"<([^>]+)>", unsubscribe)
    assert https.startswith("https://broadcaster.bantenprov.go.id/hooks/mail/unsubscribe/")
    assert mailto.startswith("mailto:balas@kominfo.bantenprov.go.id?subject=berhenti%20")
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert m["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"balas\+[a-z2-7]{16}@kominfo\.bantenprov\.go\.id", str(m["Reply-To"]))
    assert smtp.received[0].mail_from == "balas@kominfo.bantenprov.go.id"
    assert m.get_content_type() == "multipart/alternative"
    plain = m.get_body(("plain",))
    html = m.get_body(("html",))
    assert plain is not None and html is not None
    text, markup = plain.get_content().replace("\r\n", "\n"), html.get_content()
    assert text.startswith("Peringatan Banjir\n\nMohon waspada banjir.")
    assert "Sumber: BPBD Banten" in text and "Cek keaslian: https://" in text
    assert "<strong>waspada</strong>" in markup and "dokumen &amp; surat" in markup
    assert "<b>" not in markup  # raw HTML in the body never reaches the email
    # the poll: one signed link per option, in both parts; the poll id is the Message-ID's nonce
    links = re.findall(r"https://\S+/hooks/mail/vote/[\w.-]+", text)
    assert len(links) == 2 and all(link in markup for link in links)
    assert poll_id is not None and len(poll_id) == 16
    signer = Signer(load_link_secret("mail", "BROADCASTER_SECRET", Path("."), False))
    votes = [signer.vote(link.rsplit("/", 1)[1]) for link in links]
    assert [(v.poll_id, v.option, v.recipient, v.label) for v in votes] == [
        (poll_id, 0, "ketua.rt01@warga.id", "Ya"),
        (poll_id, 1, "ketua.rt01@warga.id", "Tidak"),
    ]
    assert signer.recipient_of(message_id) == "ketua.rt01@warga.id"
    assert https in text and "Berhenti berlangganan:" in text


async def test_no_poll_no_poll_id_and_priority_subject(
    adapter: EmailAdapter, smtp: SmtpSandbox
) -> None:
    _, poll_id = await send_one(adapter, "a@warga.id", poll=False, priority=Priority.emergency)
    assert poll_id is None
    m = only(smtp, "a@warga.id")
    assert m["Subject"] == "[DARURAT] Peringatan Banjir"
    assert "/vote/" not in m.as_string()


async def test_english_variant(adapter: EmailAdapter, smtp: SmtpSandbox) -> None:
    [message] = adapter.render(announcement(), "en", CTX)
    await adapter.send(message, "b@warga.id")
    m = only(smtp, "b@warga.id")
    assert m["Subject"] == "Flood Warning" and m["Content-Language"] == "en"
    plain = m.get_body(("plain",))
    assert plain is not None and "Unsubscribe: https://" in plain.get_content()


async def test_pool_reuses_connections(adapter: EmailAdapter, smtp: SmtpSandbox) -> None:
    import asyncio

    [message] = adapter.render(announcement(), "id", CTX)
    await asyncio.gather(*(adapter.send(message, f"rt{i:02d}@warga.id") for i in range(20)))
    assert len(smtp.received) == 20
    assert adapter.pool.connections_opened == smtp.connections <= 2  # pool_size = 2


def test_normalize_address() -> None:
    assert (
        EmailAdapter.normalize_address(" Ketua RT <Ketua.RT01@Warga.ID> ") == "ketua.rt01@warga.id"
    )
    for bad in ("", "nobody", "a@b", "a b@c.id", "a@@c.id"):
        with pytest.raises(InputError):
            EmailAdapter.normalize_address(bad)


def test_settings_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def make(**raw: object) -> EmailAdapter:
        return EmailAdapter(mail_context("mail", raw, tmp_path))

    with pytest.raises(ConfigError, match="from_address"):
        make(smtp_host="x")
    with pytest.raises(ConfigError, match="https"):  # the one https rule (broadcaster.publicurl)
        EmailAdapter(
            AdapterContext("mail", email_settings(25), tmp_path, public_url="http://example.id")
        )
    with pytest.raises(ConfigError, match=r"service\.public_url"):  # one setting for every link
        make(**email_settings(25, public_url="https://example.id"))
    with pytest.raises(ConfigError, match="password_env"):
        make(**email_settings(25, username="u"))
    with pytest.raises(ConfigError, match="unknown email setting"):
        make(**email_settings(25, colour="blue"))
    monkeypatch.delenv("BROADCASTER_SECRET")
    with pytest.raises(ConfigError, match="link_secret_env"):
        _ = make(**email_settings(25)).signer
    # sandbox accounts derive a secret from the data folder's salt instead
    assert make(sandbox=True).signer is not None


@pytest.mark.parametrize(
    ("code", "text", "stage", "error"),
    [
        (
            550,
            "5.1.1 <x@warga.id>: Recipient address rejected: User unknown",
            "rcpt",
            RecipientGone,
        ),
        (551, "User not local", "rcpt", RecipientGone),
        (553, "5.1.3 mailbox name not allowed", "rcpt", RecipientGone),
        (
            550,
            "5.7.515 Access denied, sending domain does not meet requirements",
            "rcpt",
            PermanentError,
        ),
        (552, "5.2.2 Mailbox full", "rcpt", PermanentError),
        (554, "5.7.1 Message rejected as spam", "data", PermanentError),
        (550, "5.1.1 unknown", "data", PermanentError),  # content stage: not about the mailbox
        (421, "4.7.0 Try again later, closing connection", "rcpt", RateLimited),
        (451, "4.7.1 Rate limit exceeded", "rcpt", RateLimited),
        (452, "4.5.3 Too many recipients", "rcpt", RateLimited),
        (450, "4.2.0 Mailbox busy", "rcpt", TransientError),
        (454, "4.7.0 Temporary authentication failure", "data", TransientError),
    ],
)
async def test_smtp_errors(
    adapter: EmailAdapter,
    smtp: SmtpSandbox,
    code: int,
    text: str,
    stage: str,
    error: type[Exception],
) -> None:
    smtp.fail("x@warga.id", code, text, stage=stage, times=1)
    with pytest.raises(error) as caught:
        await send_one(adapter, "x@warga.id")
    assert type(caught.value) is error
    assert getattr(caught.value, "provider_code", None) == str(code)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 60.0
    # the connection is still usable (or replaced) and the next send goes through
    await send_one(adapter, "x@warga.id")
    assert len(smtp.messages_to("x@warga.id")) == 1


async def test_server_down_is_transient(tmp_path: Path) -> None:
    from .dovecot import _free_port

    a = EmailAdapter(mail_context("mail", email_settings(_free_port()), tmp_path))
    await a.start()  # an unreachable server is only a warning at start
    try:
        with pytest.raises(TransientError, match="SMTP"):
            await send_one(a, "x@warga.id")
    finally:
        await a.stop()


async def test_not_started_and_wrong_kind(tmp_path: Path, smtp: SmtpSandbox) -> None:
    from broadcaster.adapter import ChannelMessage

    a = EmailAdapter(mail_context("mail", email_settings(smtp.port), tmp_path))
    with pytest.raises(TransientError, match="not started"):
        await send_one(a, "x@warga.id")
    await a.start()
    try:
        with pytest.raises(PermanentError):
            await a.send(ChannelMessage("poll", {"question": "q"}), "x@warga.id")
    finally:
        await a.stop()


async def test_starttls_and_auth(
    tmp_path: Path, server_tls: ssl.SSLContext, tls_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    server = SmtpSandbox(tls_context=server_tls, require_starttls=True, user=("kominfo", "s3cret"))
    server.start()
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
    settings = email_settings(
        server.port, security="starttls", username="kominfo", password_env="SMTP_PASSWORD",
        ca_file=str(tls_files[0]),
    )  # fmt: skip
    a = EmailAdapter(mail_context("mail", settings, tmp_path))
    try:
        await a.start()
        await send_one(a, "tls@warga.id")
        [received] = server.received
        assert received.authenticated_as == "kominfo"
        # a wrong password is a configuration problem, reported at start
        monkeypatch.setenv("SMTP_PASSWORD", "wrong")
        b = EmailAdapter(mail_context("mail2", settings, tmp_path))
        with pytest.raises(ConfigError, match="refused the login"):
            await b.start()
    finally:
        await a.stop()
        server.stop()


async def test_implicit_tls(
    tmp_path: Path, server_tls: ssl.SSLContext, tls_files: tuple[Path, Path]
) -> None:
    server = SmtpSandbox(tls_context=server_tls, implicit_tls=True)
    server.start()
    settings = email_settings(server.port, security="tls", ca_file=str(tls_files[0]))
    a = EmailAdapter(mail_context("mail", settings, tmp_path))
    try:
        await a.start()
        await send_one(a, "tls@warga.id")
        assert len(server.received) == 1
        # without our CA the certificate is refused: a transient failure, nothing sent
        untrusted = EmailAdapter(
            mail_context("mail2", email_settings(server.port, security="tls"), tmp_path)
        )
        await untrusted.start()
        with pytest.raises(TransientError):
            await send_one(untrusted, "tls@warga.id")
        await untrusted.stop()
        assert len(server.received) == 1
    finally:
        await a.stop()
        server.stop()


async def test_sandbox_account_keeps_mail_on_disk(tmp_path: Path) -> None:
    a = EmailAdapter(mail_context("demo_mail", {"sandbox": True}, tmp_path))
    await a.start()
    try:
        address = await a.sandbox_group("RT 001 Kota Serang")
        assert a.normalize_address(address) == address
        await send_one(a, address)
        files = sorted((tmp_path / "email" / "demo_mail").glob("*.eml"))
        assert len(files) == 1 and b"Peringatan Banjir" in files[0].read_bytes()
        assert a.sandbox.messages_to(address)
    finally:
        await a.stop()


async def test_dropped_idle_connection_is_replaced(tmp_path: Path) -> None:
    server = SmtpSandbox()
    server.start()
    settings = email_settings(server.port, keepalive=0, pool_size=1)
    a = EmailAdapter(mail_context("mail", settings, tmp_path))
    await a.start()
    try:
        await send_one(a, "a@warga.id")
        await send_one(a, "b@warga.id")  # idle past keepalive: NOOP, same connection
        assert server.connections == 1
        # the server restarts: the pooled connection is dead; NOOP fails, a new one is opened
        port = server.port
        server.stop()
        server = SmtpSandbox(port)
        server.start()
        await send_one(a, "c@warga.id")
        assert [m["To"] for m in server.messages_to("c@warga.id")] == ["c@warga.id"]
        assert server.connections == 1 and a.pool.connections_opened == 2
    finally:
        await a.stop()
        server.stop()
