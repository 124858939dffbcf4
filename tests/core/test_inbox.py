"""Inbound events applied by the core: onboarding commands, votes, tallies, replies, leaves."""

from __future__ import annotations

from pathlib import Path

from broadcaster.adapter import InboundEvent
from broadcaster.results import results, to_csv
from broadcaster.store.records import GroupStatus, PollRef
from content.model import Level
from tests.core.harness import Rig, rig

CHAT = "-100123"


def ev(kind: str, event_id: str, address: str | None = CHAT, **data: object) -> InboundEvent:
    return InboundEvent(
        kind=kind, account="scripted", event_id=event_id, address=address, data=data
    )


async def notices(r: Rig) -> list[str]:
    await r.engine.send_notices()
    return [text for _, text in r.adapter().notices]


async def test_onboarding_by_commands(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        inbox = r.engine.inbox
        assert await inbox.handle(ev("joined", "1", title="RT 01 Tajur"))
        assert "/daftar" in (await notices(r))[-1]
        # a member who is not an admin is refused politely
        await inbox.handle(
            ev("command", "2", command="daftar", args=["3671010001"], user=7, is_admin=False)
        )
        assert "hanya dapat digunakan oleh admin" in (await notices(r))[-1]
        assert await r.app.store.find_group("scripted", "scripted", CHAT) is None
        # unknown region code
        await inbox.handle(
            ev("command", "3", command="daftar", args=["3699999999"], user=1, is_admin=True)
        )
        assert "tidak dikenal" in (await notices(r))[-1]
        # the admin subscribes the group: pending until an officer approves
        await inbox.handle(
            ev(
                "command",
                "4",
                command="daftar",
                args=["3671010001.RW001.RT001", "rt"],
                user=1,
                is_admin=True,
            )
        )
        group = await r.app.store.find_group("scripted", "scripted", CHAT)
        assert group is not None and group.status is GroupStatus.pending
        # the admin's provider id is stored only as a salted hash
        assert group.subscribed_by == f"group-admin:{inbox.hash_user('scripted', 1)}"
        assert "menunggu persetujuan" in (await notices(r))[-1]
        await r.app.directory.set_group_status("verifier", group.id, GroupStatus.active)
        assert "telah disetujui" in (await notices(r))[-1]
        await inbox.handle(ev("command", "5", command="berhenti", user=1, is_admin=True))
        assert (await r.app.store.get_group(group.id)).status is GroupStatus.paused
        await inbox.handle(ev("command", "6", command="lanjut", user=1, is_admin=True))
        assert (await r.app.store.get_group(group.id)).status is GroupStatus.active
        await inbox.handle(ev("command", "7", command="status", user=1, is_admin=True))
        assert "active" in (await notices(r))[-1]
        # the bot is removed: the group is removed and audited
        await inbox.handle(ev("left", "8"))
        assert (await r.app.store.get_group(group.id)).status is GroupStatus.removed
        trail = await r.app.store.list_audit(object_type="group", object_id=str(group.id))
        assert [e.action for e in reversed(trail)][:2] == ["group.add", "group.approve"]
        assert trail[0].action == "group.removed"


async def test_redelivered_events_apply_once(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        assert await r.engine.inbox.handle(ev("joined", "42"))
        assert not await r.engine.inbox.handle(ev("joined", "42"))
        assert len(await notices(r)) == 1


async def _poll_setup(r: Rig) -> tuple[int, list[int]]:
    ids = await r.add_groups(under="3671")
    record = await r.approved(regions=["3671"], poll=True)
    dispatch = await r.dispatch_now(record)
    await r.app.store.add_polls(
        [
            PollRef(
                account="scripted",
                poll_id=f"poll-{gid}",
                announcement_id=record.id,
                dispatch_id=dispatch.id,
                group_id=gid,
            )
            for gid in ids
        ]
    )
    return record.id, ids


async def test_votes_replace_and_retract_and_roll_up(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        announcement, ids = await _poll_setup(r)
        inbox = r.engine.inbox
        first, second = ids[0], ids[1]
        await inbox.handle(ev("vote", "v1", None, poll_id=f"poll-{first}", user=11, options=[0]))
        await inbox.handle(ev("vote", "v2", None, poll_id=f"poll-{first}", user=12, options=[0]))
        await inbox.handle(ev("vote", "v3", None, poll_id=f"poll-{second}", user=13, options=[1]))
        # 11 changes their mind; 12 retracts
        await inbox.handle(ev("vote", "v4", None, poll_id=f"poll-{first}", user=11, options=[1]))
        await inbox.handle(ev("vote", "v5", None, poll_id=f"poll-{first}", user=12, options=[]))
        # a vote for a poll we never sent changes nothing
        await inbox.handle(ev("vote", "v6", None, poll_id="stranger", user=14, options=[0]))
        tallies = {t.group_id: t.counts for t in await r.app.store.poll_tally(announcement, 2)}
        assert tallies[first] == (0, 1)
        assert tallies[second] == (0, 1)
        options, rows = await results(r.app.store, announcement, Level.regency)
        assert options == ["Ya", "Tidak"]
        assert [(row.region, row.counts, row.groups) for row in rows] == [
            ("3671", (0, 2), len(ids))
        ]
        _, villages = await results(r.app.store, announcement, Level.village)
        assert sum(v.total for v in villages) == 2
        assert {v.region for v in villages} <= {"3671010001", "3671010002"}
        csv_text = to_csv(options, rows)
        assert csv_text.splitlines()[0] == "region,name,level,groups,Ya,Tidak,total"
        assert "3671,KOTA TANGERANG,regency" in csv_text


async def test_anonymous_counts_feed_the_same_tally(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        announcement, ids = await _poll_setup(r)
        await r.engine.inbox.handle(
            ev("poll_counts", "c1", None, poll_id=f"poll-{ids[2]}", counts=[5, 3])
        )
        tallies = {t.group_id: t.counts for t in await r.app.store.poll_tally(announcement, 2)}
        assert tallies[ids[2]] == (5, 3)


async def test_replies_from_subscribed_groups_reach_the_inbox(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        await r.add_groups(under="3673")
        address = "scripted-3673010001.RW001.RT001"
        await r.engine.inbox.handle(
            ev("reply", "r1", address, user=99, text="Air sudah setinggi lutut")
        )
        await r.engine.inbox.handle(ev("reply", "r2", "unknown-chat", user=98, text="spam"))
        replies = await r.app.store.list_replies()
        assert [x.text for x in replies] == ["Air sudah setinggi lutut"]
        assert replies[0].author != "99" and len(replies[0].author) == 24
        assert await r.app.store.purge_replies(before=replies[0].at.timestamp() + 1) == 1


async def test_migration_event_moves_the_group(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        await r.add_groups(under="3673")
        old = "scripted-3673010001.RW001.RT002"
        await r.engine.inbox.handle(ev("migrated", "m1", old, new_address="-1009999"))
        assert await r.app.store.find_group("scripted", "scripted", "-1009999") is not None
