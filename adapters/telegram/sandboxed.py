"""An account's own Bot API emulator, for ``sandbox = true`` accounts.

The emulator (:mod:`adapters.sandbox.telegram`) is imported only here and only when such an
account starts, so production accounts never load it. It listens on 127.0.0.1 on a free port,
enforces Telegram's published limits, and knows exactly one bot: this account's, under a token
made up at start (no environment variable involved). ``port`` 0 picks a free port; a fixed one
(the account's ``sandbox_port``) lets ``broadcaster sandbox --url`` script the emulator.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.sandbox.telegram import TelegramSandbox


class AccountSandbox:
    """Start/stop the emulator and create simulated groups with this account's bot in them."""

    def __init__(self, account: str, port: int = 0) -> None:
        self.account = account
        self.port = port
        # A made-up "<bot id>:<secret>" token; the bot id only has to be unique in this emulator.
        self.bot_id = 7_000_000_000 + secrets.randbelow(1_000_000_000)
        self.token = f"{self.bot_id}:{secrets.token_urlsafe(32)}"
        self._server: TelegramSandbox | None = None

    @property
    def server(self) -> TelegramSandbox:
        """The running emulator (for tests, the demo and rehearsals to script residents)."""
        if self._server is None:
            raise RuntimeError(f"the sandbox of account {self.account!r} is not running")
        return self._server

    async def start(self) -> str:
        """Start the emulator; returns its base URL (``http://127.0.0.1:PORT``)."""
        from adapters.sandbox.telegram import SandboxConfig, TelegramSandbox

        if self._server is None:
            server = TelegramSandbox(SandboxConfig(host="127.0.0.1", port=self.port))
            server.register_bot(self.token, username=f"{_slug(self.account)}_sandbox_bot")
            await server.start()
            self._server = server
        return self._server.url

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()

    def create_group(self, title: str) -> int:
        """A basic group titled ``title`` whose creator (a simulated admin) added the bot;
        returns its chat id."""
        community = self.server.community
        admin = community.add_user(f"Admin {title}"[:64] or "Admin")
        group = community.create_group(title or "Grup", creator=admin.id)
        community.add_bot(group.id, self.token, by_user=admin.id)
        return group.id


def _slug(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in name.lower()).strip("_")
    return cleaned[:20] or "account"
