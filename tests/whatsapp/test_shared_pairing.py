"""A forwarded message and its bare LAPOR pair whichever web process receives each webhook:
the half that came first waits in the store (adapters/whatsapp/reports.SharedPairing), under a
hash of the number. Two SharedPairing objects on one real SQLite store stand for two processes."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from adapters.whatsapp.reports import FORWARD_KEY, SharedPairing
from broadcaster.adapter import InboundEvent
from broadcaster.store.sqlite import SqliteStore
from tests.whatsapp.test_report_parsing import (
    CONTENT,
    FORWARDED,
    HOAX,
    SENDER,
    events,
    image,
    text,
)

RESIDENT = SENDER


async def test_a_forward_in_one_process_and_lapor_in_another_make_one_report(
    tmp_path: Path,
) -> None:
    store = SqliteStore(str(tmp_path / "b.db"))
    await store.open()
    try:
        first, second = SharedPairing(store, "wa"), SharedPairing(store, "wa")
        (forward,) = events(text(HOAX, mid="wamid.f", **FORWARDED))
        seen = await first.apply(forward, now=1000.0)
        assert seen.kind == "reply" and FORWARD_KEY not in seen.data
        (lapor,) = events(text("LAPOR", mid="wamid.l"))
        report = await second.apply(lapor, now=1060.0)
        assert report.kind == "report" and report.event_id == "wamid.l"
        assert report.data["text"] == HOAX and report.data["message_id"] == "wamid.f"
        assert report.data["user"] == SENDER and report.data["forwarded"] is True
        # used up, in every process: another bare LAPOR gets the how-to
        assert (await first.apply(lapor, now=1061.0)).kind == "command"
        assert (await second.apply(lapor, now=1062.0)).kind == "command"
    finally:
        await store.close()


async def test_lapor_first_then_the_forwarded_picture_elsewhere(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "b.db"))
    await store.open()
    try:
        first, second = SharedPairing(store, "wa"), SharedPairing(store, "wa")
        (lapor,) = events(text("lapor", mid="wamid.l"))
        assert (await first.apply(lapor, now=1000.0)).kind == "command"  # the how-to goes out
        (forward,) = events(image(mid="wamid.f", **FORWARDED))
        report = await second.apply(forward, now=1100.0)
        assert report.kind == "report" and report.data["media"] == "1234567890"
        assert report.data["media_hash"] == hashlib.sha256(CONTENT).hexdigest()
    finally:
        await store.close()


async def test_halves_expire_belong_to_one_resident_and_name_no_number(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "b.db"))
    await store.open()
    try:
        first, second = SharedPairing(store, "wa", window=600), SharedPairing(store, "wa")
        (forward,) = events(text(HOAX, mid="wamid.f", **FORWARDED))
        await first.apply(forward, now=1000.0)
        (lapor,) = events(text("LAPOR", mid="wamid.l"))
        assert (await second.apply(lapor, now=1601.0)).kind == "command"  # too late
        await first.apply(forward, now=2000.0)
        other = InboundEvent("command", "wa", "wamid.o", "6281299990002", lapor.data)
        assert (await second.apply(other, now=2001.0)).kind == "command"  # someone else's
        await first.apply(forward, now=3000.0)  # waits: the resident's LAPOR was used at 2000
        with sqlite3.connect(tmp_path / "b.db") as db:
            rows = db.execute("SELECT account, key, kind, data FROM pending_reports").fetchall()
        assert rows and all(RESIDENT not in str(row) for row in rows)
        assert [row[1:3] for row in rows] == [(first.key(RESIDENT), "forward")]
    finally:
        await store.close()
