"""Run the Telegram sandbox on its own.

Usage::

    python -m adapters.sandbox.telegram --port 8081 --bot 123456:TEST [--bot 654321:OTHER]
        [--host 127.0.0.1] [--auto-register] [--no-limits] [--latency-ms 50]
        [--global-per-second 30] [--per-group-per-minute 20] [--flood-block-seconds 3]
        [--admin-token SECRET]

It prints the base URL on the first line of stdout (``http://127.0.0.1:8081``), then serves
until SIGINT/SIGTERM. Point python-telegram-bot at ``<url>/bot`` and aiogram at
``TelegramAPIServer.from_base(<url>)``; build the community and inject faults through the
``/sandbox/...`` admin endpoints (see :mod:`adapters.sandbox.telegram.admin`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from .config import LimitsConfig, SandboxConfig
from .server import TelegramSandbox


def parse_args(argv: list[str] | None = None) -> SandboxConfig:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.sandbox.telegram",
        description="Telegram Bot API sandbox (local emulator)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument(
        "--bot",
        action="append",
        default=[],
        metavar="TOKEN",
        help="register a bot token (repeatable)",
    )
    parser.add_argument("--auto-register", action="store_true", help="accept any well-formed token")
    parser.add_argument("--no-limits", action="store_true", help="do not enforce rate limits")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--global-per-second", type=float, default=30.0)
    parser.add_argument("--per-group-per-minute", type=int, default=20)
    parser.add_argument("--per-chat-per-second", type=float, default=1.0)
    parser.add_argument("--flood-block-seconds", type=float, default=3.0)
    parser.add_argument("--admin-token", default=None)
    parser.add_argument(
        "--omit-member-field",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this ChatMember field out of answers and updates, as a Bot API server older "
        "than the client libraries does (e.g. can_send_welcome_messages); repeatable",
    )
    args = parser.parse_args(argv)
    limits = LimitsConfig(
        global_per_second=args.global_per_second,
        per_group_per_minute=args.per_group_per_minute,
        per_chat_per_second=args.per_chat_per_second,
        flood_block_seconds=args.flood_block_seconds,
        enforce=not args.no_limits,
    )
    return SandboxConfig(
        host=args.host,
        port=args.port,
        limits=limits,
        latency_ms=args.latency_ms,
        bots=list(args.bot),
        auto_register_bots=args.auto_register,
        admin_token=args.admin_token,
        omit_member_fields=frozenset(args.omit_member_field),
    )


async def serve(config: SandboxConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with TelegramSandbox(config) as sandbox:
        print(sandbox.url, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
