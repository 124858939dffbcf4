"""``python -m adapters.sandbox.whatsapp``: run the Cloud API emulator alone (benchmarks, manual
tests). Prints one JSON line with url, phone_number_id, token and app secret, then serves until
interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json

from .server import CloudSandbox
from .state import CloudLimits


async def _main(args: argparse.Namespace) -> None:
    sandbox = CloudSandbox(
        args.host,
        args.port,
        access_token=args.token,
        limits=CloudLimits(per_second=args.rate),
    )
    sandbox.state.statuses = not args.no_statuses
    url = await sandbox.start()
    state = sandbox.state
    line = {"url": url, "phone_number_id": state.phone_number_id, "token": state.access_token}
    print(json.dumps({**line, "app_secret": state.app_secret}), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--token", default=None, help="access token to accept (default: random)")
    parser.add_argument("--rate", type=float, default=80.0, help="messages/s per number")
    parser.add_argument("--no-statuses", action="store_true", help="send no status webhooks")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
