"""``broadcaster sandbox whatsapp|waha|mail``: the CLI driving the Cloud API and WAHA emulators
over their admin HTTP APIs, and reading the mail a sandbox SMTP server caught.

Each emulator runs in the test's event loop with a real webhook receiver on 127.0.0.1; each CLI
call runs in a worker thread (the CLI is synchronous), so the emulator keeps answering."""

from __future__ import annotations

import asyncio
import json
import smtplib
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from typer.testing import CliRunner, Result

from adapters.sandbox.cli import app
from adapters.sandbox.email import SmtpSandbox
from adapters.sandbox.waha import WahaSandbox
from adapters.sandbox.whatsapp import CloudSandbox
from broadcaster.cli.main import app as broadcaster_app
from tests.whatsapp.conftest import wait_until

NUMBER = "6281234567890"


class Receiver:
    """A real HTTP endpoint collecting the webhooks an emulator posts."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        async def hook(request: web.Request) -> web.Response:
            self.bodies.append(await request.json())
            return web.Response(text="ok")

        application = web.Application()
        application.router.add_post("/hook", hook)
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int) -> list[dict[str, Any]]:
        async def enough() -> bool:
            return len(self.bodies) >= count

        await wait_until(enough)
        return self.bodies


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


@pytest.fixture
async def cloud(receiver: Receiver) -> AsyncIterator[CloudSandbox]:
    sb = CloudSandbox()
    await sb.start()
    sb.state.webhook_url = receiver.url
    sb.state.statuses = False  # only the webhooks the commands cause
    yield sb
    await sb.stop()


@pytest.fixture
async def waha(receiver: Receiver) -> AsyncIterator[WahaSandbox]:
    sb = WahaSandbox()
    await sb.start()
    sb.webhook_url = receiver.url
    yield sb
    await sb.stop()


async def cli(*args: str, code: int = 0) -> Result:
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    assert result.exit_code == code, result.output
    return result


async def send(sb: CloudSandbox, body: dict[str, Any]) -> httpx.Response:
    """A send as the adapter makes it (Graph API path, bearer token)."""
    state = sb.state
    async with httpx.AsyncClient() as client:
        return await client.post(
            f"{sb.url}/v23.0/{state.phone_number_id}/messages",
            json={"messaging_product": "whatsapp", "to": NUMBER, **body},
            headers={"Authorization": f"Bearer {state.access_token}"},
        )


BUTTONS = {
    "type": "interactive",
    "interactive": {
        "type": "button",
        "body": {"text": "Tergenang?"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "opt:0", "title": "Ya"}},
                {"type": "reply", "reply": {"id": "opt:1", "title": "Tidak"}},
            ]
        },
    },
}
LIST = {
    "type": "interactive",
    "interactive": {
        "type": "list",
        "body": {"text": "Kebutuhan?"},
        "action": {
            "button": "Pilih",
            "sections": [{"rows": [{"id": f"opt:{i}", "title": t} for i, t in enumerate("ABCD")]}],
        },
    },
}


async def test_cloud_residents_write_press_and_pick(
    cloud: CloudSandbox, receiver: Receiver
) -> None:
    wa = ("whatsapp", "--url", cloud.url)
    added = json.loads(
        (await cli(*wa, "--json", "add-resident", "Bu Siti", "--number", "+" + NUMBER)).stdout
    )
    assert added["wa_id"] == NUMBER and cloud.state.residents[NUMBER].name == "Bu Siti"
    listed = (await cli(*wa, "residents")).stdout
    assert f"{NUMBER}\tBu Siti\treachable\twindow closed" in listed
    assert (await send(cloud, {"type": "text", "text": {"body": "halo"}})).json()["error"][
        "code"
    ] == 131047  # the window is closed: free-form refused

    await cli(*wa, "write", NUMBER, "DAFTAR")
    assert "window open" in (await cli(*wa, "residents")).stdout
    (inbound,) = await receiver.wait_for(1)
    message = inbound["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["from"] == NUMBER and message["text"] == {"body": "DAFTAR"}

    buttons_id = (await send(cloud, BUTTONS)).json()["messages"][0]["id"]
    pressed = await cli(*wa, "press", NUMBER, "tidak")
    assert pressed.stdout.strip() == f"{NUMBER} chose 'Tidak' (opt:1) on {buttons_id}"
    list_id = (await send(cloud, LIST)).json()["messages"][0]["id"]
    await cli(*wa, "press", NUMBER, "3")  # the third row, by number
    await cli(*wa, "press", NUMBER, "1", "--message", buttons_id)  # an older poll
    bodies = await receiver.wait_for(4)
    replies = [b["entry"][0]["changes"][0]["value"]["messages"][0] for b in bodies[1:]]
    assert [r["context"]["id"] for r in replies] == [buttons_id, list_id, buttons_id]
    assert replies[0]["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "opt:1", "title": "Tidak"},
    }
    assert replies[1]["interactive"]["list_reply"] == {"id": "opt:2", "title": "C"}
    assert replies[2]["interactive"]["button_reply"]["title"] == "Ya"

    wrong = await cli(*wa, "press", NUMBER, "Mungkin", code=1)
    assert "no choice 'Mungkin'; the choices are A, B, C, D" in wrong.output
    nobody = await cli(*wa, "press", "6289999999999", "Ya", code=1)
    assert "no buttons or list sent to 6289999999999" in nobody.output
    shown = (await cli(*wa, "messages", "--to", NUMBER)).stdout.splitlines()
    assert [line.split("\t")[2] for line in shown] == ["interactive", "interactive"]
    assert shown[0].endswith("Tergenang? [Ya | Tidak]")


async def test_cloud_faults_and_configuration(cloud: CloudSandbox) -> None:
    wa = ("whatsapp", "--url", cloud.url)
    await cli(*wa, "write", NUMBER, "halo")  # window open: free-form allowed
    text = {"type": "text", "text": {"body": "Peringatan"}}
    spam = await cli(*wa, "fault", "131048", "--times", "2", "--to", NUMBER)
    assert (
        spam.stdout.strip()
        == f"the next 2 sends to {NUMBER} fail with 131048 (Spam rate limit hit)"
    )
    for _ in range(2):
        refused = await send(cloud, text)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == 131048
    assert (await send(cloud, text)).status_code == 200
    for code in ("130429", "368", "131057", "80007"):
        await cli(*wa, "fault", code)
        error = (await send(cloud, text)).json()["error"]
        assert error["code"] == int(code) and error["message"].startswith(f"(#{code})")
    stats = json.loads((await cli(*wa, "--json", "status")).stdout)
    assert stats["errors"] == {"131048": 2, "130429": 1, "368": 1, "131057": 1, "80007": 1}
    assert "errors 130429×1, 131048×2" in (await cli(*wa, "status")).stdout

    await cli(*wa, "configure", "--rate", "5", "--pair-burst", "3", "--expire-token")
    assert cloud.state.limits.per_second == 5 and cloud.state.limits.pair_burst == 3
    expired = await send(cloud, text)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == 190
    await cli(*wa, "configure", "--renew-token")
    assert (await send(cloud, text)).status_code == 200
    await cli(*wa, "template", "info_banjir", "--params", "1")
    assert cloud.state.templates[("info_banjir", "id")] == 1
    await cli(*wa, "configure", code=1)  # nothing to change


async def test_cloud_admin_refusals_and_an_absent_emulator(cloud: CloudSandbox) -> None:
    async with httpx.AsyncClient() as client:
        bad = await client.post(f"{cloud.url}/_sandbox/inbound", json={"text": "x"})
    assert bad.status_code == 400 and bad.json() == {"error": "missing field 'from'"}
    absent = await cli("whatsapp", "--url", "http://127.0.0.1:9", "status", code=1)
    assert "no sandbox answers at http://127.0.0.1:9" in absent.output
    assert "python -m adapters.sandbox.whatsapp" in absent.output


async def test_waha_groups_votes_session_drop_and_faults(
    waha: WahaSandbox, receiver: Receiver
) -> None:
    gw = ("waha", "--url", waha.url)
    created = json.loads(
        (await cli(*gw, "--json", "create-group", "RT 01 Tajur", "--members", "3")).stdout
    )
    chat, members = created["id"], created["members"][1:]
    assert waha.groups[chat].name == "RT 01 Tajur" and len(members) == 3
    assert f"{chat}\t4 members\tRT 01 Tajur" in (await cli(*gw, "groups")).stdout
    async with httpx.AsyncClient(base_url=waha.url) as client:
        poll = {"name": "Tergenang?", "options": ["Ya", "Tidak"], "multipleAnswers": False}
        sent = await client.post(
            "/api/sendPoll", json={"session": "default", "chatId": chat, "poll": poll}
        )
        poll_id = sent.json()["id"]
        base = len(await receiver.wait_for(2))  # the poll's two acks

        voted = await cli(*gw, "vote", chat, members[0], "2")
        assert voted.stdout.strip() == f"{members[0]} voted Tidak in poll {poll_id}"
        await cli(*gw, "vote", chat, members[0], "ya")  # changes the vote
        await cli(*gw, "write", chat, "2", "--from", members[1])
        events = (await receiver.wait_for(base + 3))[base:]
        assert [e["event"] for e in events] == ["poll.vote", "poll.vote", "message"]
        assert [e["payload"]["vote"]["selectedOptions"] for e in events[:2]] == [["Tidak"], ["Ya"]]
        assert events[0]["payload"]["poll"]["id"] == poll_id
        assert events[2]["payload"]["participant"] == members[1]
        assert events[2]["payload"]["body"] == "2"
        wrong = await cli(*gw, "vote", chat, members[0], "Mungkin", code=1)
        assert "no option 'Mungkin'; the options are Ya, Tidak" in wrong.output

        dropped = await cli(*gw, "session", "failed")
        assert dropped.stdout.strip() == "session FAILED" and waha.status == "FAILED"
        text = {"session": "default", "chatId": chat, "text": "halo"}
        assert (await client.post("/api/sendText", json=text)).status_code == 422
        await cli(*gw, "session", "WORKING")
        events = await receiver.wait_for(base + 5)
        assert [e["payload"]["status"] for e in events[base + 3 :]] == ["FAILED", "WORKING"]
        await cli(*gw, "session", "asleep", code=1)

        await cli(*gw, "fault", "463")
        capped = await client.post("/api/sendText", json=text)
        assert capped.status_code == 500 and "server returned error 463" in capped.json()["message"]
        assert (await client.post("/api/sendText", json=text)).status_code == 200
    status = (await cli(*gw, "status")).stdout
    assert "session WORKING; 2 messages sent; errors 463×1" in status
    shown = (await cli(*gw, "messages", "--chat", chat)).stdout.splitlines()
    assert shown[0].endswith("poll 'Tergenang?': Ya | Tidak") and shown[1].endswith("halo")
    unknown = await cli(*gw, "write", "120363000000000000@g.us", "halo", code=1)
    assert "(404): no group 120363000000000000@g.us" in unknown.output


async def test_mounted_under_broadcaster_sandbox(cloud: CloudSandbox, waha: WahaSandbox) -> None:
    for args, expected in (
        (["sandbox", "whatsapp", "--url", cloud.url, "status"], f"whatsapp sandbox {cloud.url}"),
        (["sandbox", "--json", "waha", "--url", waha.url, "status"], '"status": "WORKING"'),
    ):
        result = await asyncio.to_thread(CliRunner().invoke, broadcaster_app, args)
        assert result.exit_code == 0, result.output
        assert expected in result.stdout


def test_mail_caught_by_the_smtp_sandbox(tmp_path: Path) -> None:
    folder = tmp_path / "email"
    server = SmtpSandbox(folder=folder / "email_kominfo")
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", server.port) as smtp:
            for to, subject in (
                ("rt01@warga.test", "Peringatan banjir"),
                ("rt02@warga.test", "[DARURAT] Evakuasi"),
            ):
                mail = EmailMessage()
                mail["From"], mail["To"], mail["Subject"] = "info@kominfo.test", to, subject
                mail.set_content(
                    "Mohon waspada.\nYa: http://127.0.0.1:8080/hooks/mail/vote/abc.def\n"
                )
                smtp.send_message(mail)
    finally:
        server.stop()
    runner = CliRunner()
    listed = runner.invoke(app, ["mail", "--dir", str(folder), "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        "1\trt01@warga.test\tPeringatan banjir",
        "2\trt02@warga.test\t[DARURAT] Evakuasi",
    ]
    only = runner.invoke(
        app, ["mail", "--dir", str(folder), "list", "--to", "RT02@warga.test", "--json"]
    )
    assert [row["subject"] for row in json.loads(only.stdout)] == ["[DARURAT] Evakuasi"]
    shown = runner.invoke(app, ["mail", "--dir", str(folder), "show", "2"])
    assert shown.exit_code == 0, shown.output
    assert "To: rt02@warga.test\nSubject: [DARURAT] Evakuasi" in shown.stdout
    assert "Mohon waspada." in shown.stdout
    as_json = json.loads(
        runner.invoke(app, ["mail", "--dir", str(folder), "show", "1", "--json"]).stdout
    )
    assert as_json["links"] == ["http://127.0.0.1:8080/hooks/mail/vote/abc.def"]
    missing = runner.invoke(app, ["mail", "--dir", str(folder), "show", "3"])
    assert missing.exit_code == 1 and "no message 3; there are 2" in missing.output
    nowhere = runner.invoke(app, ["mail", "--dir", str(tmp_path / "none"), "list"])
    assert nowhere.exit_code == 1 and "no mail folder" in nowhere.output
