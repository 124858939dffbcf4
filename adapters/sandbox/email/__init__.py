"""A local SMTP server (aiosmtpd) for sandbox email accounts, tests and benchmarks.

It accepts mail on 127.0.0.1, keeps every message (and writes it to a folder as ``.eml`` when
one is given), counts the connections clients opened, and can play a real provider's refusals:
``fail(address, code, text)`` answers that recipient's RCPT (or the DATA of mail to it) with the
given SMTP reply. Optional STARTTLS/implicit TLS and AUTH (PLAIN/LOGIN) with one user.

aiosmtpd's ``Controller`` runs the server on its own event loop in a thread, so ``start`` and
``stop`` block briefly: call them through ``asyncio.to_thread`` from async code.
"""

from __future__ import annotations

import itertools
import logging
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from broadcaster.files import private_dir, write_private

__all__ = ["Fault", "Received", "SmtpSandbox"]

# aiosmtpd logs every SMTP command at INFO: far too loud beside the service's own log
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    authenticated_as: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Fault:
    code: int
    text: str
    stage: str = "rcpt"  # rcpt | data
    times: int | None = None  # None: every time


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    received: list[Received] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)
    connections: int = 0


class _Handler:
    def __init__(self, state: _State, folder: Path | None) -> None:
        self.state = state
        self.folder = folder
        self._seq = itertools.count(1)

    def _fault(self, address: str, stage: str) -> str | None:
        with self.state.lock:
            fault = self.state.faults.get(address.lower())
            if fault is None or fault.stage != stage:
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self.state.faults[address.lower()]
            return f"{fault.code} {fault.text}"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        refused = self._fault(address, "rcpt")
        if refused is not None:
            return refused
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        for address in envelope.rcpt_tos:
            refused = self._fault(address, "data")
            if refused is not None:
                return refused
        data = envelope.content if isinstance(envelope.content, bytes) else b""
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        item = Received(
            str(envelope.mail_from),
            tuple(envelope.rcpt_tos),
            data,
            login.decode() if isinstance(login, bytes) else None,
        )
        with self.state.lock:
            self.state.received.append(item)
        if self.folder is not None:
            # the sandbox's own thread and loop: a blocking write here never stalls the service
            path = self.folder / f"{next(self._seq):06d}.eml"
            write_private(path, data, replace=True)  # mail of residents: owner-only
        return "250 Message accepted for delivery"


class _CountingController(Controller):
    def __init__(self, state: _State, handler: _Handler, **kwargs: Any) -> None:
        self._state = state
        super().__init__(handler, **kwargs)

    def factory(self) -> SMTP:
        # called once per accepted connection (and once for the controller's own ready check)
        with self._state.lock:
            self._state.connections += 1
        return SMTP(self.handler, **self.SMTP_kwargs)


class SmtpSandbox:
    """A local SMTP server; see the module docstring."""

    def __init__(
        self,
        port: int = 0,
        *,
        folder: Path | None = None,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        require_starttls: bool = False,
        user: tuple[str, str] | None = None,
    ) -> None:
        self.port = port
        self.folder = folder
        self._state = _State()
        self._tls_context = tls_context
        self._implicit = implicit_tls
        self._require_starttls = require_starttls
        self._user = user
        self._controller: Controller | None = None
        self._baseline = 0

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if (
            self._user is not None
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == self._user
        ):
            return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    def start(self) -> None:
        if self._controller is not None:
            return
        if self.folder is not None:
            private_dir(self.folder)
        kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": self.port or _free_port()}
        if self._implicit:
            kwargs["ssl_context"] = self._tls_context
            kwargs["server_hostname"] = "localhost"
        elif self._tls_context is not None:
            kwargs["tls_context"] = self._tls_context
            kwargs["require_starttls"] = self._require_starttls
        if self._user is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
            kwargs["auth_require_tls"] = self._tls_context is not None
        controller = _CountingController(self._state, _Handler(self._state, self.folder), **kwargs)
        controller.start()
        self.port = int(kwargs["port"])
        self._controller = controller
        with self._state.lock:
            self._baseline = self._state.connections  # the controller's own ready check

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    # -- what arrived ------------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        with self._state.lock:
            return list(self._state.received)

    @property
    def connections(self) -> int:
        """Connections clients opened (the controller's own readiness probe not counted)."""
        with self._state.lock:
            return self._state.connections - self._baseline

    def messages_to(self, address: str) -> list[EmailMessage]:
        wanted = address.lower()
        return [r.message for r in self.received if wanted in (a.lower() for a in r.rcpt_tos)]

    def clear(self) -> None:
        with self._state.lock:
            self._state.received.clear()

    # -- faults ------------------------------------------------------------------------------

    def fail(
        self, address: str, code: int, text: str, *, stage: str = "rcpt", times: int | None = None
    ) -> None:
        """Answer mail to ``address`` with ``code text`` at ``stage`` (rcpt or data)."""
        with self._state.lock:
            self._state.faults[address.lower()] = Fault(code, text, stage, times)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
