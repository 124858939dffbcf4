"""The Cloud API webhook: GET verification, and POST signatures checked over the raw body
before anything is parsed (valid, missing, wrong, one byte altered)."""

from __future__ import annotations

import json

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from adapters.sandbox.whatsapp import sign
from adapters.whatsapp import WhatsAppAdapter
from broadcaster.adapter import InboundEvent

from .conftest import AdapterFactory


async def client_for(wa: WhatsAppAdapter, seen: list[InboundEvent]) -> httpx.AsyncClient:
    async def sink(event: InboundEvent) -> None:
        seen.append(event)

    app = Starlette(routes=[Mount("/hooks/wa", routes=wa.http_routes(sink))])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def inbound_body(wa: WhatsAppAdapter) -> bytes:
    message = {
        "from": "6281234567890",
        "id": "wamid.IN1",
        "timestamp": "1700000000",
        "type": "text",
        "text": {"body": "Terima kasih, Pak RT — air sudah surut 🙏"},
    }
    return json.dumps(wa.sandbox.envelope({"messages": [message]}), ensure_ascii=False).encode()


async def test_get_verification(make_adapter: AdapterFactory) -> None:
    wa = await make_adapter()
    seen: list[InboundEvent] = []
    async with await client_for(wa, seen) as client:
        ok = await client.get(
            "/hooks/wa/whatsapp",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": wa.verify_token,
                "hub.challenge": "1158201444",
            },
        )
        assert ok.status_code == 200 and ok.text == "1158201444"
        bad = await client.get(
            "/hooks/wa/whatsapp",
            params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"},
        )
        assert bad.status_code == 403


async def test_post_signatures(make_adapter: AdapterFactory) -> None:
    wa = await make_adapter()
    secret = wa.sandbox.state.app_secret
    body = inbound_body(wa)
    seen: list[InboundEvent] = []
    url = "/hooks/wa/whatsapp"
    async with await client_for(wa, seen) as client:
        missing = await client.post(url, content=body)
        assert missing.status_code == 401
        wrong = await client.post(
            url, content=body, headers={"X-Hub-Signature-256": sign("not-the-secret", body)}
        )
        assert wrong.status_code == 403
        altered = bytearray(body)
        altered[body.index(b"surut")] ^= 0x01  # one byte of the text changed
        tampered = await client.post(
            url, content=bytes(altered), headers={"X-Hub-Signature-256": sign(secret, body)}
        )
        assert tampered.status_code == 403
        garbage = await client.post(
            url, content=b"{not json", headers={"X-Hub-Signature-256": sign(secret, b"x")}
        )
        assert garbage.status_code == 403  # signature first: even garbage is refused unparsed
        assert seen == []
        valid = await client.post(
            url, content=body, headers={"X-Hub-Signature-256": sign(secret, body)}
        )
        assert valid.status_code == 200
    assert [(e.kind, e.address, e.data["text"]) for e in seen] == [
        ("reply", "6281234567890", "Terima kasih, Pak RT — air sudah surut 🙏")
    ]


async def test_statuses_and_interactive_replies_become_events(make_adapter: AdapterFactory) -> None:
    wa = await make_adapter()
    secret = wa.sandbox.state.app_secret
    value = {
        "messages": [
            {
                "from": "6281200000001",
                "id": "wamid.B1",
                "timestamp": "1700000001",
                "context": {"from": "6281100000000", "id": "wamid.POLL"},
                "type": "interactive",
                "interactive": {
                    "type": "list_reply",
                    "list_reply": {"id": "opt:2", "title": "Ragu"},
                },
            }
        ],
        "statuses": [
            {"id": "wamid.M1", "status": "read", "timestamp": "1700000002", "recipient_id": "1"},
            {
                "id": "wamid.M2",
                "status": "failed",
                "timestamp": "1700000003",
                "recipient_id": "6281200000009",
                "errors": [{"code": 131026, "title": "Message undeliverable"}],
            },
        ],
    }
    body = json.dumps(wa.sandbox.envelope(value)).encode()
    seen: list[InboundEvent] = []
    async with await client_for(wa, seen) as client:
        answer = await client.post(
            "/hooks/wa/whatsapp", content=body, headers={"X-Hub-Signature-256": sign(secret, body)}
        )
    assert answer.status_code == 200
    kinds = [(e.kind, e.event_id) for e in seen]
    assert kinds == [
        ("vote", "wamid.B1"),
        ("status", "wamid.M1:read"),
        ("status", "wamid.M2:failed"),
        ("left", "wamid.M2:gone"),
    ]
    assert seen[0].data == {"poll_id": "wamid.POLL", "user": "6281200000001", "options": [2]}
    assert "131026" in str(seen[2].data["error"])
