"""Email test fixtures: a real SMTP server (aiosmtpd) on 127.0.0.1, TLS material made with the
openssl CLI, and a real IMAP server (Dovecot) run from a throw-away config."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.email import EmailAdapter
from adapters.sandbox.email import SmtpSandbox
from broadcaster.adapter import AdapterContext
from tests.conftest import missing_service

from .dovecot import Dovecot

SECRET = "uji-rahasia-tautan-yang-panjang"


@pytest.fixture(autouse=True)
def link_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BROADCASTER_SECRET", SECRET)
    return SECRET


@pytest.fixture
def smtp() -> Iterator[SmtpSandbox]:
    server = SmtpSandbox()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost/127.0.0.1 and its key."""
    if shutil.which("openssl") is None:
        missing_service("openssl CLI not found: needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def server_tls(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


PUBLIC_URL = "https://broadcaster.bantenprov.go.id"


def mail_context(account: str, raw: dict[str, Any], data_dir: Path) -> AdapterContext:
    """An email account's context with the service's (https) public URL."""
    return AdapterContext(account, raw, data_dir, public_url=PUBLIC_URL)


def email_settings(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "from_address": "Dinas Kominfo Banten <info@kominfo.bantenprov.go.id>",
        "reply_address": "balas@kominfo.bantenprov.go.id",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "security": "none",
        "pool_size": 2,
        **extra,
    }


@pytest.fixture
async def adapter(smtp: SmtpSandbox, tmp_path: Path) -> AsyncIterator[EmailAdapter]:
    a = EmailAdapter(mail_context("mail", email_settings(smtp.port), tmp_path))
    await a.start()
    try:
        yield a
    finally:
        await a.stop()


@pytest.fixture(scope="session")
def dovecot(tls_files: tuple[Path, Path]) -> Iterator[Dovecot]:
    """One Dovecot IMAP server for the session (about a second to start), plaintext on
    ``port`` (STARTTLS offered) and implicit TLS on ``tls_port``."""
    if shutil.which("dovecot") is None:
        missing_service("dovecot not installed (apt-get install dovecot-imapd)")
    server = Dovecot(tls=tls_files)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def settle() -> None:
    await asyncio.sleep(0)
