"""Dovecot from a throw-away config: IMAP on a free 127.0.0.1 port, plaintext login, users
from a passwd file, Maildir mail in a temporary folder. Mailboxes run as ``nobody`` (the
folder is made world-writable for that); the whole tree is removed on stop."""

from __future__ import annotations

import imaplib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


class Dovecot:
    def __init__(
        self, users: tuple[str, ...] = ("balas", "kotak"), tls: tuple[Path, Path] | None = None
    ) -> None:
        """``tls``: (certificate, key) to offer STARTTLS on ``port`` and implicit TLS on
        ``tls_port``."""
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-", dir="/tmp"))
        self.port = _free_port()
        self.tls_port = _free_port() if tls else 0
        self.tls = tls
        # users are fixed at start: Dovecot may miss a passwd file rewritten within a second
        self.users = {name: secrets.token_hex(8) for name in users}
        self._process: subprocess.Popen[bytes] | None = None

    def add_user(self, name: str) -> str:
        """The password of one of the users made at start."""
        return self.users[name]

    def start(self) -> None:
        os.chmod(self.root, 0o755)
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        os.chmod(self.root / "mail", 0o777)
        lines = "".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items())
        (self.root / "passwd").write_text(lines)
        uid, gid = (65534, 65534) if os.getuid() == 0 else (os.getuid(), os.getgid())
        config = self.root / "dovecot.conf"
        ssl = "ssl = no"
        if self.tls is not None:
            ssl = f"ssl = yes\nssl_cert = <{self.tls[0]}\nssl_key = <{self.tls[1]}"
        config.write_text(
            CONFIG.format(
                root=self.root, port=self.port, tls_port=self.tls_port, uid=uid, gid=gid, ssl=ssl
            )
        )
        self._process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not start; see {self.root}/dovecot.log")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def deliver(self, user: str, raw: bytes) -> None:
        """Put a message into the user's INBOX (IMAP APPEND, unseen)."""
        client = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            client.login(user, self.users[user])
            typ, data = client.append("INBOX", "", None, raw)
            assert typ == "OK", data
        finally:
            client.logout()

    def unseen(self, user: str) -> int:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            client.login(user, self.users[user])
            client.select("INBOX")
            _, data = client.uid("SEARCH", "UNSEEN")
            return len((data[0] or b"").split())
        finally:
            client.logout()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
