"""Cloud API adapter against the real emulator: rendering, the 24-hour window and templates,
and every error code's path through the one mapping."""

from __future__ import annotations

import time

import pytest

from adapters.sandbox.whatsapp import Fault
from adapters.whatsapp import WhatsAppAdapter
from adapters.whatsapp.render import render_messages, split_text
from broadcaster.adapter import ChannelMessage, RenderContext
from broadcaster.errors import (
    AccountBlocked,
    InputError,
    PermanentError,
    RateLimited,
    RecipientGone,
    RecipientThrottled,
)
from broadcaster.store.contract import Store
from content.model import Announcement, Poll, Target, Variant

from .conftest import AdapterFactory

CTX = RenderContext(1, "AB12CD", "http://127.0.0.1:8080/v/AB12CD")


def announcement(
    options: list[str] | None = None, body: str = "Mohon **waspada**."
) -> Announcement:
    return Announcement(
        variants={"id": Variant(title="Peringatan Banjir", body=body)},
        poll=Poll(question="Tergenang?", options=options) if options else None,
        source="BPBD Banten",
        target=Target(regions=["36"]),
    )


async def opted_in(adapter: WhatsAppAdapter, db: Store | None = None) -> str:
    """A resident who wrote just now (their window is open, on both sides)."""
    resident = adapter.sandbox.state.new_resident("Bu Siti")
    adapter.sandbox.inbound(resident.wa_id, text="DAFTAR")
    if db is not None:
        await db.touch_window("wa", resident.wa_id, time.time())
    return resident.wa_id


def sent(adapter: WhatsAppAdapter, to: str) -> list[dict[str, object]]:
    return [m.payload for m in adapter.sandbox.state.accepted if m.to == to]


def test_address_normalisation() -> None:
    assert WhatsAppAdapter.normalize_address("+62 812-3456-7890") == "6281234567890"
    assert WhatsAppAdapter.normalize_address("081234567890") == "6281234567890"
    with pytest.raises(InputError):
        WhatsAppAdapter.normalize_address("-1001234")
    with pytest.raises(InputError):
        WhatsAppAdapter.normalize_address("62812abc")


def test_render_poll_shapes() -> None:

    three = render_messages(announcement(["Ya", "Tidak", "Ragu"]), "id", CTX, audience="residents")
    assert [m.kind for m in three] == ["text", "buttons"]
    assert "*Peringatan Banjir*" in three[0].payload["body"]
    assert "*waspada*" in three[0].payload["body"]
    five = render_messages(
        announcement([f"Pilihan {i}" for i in range(5)]), "id", CTX, audience="residents"
    )
    assert five[-1].kind == "list"
    long = render_messages(
        announcement([f"Pilihan yang panjang sekali nomor {i}" for i in range(11)]),
        "id",
        CTX,
        audience="admins",
    )
    assert long[-1].kind == "text" and long[-1].payload["poll"] is True
    assert "Balas dengan angka pilihan Anda: 1 / 2 / 3" in long[-1].payload["body"]
    assert "teruskan" in long[0].payload["body"]  # the admin relay note


def test_split_keeps_every_part_under_the_limit() -> None:
    text = "\n\n".join(("kata " * 300).strip() for _ in range(8))
    parts = split_text(text, 4096)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


async def test_inside_window_free_form_then_buttons(
    make_adapter: AdapterFactory, db: Store
) -> None:
    wa = await make_adapter(state=db, template="pengumuman_resmi")
    to = await opted_in(wa, db)
    messages = wa.render(announcement(["Ya", "Tidak"]), "id", CTX)
    results = [await wa.send(m, to) for m in messages]
    kinds = [p["type"] for p in sent(wa, to)]
    assert kinds == ["text", "interactive"]
    assert results[0].poll_id is None and results[1].poll_id == results[1].message_id


