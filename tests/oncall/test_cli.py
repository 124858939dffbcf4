"""``broadcaster oncall add|list|remove``: authorised (admins), validated, audited."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from broadcaster.cli.main import app as cli
from tests.core.harness import rig


async def test_rota_from_the_command_line(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        settings = r.app.settings
        config = tmp_path / "config.toml"
        config.write_text(
            f'[service]\ndata_dir = "{settings.service.data_dir}"\n'
            f'[store]\nurl = "{settings.store.url}"\n'
            '[accounts.tg]\nadapter = "file"\n[oncall.accounts]\ntelegram = "tg"\n'
        )
        runner = CliRunner()

        async def run(*args: str) -> tuple[int, str]:
            out = await asyncio.to_thread(
                runner.invoke, cli, ["oncall", *args, "--config", str(config)]
            )
            return out.exit_code, out.output

        code, out = await run(
            *("add", "verifier", "--channel", "telegram", "--address", "123456789"),
            *("--days", "mon-fri", "--from", "07:00", "--to", "19:00", "--as", "admin", "--json"),
        )
        assert code == 0, out
        added = json.loads(out)
        assert (added["days"], added["from"], added["to"]) == ("mon-fri", "07:00", "19:00")
        code, out = await run(
            *("add", "verifier2", "--channel", "email", "--address", "V2@Kominfo.test"),
            *("--as", "admin"),
        )
        assert code == 0, out
        assert "no alert account for email" in out  # only telegram has one here
        # refused: not an admin, a user who cannot approve, a bad address, a bad window
        mail = ("--channel", "email", "--address", "a@b.id")
        refusals = [
            ("verifier", *mail, "--as", "officer"),
            ("officer", *mail, "--as", "admin"),
            ("verifier", "--channel", "whatsapp", "--address", "not-a-number", "--as", "admin"),
            ("verifier", "--channel", "sms", "--address", "0812", "--as", "admin"),
            ("verifier", *mail, "--days", "someday", "--as", "admin"),
            ("verifier", *mail, "--from", "25:00", "--as", "admin"),
            ("verifier", *mail, "--from", "07:00", "--to", "07:00", "--as", "admin"),
        ]
        for args in refusals:
            code, out = await run("add", *args)
            assert code == 1 and "error:" in out, (args, out)
        code, out = await run("list", "--json")
        rows = json.loads(out)
        assert [(x["user"], x["channel"], x["address"]) for x in rows] == [
            ("verifier", "telegram", "123456789"),
            ("verifier2", "email", "v2@kominfo.test"),
        ]
        code, out = await run("remove", str(rows[0]["id"]), "--as", "verifier")
        assert code == 1  # only admins
        code, out = await run("remove", str(rows[0]["id"]), "--as", "admin")
        assert code == 0, out
        code, out = await run("list", "--json")
        assert [x["user"] for x in json.loads(out)] == ["verifier2"]
        actions = [e.action async for e in r.app.store.iter_audit()]
        assert actions.count("oncall.add") == 2 and actions.count("oncall.remove") == 1
