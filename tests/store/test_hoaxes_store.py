"""The hoax desk's part of the store contract, on both engines: reports join cases by key,
verdicts need two people and a matching pinned hash, reporters are answered once per chat,
the retention purge removes personal parts, the figures."""

from __future__ import annotations

import time

import pytest

from broadcaster.errors import Conflict, IntegrityError, NotFound, PermissionDenied
from broadcaster.store.contract import Store
from broadcaster.store.contract.hoaxes import (
    HoaxCase,
    HoaxFiling,
    HoaxStatus,
    NewHoaxReport,
    NewHoaxVerdict,
    VerdictStatus,
)
from tests.store.support import KAMANISAN_RT1, TAJUR_RT1, add_groups, audit_len, group, rec


def report(
    at: float,
    *,
    address: str | None = "g1",
    region: str | None = TAJUR_RT1,
    reporter: str = "hash-a",
    channel: str = "telegram",
) -> NewHoaxReport:
    return NewHoaxReport(
        channel=channel,
        account=None if address is None else "tg",
        address=address,
        reporter=reporter,
        content="Besok listrik padam total se-Banten",
        link=None,
        media_ref=None,
        media_hash=None,
        region=region,
        language="id",
        at=at,
    )


async def file(
    store: Store, r: NewHoaxReport, keys: list[str], code: str, join: int | None = None
) -> tuple[HoaxCase, bool]:
    [filed] = await store.add_hoax_reports(
        [
            HoaxFiling(
                report=r,
                join=join,
                new_ref=None,
                exact_keys=tuple(k for k in keys if k.startswith("t:")),
                keys=tuple(keys),
                norm="besok listrik padam total se banten",
                summary="Besok listrik padam total se-Banten",
            )
        ],
        lambda: code,
        rec("hoax.report", "hoax_case"),
    )
    return await store.get_hoax_case(filed.case_id), filed.new_case


async def test_reports_join_a_case_by_its_exact_key_and_count(seeded: Store) -> None:
    now = time.time()
    before = await audit_len(seeded)
    case, new = await file(seeded, report(now - 60), ["t:abc", "b0:1"], "HX-AAAAA")
    assert new and case.reports == 1 and case.status is HoaxStatus.open
    again, new2 = await file(
        seeded, report(now, region=KAMANISAN_RT1, channel="waha"), ["t:abc"], "HX-BBBBB"
    )
    assert not new2 and again.id == case.id and again.code == "HX-AAAAA"
    assert again.reports == 2
    assert again.first_seen == pytest.approx(now - 60) and again.last_seen == pytest.approx(now)
    assert again.regions == (TAJUR_RT1, KAMANISAN_RT1)
    assert again.channels == ("telegram", "waha")
    assert await audit_len(seeded) == before + 2
    found = await seeded.hoax_candidates(["b0:1", "t:zzz"])
    assert [(c.case_id, c.keys) for c in found] == [(case.id, ("b0:1",))]
    assert (await seeded.find_hoax_case("hx-aaaaa")) == again
    other, new3 = await file(seeded, report(now), ["t:other"], "HX-CCCCC")
    assert new3 and other.id != case.id
    with pytest.raises(Conflict):
        await file(seeded, report(now), ["t:third"], "HX-CCCCC")  # the code is taken
    joined, _ = await file(seeded, report(now), ["t:fourth"], "HX-DDDDD", join=other.id)
    assert joined.id == other.id and joined.reports == 2
    listed = await seeded.list_hoax_cases()
    assert [c.code for c in listed] == ["HX-CCCCC", "HX-AAAAA"]  # as many: most recent first
    again, _ = await file(seeded, report(now - 30), ["t:abc"], "HX-EEEEE")
    listed = await seeded.list_hoax_cases()
    assert [c.code for c in listed] == ["HX-AAAAA", "HX-CCCCC"]  # more reports first
    assert await seeded.list_hoax_cases(scope="3673") == [again]
    assert await seeded.list_hoax_cases(status=[HoaxStatus.confirmed]) == []
    with pytest.raises(NotFound):
        await seeded.get_hoax_case(99999)


def verdict(case_id: int, author: str = "verifier", digest: str = "h1") -> NewHoaxVerdict:
    return NewHoaxVerdict(
        case_id=case_id,
        label="hoaks",
        claim="Listrik padam total se-Banten",
        explanation="PLN tidak menjadwalkan pemadaman.",
        sources=("https://web.pln.co.id/",),
        author=author,
        content_hash=digest,
    )


