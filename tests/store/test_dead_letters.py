"""DeadLetterStore contract: skipped inbound updates are kept once per update and counted per
account. Runs once per store engine."""

from __future__ import annotations

import asyncio

from broadcaster.store.contract import Store


async def test_dead_letters_are_kept_once_and_counted(store: Store) -> None:
    assert await store.dead_letter_counts() == {}
    assert await store.list_dead_letters() == []
    assert await store.add_dead_letter("tg", "777:5", "message: not an object")
    assert not await store.add_dead_letter("tg", "777:5", "message: not an object")  # redelivered
    await asyncio.sleep(0.01)  # distinct times, so "newest first" is well defined
    assert await store.add_dead_letter("tg", "777:9", "x" * 2000)
    await asyncio.sleep(0.01)
    assert await store.add_dead_letter("tg2", "888:1", "update_id: missing")
    assert await store.dead_letter_counts() == {"tg": 2, "tg2": 1}
    newest = await store.list_dead_letters(limit=2)
    assert [(d.account, d.ref) for d in newest] == [("tg2", "888:1"), ("tg", "777:9")]
    assert len(newest[1].reason) == 500  # reasons are bounded
    everything = await store.list_dead_letters()
    assert {(d.account, d.ref) for d in everything} == {
        ("tg", "777:5"),
        ("tg", "777:9"),
        ("tg2", "888:1"),
    }
    assert all(d.at > 0 for d in everything)
