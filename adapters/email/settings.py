"""The settings of one email account (``[accounts.NAME]`` with ``adapter = "email"``).

Sending (SMTP, aiosmtplib over a pool of persistent connections); defaults in brackets:

* ``from_address`` [required]: ``From:``, e.g. ``"Dinas Kominfo Banten <info@kominfo.go.id>"``
* ``reply_address`` [from_address]: the ``Reply-To:`` mailbox the IMAP reader watches (replies,
  mailto unsubscribes); a ``+tag`` is added to its local part
* ``bounce_address`` [reply_address]: envelope sender (``MAIL FROM``), where bounces go
* ``list_id`` [``pengumuman.<from domain>``] and ``list_name``: the ``List-Id:`` header
* vote and unsubscribe links are ``<service.public_url>/hooks/<account>/...``: the one public
  URL setting of the service (https unless sandbox; see :mod:`broadcaster.publicurl`)
* ``link_secret_env`` [``BROADCASTER_SECRET``]: environment variable holding the secret that
  signs links and Message-IDs (required outside sandbox mode)
* ``vote_link_days`` [30]: vote links expire then, or when the poll closes
* ``smtp_host`` [required]; ``smtp_port`` [465 with tls, 587 with starttls, 25 with none]
* ``security`` [starttls]: ``"starttls"`` (required upgrade), ``"tls"`` (implicit), ``"none"``
* ``username`` and ``password_env`` (environment variable holding the SMTP password) [no AUTH]
* ``validate_certs`` [true]; ``ca_file`` [none]: extra CA bundle (PEM) to trust
* ``pool_size`` [4]: persistent SMTP connections (one transaction at a time each)
* ``timeout`` [30]: seconds per SMTP command; ``keepalive`` [60]: a connection idle longer is
  checked with NOOP before use
* ``rate_limit_pause`` [60]: seconds the account waits after a 421/451/452 answer

Replies (IMAP, standard-library imaplib in a thread; off when ``imap_host`` is unset):
``imap_host``, ``imap_port`` (993 with tls, else 143), ``imap_security`` (``"tls"``,
``"starttls"``, ``"none"``; default tls), ``imap_username``, ``imap_password_env``,
``imap_mailbox`` (INBOX), ``imap_interval`` (seconds between checks, 30).

Sandbox: ``sandbox = true`` starts a local SMTP server (aiosmtpd) in-process on
``sandbox_port`` (0: any free port) that writes every message it accepts to
``<data_dir>/email/<account>/`` as ``.eml`` files; no host, password or secret is needed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any, Literal

from adapters.config_values import config_bool, config_number
from broadcaster.errors import ConfigError
from broadcaster.publicurl import DEFAULT_PUBLIC_URL, link_base

Security = Literal["starttls", "tls", "none"]
SECURITY: tuple[Security, ...] = ("starttls", "tls", "none")
DEFAULT_LIST_NAME = "Pengumuman Resmi Dinas Kominfo Banten"
DEFAULT_SECRET_ENV = "BROADCASTER_SECRET"
SANDBOX_FROM = "Dinas Kominfo Banten (sandbox) <pengumuman@kominfo.sandbox.test>"

_KNOWN = {
    "from_address",
    "reply_address",
    "bounce_address",
    "list_id",
    "list_name",
    "link_secret_env",
    "vote_link_days",
    "smtp_host",
    "smtp_port",
    "security",
    "username",
    "password_env",
    "validate_certs",
    "ca_file",
    "pool_size",
    "timeout",
    "keepalive",
    "rate_limit_pause",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_password_env",
    "imap_mailbox",
    "imap_interval",
    "sandbox",
    "sandbox_port",
}


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: Security
    username: str
    password_env: str | None
    mailbox: str
    interval: float

    def password(self, account: str) -> str:
        return _secret(account, "imap_password_env", self.password_env)


@dataclass(frozen=True)
class EmailSettings:
    account: str
    from_address: str
    reply_address: str
    bounce_address: str
    list_id: str
    list_name: str
    public_url: str
    link_secret_env: str
    vote_link_days: float
    smtp_host: str
    smtp_port: int
    security: Security
    username: str | None
    password_env: str | None
    validate_certs: bool
    ca_file: str | None
    pool_size: int
    timeout: float
    keepalive: float
    rate_limit_pause: float
    imap: ImapSettings | None
    sandbox: bool
    sandbox_port: int

    @property
    def domain(self) -> str:
        """The domain of the From address: Message-IDs are made in it."""
        return self.from_address.rpartition("@")[2].rstrip(">").strip() or "localhost"

    def smtp_password(self) -> str | None:
        if self.username is None:
            return None
        return _secret(self.account, "password_env", self.password_env)

    @classmethod
    def parse(
        cls, account: str, raw: Mapping[str, Any], service_url: str = DEFAULT_PUBLIC_URL
    ) -> EmailSettings:
        """Validate ``raw``; ConfigError names the key (``accounts.NAME.KEY``) and the problem."""
        where = f"accounts.{account}"
        if "public_url" in raw:
            raise ConfigError(
                f"{where}.public_url: links use the one service.public_url now; move the "
                "address to [service] public_url"
            )
        unknown = sorted(set(raw) - _KNOWN)
        if unknown:
            raise ConfigError(
                f"{where}: unknown email setting(s) {unknown}; known: {sorted(_KNOWN)}"
            )
        sandbox = config_bool(raw, "sandbox", False, where)
        from_address = _address(raw, "from_address", SANDBOX_FROM if sandbox else None, where)
        assert from_address is not None
        reply_address = _address(raw, "reply_address", _bare(from_address), where)
        assert reply_address is not None
        bounce_address = _address(raw, "bounce_address", _bare(reply_address), where)
        assert bounce_address is not None
        domain = _bare(from_address).rpartition("@")[2]
        list_id = str(raw.get("list_id", f"pengumuman.{domain}")).strip().strip("<>")
        if not list_id or any(ch.isspace() or ch in '<>"' for ch in list_id):
            raise ConfigError(f"{where}.list_id: {list_id!r}; use a domain-like name")
        public_url = link_base(service_url, sandbox, where)
        security = raw.get("security", "none" if sandbox else "starttls")
        if security not in SECURITY:
            raise ConfigError(f"{where}.security: {security!r}; use one of {list(SECURITY)}")
        smtp_host = str(raw.get("smtp_host", "127.0.0.1" if sandbox else "")).strip()
        if not smtp_host:
            raise ConfigError(f"{where}.smtp_host: required (the SMTP server to send through)")
        default_port = {"tls": 465, "starttls": 587, "none": 25}[security]
        smtp_port = int(config_number(raw, "smtp_port", default_port, where))
        username = raw.get("username")
        password_env = _env_name(raw, "password_env", where)
        if username is not None and password_env is None:
            raise ConfigError(f"{where}.password_env: required with username (the SMTP password)")
        pool_size = int(config_number(raw, "pool_size", 4, where))
        timeout = config_number(raw, "timeout", 30.0, where)
        if pool_size < 1 or timeout <= 0:
            raise ConfigError(f"{where}: pool_size and timeout must be positive")
        days = config_number(raw, "vote_link_days", 30.0, where)
        if days <= 0:
            raise ConfigError(f"{where}.vote_link_days: must be positive")
        sandbox_port = int(config_number(raw, "sandbox_port", 0, where))
        if not 0 <= sandbox_port <= 65535:
            raise ConfigError(f"{where}.sandbox_port: {sandbox_port}; use 0 (any) to 65535")
        ca_file = raw.get("ca_file")
        return cls(
            account=account,
            from_address=from_address,
            reply_address=reply_address,
            bounce_address=bounce_address,
            list_id=list_id,
            list_name=str(raw.get("list_name", DEFAULT_LIST_NAME)).strip() or DEFAULT_LIST_NAME,
            public_url=public_url,
            link_secret_env=_env_name(raw, "link_secret_env", where) or DEFAULT_SECRET_ENV,
            vote_link_days=days,
            smtp_host=smtp_host,
            smtp_port=smtp_port,
            security=security,
            username=str(username) if username is not None else None,
            password_env=password_env,
            validate_certs=config_bool(raw, "validate_certs", True, where),
            ca_file=str(ca_file) if ca_file else None,
            pool_size=pool_size,
            timeout=timeout,
            keepalive=config_number(raw, "keepalive", 60.0, where),
            rate_limit_pause=config_number(raw, "rate_limit_pause", 60.0, where),
            imap=_imap(raw, where),
            sandbox=sandbox,
            sandbox_port=sandbox_port,
        )


def _imap(raw: Mapping[str, Any], where: str) -> ImapSettings | None:
    host = str(raw.get("imap_host", "")).strip()
    if not host:
        return None
    security = raw.get("imap_security", "tls")
    if security not in SECURITY:
        raise ConfigError(f"{where}.imap_security: {security!r}; use one of {list(SECURITY)}")
    username = str(raw.get("imap_username", "")).strip()
    if not username:
        raise ConfigError(f"{where}.imap_username: required with imap_host")
    interval = config_number(raw, "imap_interval", 30.0, where)
    if interval <= 0:
        raise ConfigError(f"{where}.imap_interval: must be positive")
    return ImapSettings(
        host=host,
        port=int(config_number(raw, "imap_port", 993 if security == "tls" else 143, where)),
        security=security,
        username=username,
        password_env=_env_name(raw, "imap_password_env", where),
        mailbox=str(raw.get("imap_mailbox", "INBOX")),
        interval=interval,
    )


def _secret(account: str, key: str, name: str | None) -> str:
    value = os.environ.get(name, "") if name else ""
    if not value:
        raise ConfigError(
            f"accounts.{account}.{key}: environment variable {name!r} is not set or empty"
        )
    return value


def _bare(address: str) -> str:
    return parseaddr(address)[1]


def _address(raw: Mapping[str, Any], key: str, default: str | None, where: str) -> str | None:
    value = raw.get(key, default)
    if value is None:
        raise ConfigError(f'{where}.{key}: required, e.g. "Dinas Kominfo <info@example.go.id>"')
    name, addr = parseaddr(str(value))
    local, _, domain = addr.rpartition("@")
    if not local or "." not in domain:
        raise ConfigError(f"{where}.{key}: {value!r} is not an email address")
    return str(Address(display_name=name, addr_spec=addr)) if name else addr


def _env_name(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key}: name an environment variable")
    return value.strip()