async def test_a_verdict_needs_a_second_person_and_its_pinned_hash(seeded: Store) -> None:
    now = time.time()
    case, _ = await file(seeded, report(now), ["t:a"], "HX-AAAAA")
    await file(seeded, report(now, reporter="hash-b"), ["t:a"], "HX-X")  # same group
    await file(seeded, report(now, address="u7", region=None), ["t:a"], "HX-Y")  # private
    await file(seeded, report(now, address=None, channel="web"), ["t:a"], "HX-Z")  # web form
    first = await seeded.propose_hoax_verdict(verdict(case.id), rec("hoax.verdict_propose"))
    assert (await seeded.get_hoax_case(case.id)).status is HoaxStatus.proposed
    second = await seeded.propose_hoax_verdict(
        verdict(case.id, digest="h2"), rec("hoax.verdict_propose")
    )
    statuses = [v.status for v in await seeded.hoax_verdicts(case.id)]
    assert statuses == [VerdictStatus.superseded, VerdictStatus.proposed]
    with pytest.raises(Conflict):  # the superseded one can no longer be confirmed
        await seeded.confirm_hoax_verdict(first.id, "verifier2", "h1", {}, rec("c"))
    with pytest.raises(PermissionDenied):
        await seeded.confirm_hoax_verdict(second.id, "verifier", "h2", {}, rec("c"))
    with pytest.raises(IntegrityError):
        await seeded.confirm_hoax_verdict(second.id, "verifier2", "h1", {}, rec("c"))
    notices = {"id": "Hasil: HOAKS", "en": "Result: HOAX"}
    done = await seeded.confirm_hoax_verdict(second.id, "verifier2", "h2", notices, rec("c"))
    assert done.status is VerdictStatus.confirmed and done.decided_by == "verifier2"
    assert (await seeded.get_hoax_case(case.id)).status is HoaxStatus.confirmed
    sent = await seeded.pending_notices("tg")
    assert sorted((n.address, n.text) for n in sent) == [
        ("g1", "Hasil: HOAKS"),
        ("u7", "Hasil: HOAKS"),
    ]  # one per chat, the web form's reporter has none
    assert all(r.answered_at is not None for r in await seeded.hoax_reports(case.id))
    with pytest.raises(Conflict):
        await seeded.propose_hoax_verdict(verdict(case.id), rec("hoax.verdict_propose"))
    public = await seeded.confirmed_hoaxes("pln")
    assert [(c.code, v.id) for c, v in public] == [("HX-AAAAA", second.id)]
    assert await seeded.confirmed_hoaxes("tidak ada") == []


async def test_a_rejected_verdict_sends_the_case_back(seeded: Store) -> None:
    case, _ = await file(seeded, report(time.time()), ["t:a"], "HX-AAAAA")
    proposed = await seeded.propose_hoax_verdict(verdict(case.id), rec("p"))
    rejected = await seeded.reject_hoax_verdict(proposed.id, "verifier2", "sumber lemah", rec("r"))
    assert rejected.status is VerdictStatus.rejected and rejected.reason == "sumber lemah"
    assert (await seeded.get_hoax_case(case.id)).status is HoaxStatus.open
    with pytest.raises(Conflict):
        await seeded.reject_hoax_verdict(proposed.id, "verifier2", "again", rec("r"))


