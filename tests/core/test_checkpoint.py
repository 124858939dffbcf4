"""Issue 11.4: cutting the tail of the audit chain (after dropping the append-only triggers, as
anyone with the database file can) leaves a valid shorter chain; a checkpoint kept outside the
system catches it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from broadcaster.checkpoint_publisher import publish_once
from broadcaster.config import AuditConfig
from broadcaster.inbox import load_salt
from tests.core.harness import rig
from tests.core.test_cli import cli  # noqa: F401 - the fixture


def cut_tail(db: Path, keep: int) -> None:
    """What an attacker with the file does: drop the triggers, delete the newest entries and
    make the recorded head point at the new last entry."""
    con = sqlite3.connect(db)
    with con:
        con.execute("DROP TRIGGER audit_no_delete")
        con.execute("DELETE FROM audit WHERE seq > ?", (keep,))
        seq, digest = con.execute(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        con.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{seq}:{digest}",))
    con.close()


def test_a_cut_tail_fails_verification_against_a_checkpoint(cli: Any) -> None:  # noqa: F811
    tmp: Path = cli.tmp
    cli("users", "add", "admin", "--role", "admin")
    cli("users", "add", "admin2", "--role", "admin", "--as", "admin")
    shown = cli("audit", "checkpoint")
    assert "signature" in shown.output and "seq" in shown.output
    checkpoint = json.loads(cli("audit", "checkpoint", "--json").stdout)
    assert checkpoint["seq"] == 2 and len(checkpoint["signature"]) == 64
    (tmp / "titik.json").write_text(json.dumps(checkpoint))
    cli("users", "add", "admin3", "--role", "admin", "--as", "admin")
    verified = json.loads(
        cli("audit", "verify", "--checkpoint", str(tmp / "titik.json"), "--json").stdout
    )
    assert verified["ok"] is True and verified["checkpoint"] == "ok"

    cut_tail(tmp / "var" / "broadcaster.db", keep=1)
    # the shorter chain is valid on its own: this is the gap checkpoints close
    assert json.loads(cli("audit", "verify", "--json").stdout)["ok"] is True
    failed = cli("audit", "verify", "--checkpoint", str(tmp / "titik.json"), ok=False)
    assert failed.exit_code == 1
    assert "no longer holds entry 2" in failed.output

    # a checkpoint whose numbers were edited is refused by its signature
    forged = {**checkpoint, "seq": 1}
    (tmp / "palsu.json").write_text(json.dumps(forged))
    refused = cli("audit", "verify", "--checkpoint", str(tmp / "palsu.json"), ok=False)
    assert refused.exit_code == 1 and "signature" in refused.output


async def test_scheduled_publication_queues_a_notice_to_the_auditor(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        config = AuditConfig(
            checkpoint_every_minutes=60,
            checkpoint_account="scripted",
            checkpoint_address="inspektorat",
        )
        secret = load_salt(r.app.settings.service.data_dir)
        assert await publish_once(r.app.store, config, secret)
        notices = await r.app.store.pending_notices("scripted")
        head = await r.app.store.audit_head()
    (notice,) = [n for n in notices if n.address == "inspektorat"]
    published = json.loads(notice.text.splitlines()[-1])
    assert (published["seq"], published["hash"]) == head
