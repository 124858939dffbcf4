"""An account's own Cloud API emulator, for ``sandbox = true`` accounts.

Imported only when such an account starts, so production accounts never load the emulator. The
emulator gets a made-up access token and app secret (no environment variables involved), the
shipped template ``pengumuman_resmi`` (id, en; 3 body parameters: title, body, link) and, when
the account has a ``webhook_url``, posts signed webhooks there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.sandbox.whatsapp import CloudSandbox


class AccountSandbox:
    def __init__(self, account: str, port: int, rate: float, webhook_url: str | None) -> None:
        self.account = account
        self.port = port
        self.rate = rate
        self.webhook_url = webhook_url
        self._server: CloudSandbox | None = None

    @property
    def server(self) -> CloudSandbox:
        if self._server is None:
            raise RuntimeError(f"the sandbox of account {self.account!r} is not running")
        return self._server

    async def start(self) -> CloudSandbox:
        from adapters.sandbox.whatsapp import CloudLimits, CloudSandbox

        if self._server is None:
            server = CloudSandbox(port=self.port, limits=CloudLimits(per_second=self.rate))
            server.state.webhook_url = self.webhook_url
            await server.start()
            self._server = server
        return self._server

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()