async def test_the_purge_strips_personal_parts_after_the_verdict(seeded: Store) -> None:
    now = time.time()
    case, _ = await file(seeded, report(now - 10 * 86400), ["t:a"], "HX-AAAAA")
    open_case, _ = await file(seeded, report(now), ["t:b"], "HX-BBBBB")
    proposed = await seeded.propose_hoax_verdict(verdict(case.id), rec("p"))
    await seeded.confirm_hoax_verdict(proposed.id, "verifier2", "h1", {"id": "x"}, rec("c"))
    assert await seeded.purge_hoax_reports(now - 86400, rec("purge")) == 0  # too recent
    before = await audit_len(seeded)
    assert await seeded.purge_hoax_reports(now + 1, rec("purge")) == 1
    assert await audit_len(seeded) == before + 1
    [gone] = await seeded.hoax_reports(case.id)
    assert gone.purged_at is not None
    assert (gone.reporter, gone.account, gone.address, gone.content) == (None,) * 4
    assert (await seeded.get_hoax_case(case.id)).summary == ""
    assert (await seeded.get_hoax_case(case.id)).reports == 1  # the count stays
    [kept] = await seeded.hoax_reports(open_case.id)
    assert kept.content and kept.reporter == "hash-a"  # no verdict: kept
    assert await seeded.purge_hoax_reports(now + 1, rec("purge")) == 0
    assert await audit_len(seeded) == before + 1  # nothing purged: no entry
    late, _ = await file(seeded, report(now + 5), ["t:a"], "HX-LATE")  # after the purge
    assert late.id == case.id  # the hashed key still finds the case
    assert await seeded.purge_hoax_reports(now + 2, rec("purge")) == 0  # its own period
    assert await seeded.purge_hoax_reports(now + 6, rec("purge")) == 1


async def test_figures(seeded: Store) -> None:
    now = time.time()
    day = 86400.0
    a, _ = await file(seeded, report(now - 2 * day), ["t:a"], "HX-AAAAA")
    await file(seeded, report(now - day), ["t:a"], "HX-X")
    await file(seeded, report(now), ["t:b"], "HX-BBBBB")
    proposed = await seeded.propose_hoax_verdict(verdict(a.id), rec("p"))
    await seeded.confirm_hoax_verdict(proposed.id, "verifier2", "h1", {"id": "x"}, rec("c"))
    stats = await seeded.hoax_stats(now - 3 * day)
    assert sum(n for _, n in stats.reports_by_day) == 3
    assert len(stats.reports_by_day) >= 2
    assert stats.open_cases == 1 and stats.confirmed_cases == 1
    assert stats.median_seconds_to_verdict == pytest.approx(2 * day, abs=60)


def filing(at: float, *, join: int | None = None, new_ref: int | None, key: str) -> HoaxFiling:
    return HoaxFiling(
        report=report(at),
        join=join,
        new_ref=new_ref,
        exact_keys=(key,),
        keys=(key, "b1:" + key),
        norm=key,
        summary=key,
    )


async def test_a_batch_opens_its_new_cases_once_and_joins_existing_ones(seeded: Store) -> None:
    now = time.time()
    codes = iter(["HX-TAKEN", "HX-TAKEN", "HX-NEW01", "HX-NEW02", "HX-NEW03"])
    [first] = await seeded.add_hoax_reports(
        [filing(now, new_ref=None, key="t:x")], lambda: "HX-TAKEN", rec("hoax.report")
    )
    before = await audit_len(seeded)
    filed = await seeded.add_hoax_reports(
        [
            filing(now, new_ref=0, key="t:a"),  # opens a case (after a taken code)
            filing(now + 1, new_ref=0, key="t:a"),  # the same new case
            filing(now, new_ref=2, key="t:x"),  # opened before: joins it, opens nothing
            filing(now, join=first.case_id, new_ref=None, key="t:y"),
            filing(now, new_ref=4, key="t:b"),
        ],
        lambda: next(codes),
        rec("hoax.report"),
    )
    assert await audit_len(seeded) == before + 1  # one entry per batch
    a, a2, x, y, b = filed
    assert a.new_case and not a2.new_case and a.case_id == a2.case_id and a.code == "HX-NEW01"
    assert x.case_id == y.case_id == first.case_id and not x.new_case
    assert b.new_case and b.code == "HX-NEW02"
    assert (await seeded.get_hoax_case(a.case_id)).reports == 2
    assert (await seeded.get_hoax_case(first.case_id)).reports == 3
    joined = await seeded.hoax_candidates(["b1:t:y"])
    assert [c.case_id for c in joined] == [first.case_id]  # the joining report's keys count


async def test_group_regions_are_read_in_one_go(seeded: Store) -> None:
    await add_groups(seeded, [group(TAJUR_RT1, "g1"), group(KAMANISAN_RT1, "g2")])
    found = await seeded.hoax_group_regions(
        [("telegram", "tg", "g1"), ("telegram", "tg", "g2"), ("telegram", "tg", "nope")]
    )
    assert found == {("telegram", "tg", "g1"): TAJUR_RT1, ("telegram", "tg", "g2"): KAMANISAN_RT1}
