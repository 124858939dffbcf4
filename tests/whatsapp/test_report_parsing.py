"""WhatsApp Cloud API hoax reports on raw webhook JSON: LAPOR <teks>, media captioned LAPOR,
forwarded messages accompanied by LAPOR (paired in memory), and messages that are no reports."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from adapters.whatsapp.reports import FORWARD_KEY, Pairing, lapor_rest, sha256_hex
from adapters.whatsapp.webhook import parse_events
from broadcaster.adapter import InboundEvent

SENDER = "6281299990001"
HOAX = "Besok pemadaman listrik total se-Banten 3 hari! Sebarkan!!"
CONTENT = b"fake jpeg bytes of a hoax picture"
B64 = base64.b64encode(hashlib.sha256(CONTENT).digest()).decode()


def events(*messages: dict[str, Any]) -> list[InboundEvent]:
    full = [{"from": SENDER, "timestamp": "1700000000", **m} for m in messages]
    value = {"messaging_product": "whatsapp", "messages": full}
    payload = {"entry": [{"changes": [{"field": "messages", "value": value}]}]}
    return list(parse_events("wa", payload))


def text(body: str, mid: str = "wamid.1", **extra: Any) -> dict[str, Any]:
    return {"id": mid, "type": "text", "text": {"body": body}, **extra}


def image(caption: str | None = None, mid: str = "wamid.2", **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": "1234567890", "mime_type": "image/jpeg", "sha256": B64}
    if caption is not None:
        item["caption"] = caption
    return {"id": mid, "type": "image", "image": item, **extra}


FORWARDED: dict[str, Any] = {"context": {"forwarded": True}}


def test_lapor_text_any_case_is_a_direct_report() -> None:
    for body in (f"LAPOR {HOAX}", f"lapor: {HOAX}", f"/Lapor {HOAX}", f"  Lapor\n{HOAX}"):
        (event,) = events(text(body))
        assert event.kind == "report", body
        assert event.address == SENDER and event.event_id == "wamid.1"
        assert event.data == {
            "user": SENDER,
            "text": HOAX,
            "media": None,
            "media_hash": None,
            "direct": True,
            "forwarded": False,
            "message_id": "wamid.1",
        }


def test_image_captioned_lapor_carries_media_id_and_hash() -> None:
    (event,) = events(image("LAPOR foto ini beredar di grup", **FORWARDED))
    assert event.kind == "report"
    assert event.data["media"] == "1234567890"
    assert event.data["media_hash"] == hashlib.sha256(CONTENT).hexdigest()
    assert event.data["text"] == "foto ini beredar di grup" and event.data["forwarded"] is True


def test_frequently_forwarded_lapor_text_is_marked_forwarded() -> None:
    (event,) = events(text(f"LAPOR {HOAX}", context={"frequently_forwarded": True}))
    assert event.kind == "report" and event.data["forwarded"] is True


def test_bare_lapor_is_a_howto_command() -> None:
    (event,) = events(text("LAPOR"))
    assert event.kind == "command" and event.data["command"] == "lapor"
    assert event.data["direct"] is True and event.data["plain"] is True


def test_words_that_are_no_report() -> None:
    assert lapor_rest("Laporan banjir sudah dikirim") is None
    assert lapor_rest("laporkan saja") is None
    assert lapor_rest("Saya mau lapor") is None
    (reply,) = events(text("Terima kasih infonya"))
    assert reply.kind == "reply" and FORWARD_KEY not in reply.data
    (daftar,) = events(text("DAFTAR Kel. Cipocok Jaya"))
    assert daftar.kind == "command" and daftar.data["command"] == "daftar"


def test_sha256_forms() -> None:
    digest = hashlib.sha256(CONTENT)
    assert sha256_hex(B64) == digest.hexdigest()
    assert sha256_hex(digest.hexdigest().upper()) == digest.hexdigest()
    assert sha256_hex("not base64!") is None and sha256_hex(None) is None


def test_forward_then_bare_lapor_reports_the_forward() -> None:
    pairing = Pairing()
    (forward,) = events(text(HOAX, mid="wamid.f", **FORWARDED))
    assert forward.kind == "reply" and forward.data[FORWARD_KEY]["text"] == HOAX
    seen = pairing.apply(forward, now=1000.0)
    assert seen.kind == "reply" and FORWARD_KEY not in seen.data  # the core sees a plain reply
    (lapor,) = events(text("LAPOR", mid="wamid.l"))
    report = pairing.apply(lapor, now=1060.0)
    assert report.kind == "report" and report.event_id == "wamid.l"
    assert report.data["text"] == HOAX and report.data["forwarded"] is True
    assert report.data["message_id"] == "wamid.f"
    # the pair is used up: another bare LAPOR is a how-to again
    assert pairing.apply(lapor, now=1061.0).kind == "command"


def test_bare_lapor_then_forwarded_media_reports_the_media() -> None:
    pairing = Pairing()
    (lapor,) = events(text("lapor", mid="wamid.l"))
    assert pairing.apply(lapor, now=1000.0).kind == "command"  # the how-to goes out
    (forward,) = events(image(mid="wamid.f", **FORWARDED))
    assert forward.kind == "opened"
    report = pairing.apply(forward, now=1100.0)
    assert report.kind == "report" and report.data["media"] == "1234567890"
    assert report.data["media_hash"] == hashlib.sha256(CONTENT).hexdigest()


def test_pairs_expire_and_belong_to_one_resident() -> None:
    pairing = Pairing(window=600)
    (forward,) = events(text(HOAX, mid="wamid.f", **FORWARDED))
    pairing.apply(forward, now=1000.0)
    (lapor,) = events(text("LAPOR", mid="wamid.l"))
    assert pairing.apply(lapor, now=1601.0).kind == "command"  # too late
    pairing.apply(forward, now=2000.0)
    other = InboundEvent("command", "wa", "wamid.o", "6281299990002", lapor.data)
    assert pairing.apply(other, now=2001.0).kind == "command"  # someone else's LAPOR
    # an unforwarded message never waits for a LAPOR
    (plain,) = events(text(HOAX, mid="wamid.p"))
    assert FORWARD_KEY not in plain.data
