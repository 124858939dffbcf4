"""WAHA group hoax reports on WAHA's ``message`` JSON: /lapor or LAPOR quoting a message
(``replyTo``), with and without media; bare LAPOR asks for the how-to; conversation stays."""

from __future__ import annotations

import hashlib
from typing import Any

from adapters.waha.reports import MEDIA_URL_KEY, with_media_hash
from adapters.waha.webhook import parse_events
from broadcaster.adapter import InboundEvent

GROUP = "120363012345678901@g.us"
MEMBER = "6281234567890@c.us"
HOAX = "Besok pemadaman listrik total se-Banten 3 hari! Sebarkan!!"


def message(body: str, **extra: Any) -> list[InboundEvent]:
    payload = {
        "id": "false_x_ABC",
        "timestamp": 1_700_000_000,
        "from": GROUP,
        "fromMe": False,
        "participant": MEMBER,
        "body": body,
        "hasMedia": False,
        **extra,
    }
    return list(parse_events("gw", {"event": "message", "payload": payload}))


def quote(body: str = HOAX, **extra: Any) -> dict[str, Any]:
    return {"id": "false_x_QUOTED", "participant": "6289999@c.us", "body": body, **extra}


def test_lapor_quoting_a_message_reports_the_quoted_text() -> None:
    for word in ("LAPOR", "/lapor", "Lapor!", "lapor ini hoaks ya?"):
        (event,) = message(word, replyTo=quote())
        assert event.kind == "report", word
        assert event.address == GROUP and event.event_id == "false_x_ABC"
        assert event.data == {
            "user": MEMBER,
            "text": HOAX,
            "media": None,
            "media_hash": None,
            "direct": False,
            "forwarded": False,
            "message_id": "false_x_QUOTED",
        }


def test_quoted_media_carries_its_url_until_hashed() -> None:
    media = {"url": "http://127.0.0.1:3000/api/files/default/q.jpeg", "mimetype": "image/jpeg"}
    (event,) = message("LAPOR", replyTo=quote(body="", hasMedia=True, media=media))
    assert event.kind == "report" and event.data["media"] == "waha:false_x_QUOTED"
    assert event.data[MEDIA_URL_KEY] == media["url"]


async def test_with_media_hash_hashes_the_gateway_file_and_hides_the_url() -> None:
    content = b"the hoax picture"
    asked: list[str] = []

    async def fetch(path: str, limit: int) -> bytes | None:
        asked.append(path)
        return content

    media = {"url": "http://127.0.0.1:3000/api/files/default/q.jpeg", "mimetype": "image/jpeg"}
    (event,) = message("/lapor", replyTo=quote(hasMedia=True, media=media))
    hashed = await with_media_hash(event, fetch)
    digest = hashlib.sha256(content).hexdigest()
    assert hashed.data["media"] == f"sha256:{digest}" and hashed.data["media_hash"] == digest
    assert MEDIA_URL_KEY not in hashed.data and asked == ["/api/files/default/q.jpeg"]

    async def refuse(path: str, limit: int) -> bytes | None:
        return None

    kept = await with_media_hash(event, refuse)
    assert kept.data["media"] == "waha:false_x_QUOTED" and kept.data["media_hash"] is None
    # a URL outside the gateway's API is never fetched
    odd = {"url": "http://evil.example/steal", "mimetype": "image/jpeg"}
    (other,) = message("/lapor", replyTo=quote(hasMedia=True, media=odd))
    asked.clear()
    assert (await with_media_hash(other, fetch)).data["media_hash"] is None and asked == []


def test_slash_lapor_with_text_and_no_quote_reports_the_text() -> None:
    (event,) = message(f"/lapor {HOAX}")
    assert event.kind == "report" and event.data["text"] == HOAX
    assert event.data["message_id"] == "false_x_ABC"


def test_bare_lapor_without_quote_asks_for_the_howto() -> None:
    for word in ("LAPOR", "/lapor", "lapor."):
        (event,) = message(word)
        assert event.kind == "command" and event.data["command"] == "lapor", word
        assert event.data["plain"] is True and event.data["direct"] is False


def test_conversation_stays_a_reply() -> None:
    for body in ("Lapor pak RT, jalan rusak di gang 3", "Laporan kegiatan posyandu", "2"):
        (event,) = message(body)
        assert event.kind == "reply" and event.data["text"] == body
    # a quote without LAPOR is an ordinary reply too
    (event,) = message("setuju", replyTo=quote())
    assert event.kind == "reply"
