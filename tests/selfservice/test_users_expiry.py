"""Users for a while and in bulk: ``users import`` of a cohort (all or nothing, FILE:LINE),
``--valid-until``; an expired user is refused on every surface (CLI, dashboard login and
session, API token) with a clear message; ``web invite`` links work once, for 72 hours."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from broadcaster.cli.main import app
from broadcaster.errors import Expired, PermissionDenied
from broadcaster.expiry import ensure_current, parse_valid_until
from broadcaster.http import create_http_app
from broadcaster.store.records import AuditRecord
from broadcaster.web.accounts import create_token
from broadcaster.web.invites import Invites, accept_invite, check_invite, create_invite
from tests.core.harness import rig
from tests.web.conftest import WEB, post_login

CONFIG = '[service]\ndata_dir = "var"\n[http]\nenabled = false\n'


@pytest.fixture
def cli(tmp_path: Path) -> Any:
    (tmp_path / "config.toml").write_text(CONFIG)
    regions = tmp_path / "wilayah"
    regions.mkdir()
    (regions / "provinces.csv").write_text("36,BANTEN\n")
    (regions / "regencies.csv").write_text("3673,36,KOTA SERANG\n3671,36,KOTA TANGERANG\n")
    (regions / "districts.csv").write_text("3673010,3673,CURUG\n")
    (regions / "villages.csv").write_text("3673010001,3673010,KAMANISAN\n")
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> Any:
        result = runner.invoke(app, [*args, "--config", str(tmp_path / "config.toml")])
        assert result.exit_code == code, result.output
        return result

    invoke("users", "add", "admin", "--role", "admin")
    invoke("regions", "import", str(regions), "--as", "admin")
    invoke.tmp = tmp_path  # type: ignore[attr-defined]
    return invoke


def test_users_import_and_expiry_on_the_cli(cli: Any) -> None:
    tmp: Path = cli.tmp
    sheet = tmp / "angkatan.csv"
    sheet.write_text(
        "name,role,scope,email,valid_until\n"
        "siti,verifier,3673,siti@kampus.example.id,2099-06-30\n"
        "budi,verifier,3673010001,,2099-06-30\n"
    )
    bad = tmp / "salah.csv"
    bad.write_text(
        "name,role,scope,email,valid_until\n"
        "rina,verifier,3673,rina@kampus.example.id,2099-06-30\n"  # fine
        "rina,verifier,3673,,2099-06-30\n"  # 3: duplicate
        "joko,mahasiswa,3673,,\n"  # 4: role
        "dewi,verifier,9999,,\n"  # 5: scope
        "eko,verifier,3673,bukan-surel,\n"  # 6: e-mail
        "fajar,verifier,3673,,30/06/2099\n"  # 7: date
        "gita,verifier,3673,,2001-01-01\n"  # 8: already passed
    )
    failed = cli("users", "import", str(bad), "--as", "admin", code=1)
    lines = [x for x in failed.output.splitlines() if x.startswith(f"{bad}:")]
    assert [int(x.split(":")[1]) for x in lines] == [3, 4, 5, 6, 7, 8]
    users = json.loads(cli("users", "list", "--json").stdout)
    assert [u["name"] for u in users] == ["admin"]  # nothing imported
    done = json.loads(cli("users", "import", str(sheet), "--as", "admin", "--json").stdout)
    assert (done["added"], done["written"]) == (2, True)
    again = json.loads(cli("users", "import", str(sheet), "--as", "admin", "--json").stdout)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 2)
    # siti acts until her term ends
    cli("audit", "list", "--as", "siti")
    cli("users", "update", "siti", "--valid-until", "2001-01-01", "--as", "admin")
    refused = cli("audit", "list", "--as", "siti", code=1)
    assert "user 'siti' expired at the end of 2001-01-01 24:00 WIB" in refused.output
    assert "--valid-until" in refused.output
    # an admin extends the account; users add takes --valid-until too
    cli("users", "update", "siti", "--valid-until", "never", "--as", "admin")
    cli("audit", "list", "--as", "siti")
    cli(
        "users",
        "add",
        "tono",
        "--role",
        "verifier",
        "--scope",
        "3673",
        "--valid-until",
        "2001-02-01",
        "--as",
        "admin",
    )
    assert "expired" in cli("audit", "list", "--as", "tono", code=1).output


def test_valid_until_is_the_whole_day_in_wib() -> None:
    end = parse_valid_until("2026-12-31")
    assert end == parse_valid_until("2027-01-01T00:00:00+07:00")
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        parse_valid_until("31/12/2026")


async def test_expired_users_are_refused_on_the_web_and_invites_work_once(
    tmp_path: Path,
) -> None:
    async with rig(tmp_path, web=WEB) as r:
        store = r.app.store
        http = create_http_app(r.engine)
        transport = httpx.ASGITransport(app=http)
        invites = Invites.for_data_dir(r.app.settings.service.data_dir)
        link = await create_invite(
            r.app.directory, invites, "http://127.0.0.1:8080", "admin", "serang_verifier"
        )
        path = link.split("127.0.0.1:8080", 1)[1]
        token = path.rsplit("/", 1)[1]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as web:
            page = await web.get(path)
            assert page.status_code == 200 and "serang_verifier" in page.text
            differ = await web.post(path, data={"password": "a" * 12, "password2": "b" * 12})
            assert differ.status_code == 422
            short = await web.post(path, data={"password": "pendek", "password2": "pendek"})
            assert short.status_code == 422 and "10 characters" in short.text
            done = await web.post(
                path, data={"password": "kata-sandi-baru-1", "password2": "kata-sandi-baru-1"}
            )
            assert done.status_code == 200 and "invite-done" in done.text
            used = await web.get(path)  # one time only
            assert used.status_code == 410 and "used already" in used.text
            login = await post_login(
                web,
                {"username": "serang_verifier", "password": "kata-sandi-baru-1"},
            )
            assert login.status_code == 303
            assert (await web.get("/announcements")).status_code == 200
            api_token, _ = await create_token(store, "admin", "serang_verifier", "test")
            headers = {"Authorization": f"Bearer {api_token}"}
            assert (await web.get("/api/v1/me", headers=headers)).status_code == 200

            # the account ends: its session, its token and a new login are all refused
            await store.set_user_valid_until(
                "serang_verifier",
                1_000_000_000.0,
                AuditRecord(actor="admin", action="x", object_type="user", object_id="s"),
            )
            bounced = await web.get("/announcements")
            assert bounced.status_code == 303 and "/login" in bounced.headers["location"]
            refused = await web.get("/api/v1/me", headers=headers)
            assert refused.status_code == 401
            assert "expired at the end of 2001-09-09" in refused.text
            again = await post_login(
                web,
                {"username": "serang_verifier", "password": "kata-sandi-baru-1"},
            )
            assert again.status_code == 403 and "login-error" in again.text
            assert re.search(r"2001-09-09", again.text)
        with pytest.raises(PermissionDenied, match="expired"):
            await ensure_current(store, await store.get_user("serang_verifier"))
        with pytest.raises(PermissionDenied, match="expired"):  # no invite for them either
            await create_invite(r.app.directory, invites, "http://x", "admin", "serang_verifier")
        # an invitation older than 72 hours is refused
        old = Invites(b"k", hours=-1)
        with pytest.raises(Expired, match="older than"):
            await check_invite(store, old, old.token("verifier", None))
        with pytest.raises(Expired):
            await accept_invite(store, invites, token, "kata-sandi-lain-12")