async def test_outside_window_sends_the_template_once(
    make_adapter: AdapterFactory, db: Store
) -> None:
    wa = await make_adapter(state=db, template="pengumuman_resmi")
    to = wa.sandbox.state.new_resident("Pak Budi").wa_id  # never wrote
    messages = wa.render(announcement(["Ya", "Tidak"]), "id", CTX)
    results = [await wa.send(m, to) for m in messages]
    payloads = sent(wa, to)
    assert [p["type"] for p in payloads] == ["template"]
    params = payloads[0]["template"]["components"][0]["parameters"]  # type: ignore[index]
    assert params[0]["text"] == "Peringatan Banjir"
    assert (
        "Balas dengan angka pilihan Anda: 1 / 2" in params[1]["text"]
    )  # the poll as text: a number reply votes
    assert results[0].poll_id == results[0].message_id
    assert "template" in (results[0].note or "")
    assert results[1].message_id == "" and "not sent" in (results[1].note or "")


async def test_outside_window_without_template_fails_with_reason(
    make_adapter: AdapterFactory,
) -> None:
    wa = await make_adapter()
    to = wa.sandbox.state.new_resident("Pak Budi").wa_id
    with pytest.raises(PermanentError, match="no template configured"):
        await wa.send(wa.render(announcement(), "id", CTX)[0], to)


async def test_131047_resends_as_template(make_adapter: AdapterFactory, db: Store) -> None:
    wa = await make_adapter(state=db, template="pengumuman_resmi")
    to = wa.sandbox.state.new_resident("Bu Ani").wa_id
    await db.touch_window("wa", to, time.time())  # we believe the window is open; Meta not
    result = await wa.send(wa.render(announcement(), "id", CTX)[0], to)
    assert [p["type"] for p in sent(wa, to)] == ["template"]
    assert wa.sandbox.state.errors[131047] == 1
    assert "template" in (result.note or "")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (130429, RateLimited),
        (131026, RecipientGone),
        (131048, AccountBlocked),
        (368, AccountBlocked),
        (190, AccountBlocked),
        (100, PermanentError),
        (131009, PermanentError),
    ],
)
async def test_error_codes_map_once(
    make_adapter: AdapterFactory, db: Store, code: int, error: type[Exception]
) -> None:
    wa = await make_adapter(state=db, spam_pause=120)
    to = await opted_in(wa, db)
    wa.sandbox.state.faults.append(Fault(code))
    with pytest.raises(error) as caught:
        await wa.send(ChannelMessage("text", {"body": "halo"}), to)
    assert getattr(caught.value, "provider_code", None) == str(code)
    if code == 131048:
        assert isinstance(caught.value, AccountBlocked) and caught.value.pause == 120
    if code in (368, 190):
        assert isinstance(caught.value, AccountBlocked) and caught.value.pause is None
    if code == 130429:
        assert isinstance(caught.value, RateLimited) and caught.value.retry_after == 1.0


async def test_pair_rate_backs_off_4_to_the_n(make_adapter: AdapterFactory, db: Store) -> None:
    wa = await make_adapter(state=db)
    to = await opted_in(wa, db)
    limits = wa.sandbox.state.limits
    limits.pair_burst, limits.pair_interval = 1, 60.0
    await wa.send(ChannelMessage("text", {"body": "satu"}), to)
    waits = []
    for _ in range(3):
        with pytest.raises(RecipientThrottled) as caught:
            await wa.send(ChannelMessage("text", {"body": "lagi"}), to)
        waits.append(caught.value.retry_after)
    assert waits == [1.0, 4.0, 16.0]


async def test_throughput_limit_answers_130429(make_adapter: AdapterFactory, db: Store) -> None:
    wa = await make_adapter(state=db, template="pengumuman_resmi")
    wa.sandbox.state.limits.per_second = 5
    residents = [wa.sandbox.state.new_resident(f"W{i}").wa_id for i in range(8)]
    message = wa.render(announcement(), "id", CTX)[0]
    outcomes = []
    for to in residents:
        try:
            await wa.send(message, to)
            outcomes.append("ok")
        except RateLimited:
            outcomes.append("429")
    assert outcomes.count("ok") == 5 and outcomes.count("429") == 3
    assert wa.sandbox.state.errors[130429] == 3
