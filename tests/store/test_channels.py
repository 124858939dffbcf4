"""ChannelStore contract: messaging windows and receipts that arrive before their message id
is known. Runs once per store engine. (Receipts joined to real deliveries, failed receipts
failing deliveries and the latest poll per group are covered end to end in tests/whatsapp and
tests/waha, through the engine.)"""

from __future__ import annotations

import pytest

from broadcaster.store.contract import Store


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
