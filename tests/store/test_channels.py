"""ChannelStore contract: messaging windows, receipts (also those that arrive before their
message id is known) joined to real deliveries by ``record_sent_messages``, and the latest poll
per group. Runs once per store engine. (tests/whatsapp and tests/waha cover the same end to end,
through the engine.)"""

from __future__ import annotations

import time

import pytest

from broadcaster.store.contract import Store
from broadcaster.store.records import ClaimedDelivery, DeliveryStatus, Group, Outcome, PollRef
from tests.store.support import (
    KAMANISAN_RT1,
    TAJUR_RT1,
    TAJUR_RT2,
    add_groups,
    group,
    new_dispatch,
    plan_all,
)


@pytest.fixture
async def wa_groups(seeded: Store) -> list[Group]:
    """Three whatsapp groups on account wa and one telegram group on tg."""
    return await add_groups(
        seeded,
        [
            group(TAJUR_RT1, "6281", channel="whatsapp", account="wa"),
            group(TAJUR_RT2, "6282", channel="whatsapp", account="wa"),
            group(KAMANISAN_RT1, "6283", channel="whatsapp", account="wa"),
            group(TAJUR_RT1, "-100", account="tg"),
        ],
    )


async def claimed(store: Store, account: str = "wa") -> tuple[int, list[ClaimedDelivery]]:
    """A new dispatch to all of Banten, planned; (its id, the account's claimed deliveries)."""
    d = await new_dispatch(store, {"regions": ["36"]})
    await plan_all(store, d.id, 1000)
    return d.id, await store.claim_deliveries(account, 100, time.time() + 1)


async def test_window_never_moves_backwards(store: Store) -> None:
    assert await store.last_inbound("wa", "6281") is None
    await store.touch_window("wa", "6281", 1000.0)
    await store.touch_window("wa", "6281", 900.0)  # a late redelivery of an older message
    assert await store.last_inbound("wa", "6281") == 1000.0
    await store.touch_window("wa", "6281", 2000.0)
    assert await store.last_inbound("wa", "6281") == 2000.0
    assert await store.last_inbound("other", "6281") is None


async def test_receipt_before_the_message_id_is_kept(store: Store) -> None:
    assert await store.apply_receipt("wa", "wamid.A", "delivered", 10.0) is None
    assert await store.receipt_status("wa", "wamid.A") == "delivered"
    await store.apply_receipt("wa", "wamid.A", "sent", 11.0)  # out of order: ignored
    assert await store.receipt_status("wa", "wamid.A") == "delivered"
    await store.apply_receipt("wa", "wamid.A", "read", 12.0)
    assert await store.receipt_status("wa", "wamid.A") == "read"
    assert await store.receipt_status("wa", "wamid.unknown") is None
    with pytest.raises(ValueError):
        await store.apply_receipt("wa", "wamid.A", "bounced", 13.0)


async def whatsapp_progress(store: Store, dispatch: int) -> dict[str, int]:
    return (await store.dispatch_progress(dispatch, by_channel=True)).by_channel["whatsapp"]


@pytest.mark.usefixtures("wa_groups")
async def test_receipts_join_real_deliveries(seeded: Store) -> None:
    dispatch, (a, b, c) = await claimed(seeded)
    # the failed receipt for c overtakes the write of its message id (webhooks are fast)
    assert (
        await seeded.apply_receipt("wa", "wamid.c", "failed", 5.0, "131026 undeliverable") is None
    )
    ids = {a.id: ("wamid.a",), b.id: ("wamid.b1", "wamid.b2"), c.id: ("wamid.c",)}  # b: two parts
    await seeded.record_outcomes(
        [
            Outcome(
                id=d.id,
                status=DeliveryStatus.sent,
                attempts=1,
                parts_done=2 if d is b else 1,
                provider_ids=ids[d.id],
            )
            for d in (a, b, c)
        ]
    )
    rows = [(mid, d) for d, joined in ids.items() for mid in joined]
    await seeded.record_sent_messages("wa", rows)
    assert await whatsapp_progress(seeded, dispatch) == {"sent": 2, "failed": 1}
    await seeded.record_sent_messages("wa", rows)  # idempotent
    await seeded.record_sent_messages("wa", [])
    assert await whatsapp_progress(seeded, dispatch) == {"sent": 2, "failed": 1}

    assert await seeded.apply_receipt("wa", "wamid.a", "delivered", 10.0) == a.id
    assert await seeded.apply_receipt("wa", "wamid.a", "read", 11.0) == a.id
    for part in ("wamid.b1", "wamid.b2"):
        assert await seeded.apply_receipt("wa", part, "delivered", 10.0) == b.id
    assert await seeded.receipt_counts(dispatch) == {"read": 1, "delivered": 2, "failed": 1}
    assert await seeded.receipt_status("wa", "wamid.c") == "failed"

    # the same provider id on another account is another message
    assert await seeded.apply_receipt("wa2", "wamid.a", "failed", 12.0) is None
    assert await seeded.receipt_status("wa", "wamid.a") == "read"
    # a late failure of one part fails the whole delivery
    assert await seeded.apply_receipt("wa", "wamid.b2", "failed", 13.0, "131047") == b.id
    assert await whatsapp_progress(seeded, dispatch) == {"sent": 1, "failed": 2}
    assert await seeded.receipt_counts(dispatch) == {"read": 1, "delivered": 1, "failed": 2}
    other, _ = await claimed(seeded, "tg")
    assert await seeded.receipt_counts(other) == {}


async def test_latest_poll_per_group_follows_the_newest_dispatch(
    seeded: Store, wa_groups: list[Group]
) -> None:
    w1, w2, _, t1 = wa_groups
    assert await seeded.latest_poll("wa", w1.id) is None
    first, deliveries = await claimed(seeded)
    polls = [
        PollRef(
            account="wa",
            poll_id=f"poll-{d.group_id}-1",
            announcement_id=d.announcement_id,
            dispatch_id=d.dispatch_id,
            group_id=d.group_id,
        )
        for d in deliveries
        if d.group_id in (w1.id, w2.id)
    ]
    await seeded.add_polls(polls)
    assert await seeded.latest_poll("wa", w1.id) == next(p for p in polls if p.group_id == w1.id)
    second, again = await claimed(seeded)
    assert second > first
    [newer] = [
        PollRef(
            account="wa",
            poll_id=f"poll-{d.group_id}-2",
            announcement_id=d.announcement_id,
            dispatch_id=d.dispatch_id,
            group_id=d.group_id,
        )
        for d in again
        if d.group_id == w1.id
    ]
    await seeded.add_polls([newer, *polls])  # a retried batch re-adds the older ones
    assert await seeded.latest_poll("wa", w1.id) == newer
    assert await seeded.latest_poll("wa", w2.id) == next(p for p in polls if p.group_id == w2.id)
    assert await seeded.latest_poll("tg", w1.id) is None  # per account
    assert await seeded.latest_poll("wa", t1.id) is None
    assert await seeded.find_poll("wa", newer.poll_id) == newer
