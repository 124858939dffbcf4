"""The store reads behind scoped audit listings (issue 11.1), on both engines."""

from __future__ import annotations

from broadcaster.store.contract import AuditObject, Store
from tests.store.support import TAJUR_RT1, add_groups, group, new_announcement, rec


async def test_audit_objects_say_where_each_object_lies(seeded: Store) -> None:
    store = seeded
    record = await new_announcement(store)
    (grp,) = await add_groups(store, [group(TAJUR_RT1, "g1")])
    refs = [
        ("announcement", str(record.id)),
        ("group", str(grp.id)),
        ("user", "serang_officer"),
        ("user", "admin"),
        ("group", "999999"),  # gone: left out
        ("group", ""),  # no id (a bot's group.add): left out
        ("announcement", "x"),
    ]
    found = await store.audit_objects(refs)
    regions = tuple(record.content.target.regions)
    assert found[("announcement", str(record.id))] == AuditObject(regions, "officer")
    assert found[("group", str(grp.id))] == AuditObject((TAJUR_RT1,))
    assert found[("user", "serang_officer")] == AuditObject(is_user=True, scope_of_user="3673")
    assert found[("user", "admin")] == AuditObject(is_user=True, scope_of_user=None)
    assert set(found) == set(refs[:4])


async def test_audit_pages_walk_back_from_a_sequence_number(seeded: Store) -> None:
    store = seeded
    for n in range(5):
        await store.audit(rec("test.step", "thing", str(n)))
    newest = await store.list_audit_page(3)
    older = await store.list_audit_page(3, before_seq=newest[-1].seq)
    seqs = [e.seq for e in newest + older]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 6
    only = await store.list_audit_page(10, None, "thing", "2")
    assert [e.object_id for e in only] == ["2"]
