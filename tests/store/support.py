"""Helpers for the store contract suite: they use only the public Store API, so the suite runs
unchanged against every implementation in ``tests.conftest.STORE_KINDS``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from typing import Any, TypeVar

import pytest

from broadcaster.store.contract import Store
from broadcaster.store.records import (
    AnnouncementRecord,
    AuditRecord,
    ClaimedDelivery,
    Dispatch,
    Group,
    GroupStatus,
    NewGroup,
)
from content.hashing import content_hash
from content.model import Announcement, Priority
from tests.content.factories import make_announcement

T = TypeVar("T")

FAR_FUTURE = time.time() + 10 * 365 * 86400

# seed_regions (tests.seed) with its defaults: 2 RW x 3 RT under each of its four villages
TAJUR = "3671010001"  # Kota Tangerang > Ciledug > Tajur
TAJUR_RW1 = "3671010001.RW001"
TAJUR_RT1 = "3671010001.RW001.RT001"
TAJUR_RT2 = "3671010001.RW001.RT002"
PARUNG_RT1 = "3671010002.RW001.RT001"  # Kota Tangerang, another village
KAMANISAN_RT1 = "3673010001.RW001.RT001"  # Kota Serang
LEBAK_RT1 = "3602010001.RW001.RT001"  # Kabupaten Lebak


def rec(action: str = "test.action", object_type: str = "test", object_id: str = "") -> AuditRecord:
    """An audit record for a mutation under test."""
    return AuditRecord(
        actor="tester",
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail={"why": "test"},
    )


async def collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


async def audit_len(store: Store) -> int:
    return len(await collect(store.iter_audit()))


def group(
    region: str,
    address: str,
    *,
    channel: str = "telegram",
    account: str = "tg",
    kind: str = "rt",
    status: GroupStatus = GroupStatus.active,
) -> NewGroup:
    return NewGroup(
        channel=channel,
        account=account,
        address=address,
        region=region,
        kind=kind,
        title=f"Grup {address}",
        status=status,
        subscribed_by="officer",
    )


async def add_groups(store: Store, groups: Iterable[NewGroup]) -> list[Group]:
    return [await store.add_group(g, rec("group.add", "group")) for g in groups]


def announcement(**overrides: Any) -> Announcement:
    """A valid announcement without a poll or expiry (so it never goes stale)."""
    data: dict[str, Any] = {"poll": None, "expires_at": None}
    data.update(overrides)
    return make_announcement(**data)


async def new_announcement(store: Store, author: str = "officer") -> AnnouncementRecord:
    content = announcement()
    return await store.create_announcement(
        author, content, content_hash(content), rec("announcement.create", "announcement")
    )


_fire_keys = iter(range(1, 1_000_000))


async def new_dispatch(
    store: Store,
    target: dict[str, Any],
    priority: Priority = Priority.normal,
    announcement_id: int | None = None,
    fire_key: str | None = None,
) -> Dispatch:
    if announcement_id is None:
        announcement_id = (await new_announcement(store)).id
    dispatch = await store.create_dispatch(
        announcement_id,
        None,
        fire_key or f"test@{next(_fire_keys)}",
        priority,
        "0" * 64,
        target,
        "officer",
        rec("dispatch.create", "dispatch"),
    )
    assert dispatch is not None
    return dispatch


async def plan_all(store: Store, dispatch_id: int, batch: int) -> int:
    """Run plan_batch until it reports completion; return how many calls did work."""
    calls = 0
    while await store.plan_batch(dispatch_id, batch):
        calls += 1
        if calls > 10_000:  # pragma: no cover - a cursor that never advances
            pytest.fail("plan_batch never reported completion")
    return calls


async def claim_all(store: Store, account: str) -> list[ClaimedDelivery]:
    """Every queued delivery of ``account`` (claimed, so they become ``sending``)."""
    return await store.claim_deliveries(account, 1_000_000, FAR_FUTURE)


async def planned_groups(store: Store, dispatch_id: int, accounts: Iterable[str]) -> list[int]:
    """Group ids of the dispatch's deliveries (claims them). A list: duplicates would show."""
    found: list[int] = []
    for account in accounts:
        found += [
            d.group_id for d in await claim_all(store, account) if d.dispatch_id == dispatch_id
        ]
    return sorted(found)
