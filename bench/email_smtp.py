"""Email throughput through the real engine: plan + claim + render + compose + SMTP + record, to
N active email groups, against a local aiosmtpd server in a child process (so the server has
the second core to itself). Reports messages/s and the connections the server saw.

    python -m bench.email_smtp --groups 2000 --pool 4

The target: connections opened ≪ messages sent (a pool of 4 persistent connections). With
``--baseline`` it also times the naive way — ``aiosmtplib.send()`` per message, one connection
each, 4 at a time — on the same server for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import secrets
import socket
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiosmtplib

from broadcaster.app import App
from broadcaster.config import Settings
from broadcaster.engine import Engine
from content.model import Announcement, Poll, Target, Variant
from schedules.spec import ScheduleSpec

from .common import approve, log, seed_groups

BODY = (
    "BMKG memprakirakan **hujan lebat** disertai angin kencang dalam 24 jam ke depan.\n\n"
    "1. Bersihkan saluran air.\n2. Simpan dokumen penting.\n3. Ikuti arahan petugas."
)


def serve(port: int, pipe: Connection) -> None:
    """Child process: run the SMTP server until asked for its counts."""
    from adapters.sandbox.email import SmtpSandbox

    server = SmtpSandbox(port)
    server.start()
    pipe.send("ready")
    while True:
        command = pipe.recv()
        if command == "stats":
            pipe.send({"connections": server.connections, "messages": len(server.received)})
        elif command == "clear":
            server.clear()
            pipe.send("ok")
        else:
            server.stop()
            pipe.send("stopped")
            return


def settings(folder: Path, port: int, pool: int) -> Settings:
    return Settings(
        service={
            "data_dir": str(folder),
            "verify_line": True,
            "public_url": "https://broadcaster.bantenprov.go.id",
        },
        store={"url": f"sqlite:///{folder / 'bench.db'}"},
        http={"enabled": False},
        engine={"idle_poll": 0.2},
        schedule={"quiet_hours": "off"},
        accounts={
            "bench": {
                "adapter": "email",
                "from_address": "Dinas Kominfo Banten <info@kominfo.bantenprov.go.id>",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "security": "none",
                "pool_size": pool,
                "limits": {"global_per_second": None},
            }
        },
    )


async def through_engine(folder: Path, port: int, groups: int, pool: int) -> dict[str, Any]:
    s = settings(folder, port, pool)
    await seed_groups(s, [f"rt{i:06d}@warga.id" for i in range(groups)], "email", "bench")
    async with App(s) as app:
        content = Announcement(
            variants={"id": Variant(title="Peringatan Dini Cuaca", body=BODY)},
            poll=Poll(question="Apakah wilayah Anda tergenang?", options=["Ya", "Tidak"]),
            source="BMKG",
            target=Target(regions=["36"]),
        )
        record = await approve(app, content)
        for adapter in app.adapters.values():
            await adapter.start()
        engine = Engine(app.store, s, app.adapters)
        await engine.start()
        started = time.perf_counter()
        schedule = await app.workflow.schedule("admin", record.id, ScheduleSpec.now())
        assert engine.bridge is not None
        await engine.bridge.fire(schedule.id, datetime.now(UTC))
        engine.wake()
        await engine.drain(3600)
        elapsed = time.perf_counter() - started
        dispatch = (await app.store.list_dispatches())[0]
        progress = await app.store.dispatch_progress(dispatch.id)
        await engine.stop()
        pool_obj = app.adapters["bench"].pool  # type: ignore[attr-defined]
        opened = pool_obj.connections_opened
        for adapter in app.adapters.values():
            await adapter.stop()
    sent = progress.by_status.get("sent", 0)
    return {
        "sent": sent,
        "by_status": dict(progress.by_status),
        "seconds": round(elapsed, 2),
        "messages_per_second": round(sent / elapsed, 1),
        "client_connections_opened": opened,
    }


async def baseline(port: int, messages: int, concurrency: int) -> dict[str, Any]:
    """aiosmtplib.send() per message: connect, EHLO, MAIL, RCPT, DATA, QUIT every time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        message = EmailMessage()
        message["From"] = "info@kominfo.bantenprov.go.id"
        message["To"] = f"rt{i:06d}@warga.id"
        message["Subject"] = "Peringatan Dini Cuaca"
        message.set_content(BODY)
        async with gate:
            await aiosmtplib.send(message, hostname="127.0.0.1", port=port, start_tls=False)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(messages)))
    elapsed = time.perf_counter() - started
    return {
        "sent": messages,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(messages / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--pool", type=int, default=4)
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("BROADCASTER_SECRET", secrets.token_hex(32))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(target=serve, args=(port, child), daemon=True)
    server.start()
    assert parent.recv() == "ready"
    try:
        with tempfile.TemporaryDirectory(prefix="bench-email-") as tmp:
            ours = asyncio.run(through_engine(Path(tmp), port, args.groups, args.pool))
        parent.send("stats")
        stats = parent.recv()
        ours["server_connections"] = stats["connections"]
        ours["server_messages"] = stats["messages"]
        result: dict[str, Any] = {"groups": args.groups, "pool": args.pool, "engine": ours}
        if args.baseline:
            parent.send("clear")
            parent.recv()
            parent.send("stats")
            before = parent.recv()["connections"]
            plain = asyncio.run(baseline(port, args.groups, args.pool))
            parent.send("stats")
            plain["server_connections"] = parent.recv()["connections"] - before
            result["baseline_send_per_message"] = plain
        log(json.dumps(result))
        print(json.dumps(result, indent=2))
    finally:
        parent.send("stop")
        parent.recv()
        server.join(5)


if __name__ == "__main__":
    main()
