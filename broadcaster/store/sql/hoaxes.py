"""The SQL of :class:`~broadcaster.store.contract.hoaxes.HoaxStore` (issue 14): reports, cases,
their lookup keys, verdicts, the reporters' answers and the retention purge."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ...errors import Conflict, IntegrityError, NotFound, PermissionDenied
from ..contract.hoaxes import (
    Filed,
    HoaxCandidate,
    HoaxCase,
    HoaxFiling,
    HoaxReport,
    HoaxStats,
    HoaxStatus,
    HoaxStore,
    HoaxVerdict,
    NewHoaxReport,
    NewHoaxVerdict,
    VerdictStatus,
)
from ..records import AuditRecord
from .base import WORK_NOTICE, Row, SqlBase, Tx, marks

CASE_COLS = "id, code, status, summary, reports, first_seen, last_seen, confirmed_at"
REPORT_COLS = (
    "id, case_id, channel, account, address, reporter, content, link, media_ref, media_hash, "
    "region, language, at, answered_at, purged_at"
)
VERDICT_COLS = (
    "id, case_id, label, claim, explanation, sources, author, at, content_hash, status, "
    "decided_by, decided_at, reason"
)
DAY = 86400
CHUNK = 2000  # most values in one IN list (both engines cap a statement's parameters)
CODE_ATTEMPTS = 8


def _report_row(case_id: int, r: NewHoaxReport) -> tuple[Any, ...]:
    return (
        case_id,
        r.channel,
        r.account,
        r.address,
        r.reporter,
        r.content,
        r.link,
        r.media_ref,
        r.media_hash,
        r.region,
        r.language,
        r.at,
        int(r.at // DAY),
    )


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


def _verdict(r: Row) -> HoaxVerdict:
    return HoaxVerdict(
        id=int(r[0]),
        case_id=int(r[1]),
        label=str(r[2]),
        claim=str(r[3]),
        explanation=str(r[4]),
        sources=tuple(json.loads(r[5])),
        author=str(r[6]),
        at=float(r[7]),
        content_hash=str(r[8]),
        status=VerdictStatus(r[9]),
        decided_by=r[10],
        decided_at=_opt(r[11]),
        reason=r[12],
    )


def _report(r: Row) -> HoaxReport:
    return HoaxReport(
        id=int(r[0]),
        case_id=int(r[1]),
        channel=str(r[2]),
        account=r[3],
        address=r[4],
        reporter=r[5],
        content=r[6],
        link=r[7],
        media_ref=r[8],
        media_hash=r[9],
        region=r[10],
        language=str(r[11]),
        at=float(r[12]),
        answered_at=_opt(r[13]),
        purged_at=_opt(r[14]),
    )


class HoaxSql(SqlBase, HoaxStore):
    async def _cases(self, db: Tx | None, rows: list[Row]) -> list[HoaxCase]:
        """Rows of CASE_COLS → records with their regions and channels (two reads)."""
        if not rows:
            return []
        ids = [int(r[0]) for r in rows]
        fetch = self._fetch if db is None else db.fetch
        regions: dict[int, list[str]] = {i: [] for i in ids}
        channels: dict[int, list[str]] = {i: [] for i in ids}
        for cid, region in await fetch(
            f"SELECT case_id, region FROM hoax_case_regions WHERE case_id IN ({marks(ids)}) "
            "ORDER BY region",
            ids,
        ):
            regions[int(cid)].append(str(region))
        for cid, channel in await fetch(
            f"SELECT case_id, channel FROM hoax_case_channels WHERE case_id IN ({marks(ids)}) "
            "ORDER BY channel",
            ids,
        ):
            channels[int(cid)].append(str(channel))
        return [
            HoaxCase(
                id=int(r[0]),
                code=str(r[1]),
                status=HoaxStatus(r[2]),
                summary=str(r[3]),
                reports=int(r[4]),
                first_seen=float(r[5]),
                last_seen=float(r[6]),
                confirmed_at=_opt(r[7]),
                regions=tuple(regions[int(r[0])]),
                channels=tuple(channels[int(r[0])]),
            )
            for r in rows
        ]

    # -- intake ----------------------------------------------------------------------------
    async def hoax_candidates(self, keys: Sequence[str]) -> list[HoaxCandidate]:
        found: dict[int, tuple[str, list[str]]] = {}
        listed = sorted(set(keys))
        for i in range(0, len(listed), CHUNK):
            part = listed[i : i + CHUNK]
            rows = await self._fetch(
                f"SELECT k.case_id, k.key, c.norm FROM hoax_keys k JOIN hoax_cases c "
                f"ON c.id = k.case_id WHERE k.key IN ({marks(part)})",
                part,
            )
            for cid, key, norm in rows:
                found.setdefault(int(cid), (str(norm), []))[1].append(str(key))
        return [
            HoaxCandidate(case_id=cid, norm=norm, keys=tuple(sorted(ks)))
            for cid, (norm, ks) in sorted(found.items())
        ]

    async def hoax_group_regions(
        self, chats: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], str]:
        wanted: dict[tuple[str, str], set[str]] = {}
        for channel, account, address in chats:
            wanted.setdefault((channel, account), set()).add(address)
        found: dict[tuple[str, str, str], str] = {}
        for (channel, account), addresses in sorted(wanted.items()):
            listed = sorted(addresses)
            for i in range(0, len(listed), CHUNK):
                part = listed[i : i + CHUNK]
                rows = await self._fetch(
                    "SELECT address, region FROM groups WHERE channel = ? AND account = ? "
                    f"AND address IN ({marks(part)})",
                    [channel, account, *part],
                )
                found.update({(channel, account, str(a)): str(r) for a, r in rows})
        return found

    async def add_hoax_reports(
        self, filings: Sequence[HoaxFiling], codes: Callable[[], str], audit: AuditRecord
    ) -> list[Filed]:
        if not filings:
            return []
        async with self._tx() as db:
            cases, opened = await self._place(db, filings, codes)
            await db.executemany(
                "INSERT INTO hoax_reports(case_id, channel, account, address, reporter, content, "
                "link, media_ref, media_hash, region, language, at, day) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [_report_row(case_id, f.report) for case_id, f in zip(cases, filings, strict=True)],
            )
            await self._follow(db, cases, filings)
            rows = await db.fetch(
                f"SELECT id, code FROM hoax_cases WHERE id IN ({marks(set(cases))})",
                sorted(set(cases)),
            )
            code_of = {int(i): str(c) for i, c in rows}
            detail = {
                **audit.detail,
                "reports": len(filings),
                "new_cases": len(opened),
                "cases": sorted(set(cases))[:50],
            }
            await self._append_audit(db, replace(audit, detail=detail))
        return [
            Filed(case_id=c, code=code_of[c], new_case=i in opened) for i, c in enumerate(cases)
        ]

    async def _place(
        self, db: Tx, filings: Sequence[HoaxFiling], codes: Callable[[], str]
    ) -> tuple[list[int], set[int]]:
        """The case of each filing (opening the batch's new cases); the indexes of the
        filings that opened one."""
        fresh = {k for f in filings if f.join is None for k in f.exact_keys}
        existing: dict[str, int] = {}
        listed = sorted(fresh)
        for i in range(0, len(listed), CHUNK):
            part = listed[i : i + CHUNK]
            for key, case_id in await db.fetch(
                f"SELECT key, MIN(case_id) FROM hoax_keys WHERE key IN ({marks(part)}) "
                "GROUP BY key",
                part,
            ):
                existing[str(key)] = int(case_id)
        by_ref: dict[int, int] = {}
        cases: list[int] = []
        opened: set[int] = set()
        for index, f in enumerate(filings):
            if f.join is not None:
                cases.append(f.join)
                continue
            known = [existing[k] for k in f.exact_keys if k in existing]
            if known:  # opened meanwhile (another process, or an earlier batch)
                cases.append(min(known))
                continue
            ref = -1 - index if f.new_ref is None else f.new_ref
            if ref not in by_ref:
                by_ref[ref] = await self._open_case(db, f, codes)
                opened.add(index)
            cases.append(by_ref[ref])
        return cases, opened

    async def _open_case(self, db: Tx, f: HoaxFiling, codes: Callable[[], str]) -> int:
        for _ in range(CODE_ATTEMPTS):
            rows = await db.fetch(
                "INSERT INTO hoax_cases(code, status, norm, summary, reports, first_seen, "
                "last_seen) VALUES (?, 'open', ?, ?, 0, ?, ?) ON CONFLICT (code) DO NOTHING "
                "RETURNING id",
                (codes(), f.norm, f.summary, f.report.at, f.report.at),
            )
            if rows:
                return int(rows[0][0])
        raise Conflict("no free hoax case code found; try again")

    async def _follow(self, db: Tx, cases: list[int], filings: Sequence[HoaxFiling]) -> None:
        """Counts, last_seen, keys, regions and channels of the cases the filings went to."""
        counts: dict[int, list[float]] = {}
        keys: set[tuple[str, int]] = set()
        regions: set[tuple[int, str]] = set()
        channels: set[tuple[int, str]] = set()
        for case_id, f in zip(cases, filings, strict=True):
            seen = counts.setdefault(case_id, [0, f.report.at])
            seen[0] += 1
            seen[1] = max(seen[1], f.report.at)
            keys.update((k, case_id) for k in f.keys)
            if f.report.region:
                regions.add((case_id, f.report.region))
            channels.add((case_id, f.report.channel))
        await db.executemany(
            f"UPDATE hoax_cases SET reports = reports + ?, "
            f"last_seen = {self.dialect.greatest}(last_seen, ?) WHERE id = ?",
            [(int(n), at, case_id) for case_id, (n, at) in sorted(counts.items())],
        )
        await db.executemany(
            "INSERT INTO hoax_keys(key, case_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            sorted(keys),
        )
        await db.executemany(
            "INSERT INTO hoax_case_regions(case_id, region) VALUES (?, ?) ON CONFLICT DO NOTHING",
            sorted(regions),
        )
        await db.executemany(
            "INSERT INTO hoax_case_channels(case_id, channel) VALUES (?, ?) ON CONFLICT DO NOTHING",
            sorted(channels),
        )

    # -- reading ---------------------------------------------------------------------------
    async def get_hoax_case(self, case_id: int) -> HoaxCase:
        rows = await self._fetch(f"SELECT {CASE_COLS} FROM hoax_cases WHERE id = ?", (case_id,))
        if not rows:
            raise NotFound(f"hoax case {case_id} not found")
        return (await self._cases(None, rows))[0]

    async def find_hoax_case(self, code: str) -> HoaxCase | None:
        rows = await self._fetch(
            f"SELECT {CASE_COLS} FROM hoax_cases WHERE code = ?", (code.strip().upper(),)
        )
        return (await self._cases(None, rows))[0] if rows else None

    async def list_hoax_cases(
        self,
        status: Sequence[HoaxStatus] = (),
        scope: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[HoaxCase]:
        where: list[str] = []
        params: list[Any] = []
        if status:
            where.append(f"status IN ({marks(status)})")
            params.extend(str(s) for s in status)
        if scope is not None:
            where.append(
                "(NOT EXISTS (SELECT 1 FROM hoax_case_regions r WHERE r.case_id = hoax_cases.id)"
                " OR EXISTS (SELECT 1 FROM hoax_case_regions r WHERE r.case_id = hoax_cases.id"
                " AND r.region LIKE ?))"
            )
            params.append(scope + "%")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = await self._fetch(
            f"SELECT {CASE_COLS} FROM hoax_cases {clause} "
            "ORDER BY reports DESC, last_seen DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return await self._cases(None, rows)

    async def hoax_reports(self, case_id: int) -> list[HoaxReport]:
        rows = await self._fetch(
            f"SELECT {REPORT_COLS} FROM hoax_reports WHERE case_id = ? ORDER BY id", (case_id,)
        )
        return [_report(r) for r in rows]

    async def hoax_verdicts(self, case_id: int) -> list[HoaxVerdict]:
        rows = await self._fetch(
            f"SELECT {VERDICT_COLS} FROM hoax_verdicts WHERE case_id = ? ORDER BY id", (case_id,)
        )
        return [_verdict(r) for r in rows]

    async def confirmed_hoaxes(
        self, query: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[tuple[HoaxCase, HoaxVerdict]]:
        params: list[Any] = []
        match = ""
        if query:
            like = "%" + query.strip().lower() + "%"
            match = (
                " AND (LOWER(c.code) LIKE ? OR LOWER(v.label) LIKE ? OR LOWER(v.claim) LIKE ?"
                " OR LOWER(v.explanation) LIKE ?)"
            )
            params = [like] * 4
        cols = ", ".join(f"v.{c.strip()}" for c in VERDICT_COLS.split(","))
        rows = await self._fetch(
            f"SELECT {cols} FROM hoax_verdicts v JOIN hoax_cases c ON c.id = v.case_id "
            f"WHERE v.status = 'confirmed'{match} ORDER BY v.decided_at DESC, v.id DESC "
            "LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        verdicts = [_verdict(r) for r in rows]
        if not verdicts:
            return []
        ids = [v.case_id for v in verdicts]
        case_rows = await self._fetch(
            f"SELECT {CASE_COLS} FROM hoax_cases WHERE id IN ({marks(ids)})", ids
        )
        cases = {c.id: c for c in await self._cases(None, case_rows)}
        return [(cases[v.case_id], v) for v in verdicts]

    # -- verdicts --------------------------------------------------------------------------
    async def propose_hoax_verdict(
        self, verdict: NewHoaxVerdict, audit: AuditRecord
    ) -> HoaxVerdict:
        async with self._tx() as db:
            status = await self._case_status(db, verdict.case_id)
            if status is HoaxStatus.confirmed:
                raise Conflict(f"hoax case {verdict.case_id} already has a confirmed verdict")
            await db.execute(
                "UPDATE hoax_verdicts SET status = 'superseded' "
                "WHERE case_id = ? AND status = 'proposed'",
                (verdict.case_id,),
            )
            rows = await db.fetch(
                "INSERT INTO hoax_verdicts(case_id, label, claim, explanation, sources, author, "
                "at, content_hash, status) VALUES (?,?,?,?,?,?,?,?, 'proposed') "
                f"RETURNING {VERDICT_COLS}",
                (
                    verdict.case_id,
                    verdict.label,
                    verdict.claim,
                    verdict.explanation,
                    json.dumps(list(verdict.sources)),
                    verdict.author,
                    time.time(),
                    verdict.content_hash,
                ),
            )
            await db.execute(
                "UPDATE hoax_cases SET status = 'proposed' WHERE id = ?", (verdict.case_id,)
            )
            await self._append_audit(db, audit)
            return _verdict(rows[0])

    async def _case_status(self, db: Tx, case_id: int) -> HoaxStatus:
        rows = await db.fetch(
            f"SELECT status FROM hoax_cases WHERE id = ?{self.dialect.for_update}", (case_id,)
        )
        if not rows:
            raise NotFound(f"hoax case {case_id} not found")
        return HoaxStatus(rows[0][0])

    async def _proposal(self, db: Tx, verdict_id: int) -> HoaxVerdict:
        rows = await db.fetch(
            f"SELECT {VERDICT_COLS} FROM hoax_verdicts WHERE id = ?{self.dialect.for_update}",
            (verdict_id,),
        )
        if not rows:
            raise NotFound(f"hoax verdict {verdict_id} not found")
        verdict = _verdict(rows[0])
        if verdict.status is not VerdictStatus.proposed:
            raise Conflict(f"verdict {verdict_id} is {verdict.status}, not a current proposal")
        return verdict

    async def confirm_hoax_verdict(
        self,
        verdict_id: int,
        confirmer: str,
        content_hash: str,
        notices: Mapping[str, str],
        audit: AuditRecord,
    ) -> HoaxVerdict:
        now = time.time()
        async with self._tx() as db:
            verdict = await self._proposal(db, verdict_id)
            if verdict.author == confirmer:
                raise PermissionDenied(
                    f"{confirmer!r} proposed this verdict; another verifier must confirm it"
                )
            if verdict.content_hash != content_hash:
                raise IntegrityError(
                    f"verdict {verdict_id} changed since it was pinned; propose it again"
                )
            await db.execute(
                "UPDATE hoax_verdicts SET status = 'confirmed', decided_by = ?, decided_at = ? "
                "WHERE id = ?",
                (confirmer, now, verdict_id),
            )
            await db.execute(
                "UPDATE hoax_cases SET status = 'confirmed', confirmed_at = ? WHERE id = ?",
                (now, verdict.case_id),
            )
            await self._answer_reporters(db, verdict.case_id, notices, now)
            await self._append_audit(db, audit)
            rows = await db.fetch(
                f"SELECT {VERDICT_COLS} FROM hoax_verdicts WHERE id = ?", (verdict_id,)
            )
            return _verdict(rows[0])

    async def _answer_reporters(
        self, db: Tx, case_id: int, notices: Mapping[str, str], now: float
    ) -> None:
        """One notice per distinct (account, address) of the case's unanswered reports."""
        rows = await db.fetch(
            "SELECT account, address, MIN(language) FROM hoax_reports WHERE case_id = ? "
            "AND answered_at IS NULL AND account IS NOT NULL AND address IS NOT NULL "
            "GROUP BY account, address ORDER BY account, address",
            (case_id,),
        )
        fallback = notices.get("id", "")
        await db.executemany(
            "INSERT INTO notices(account, address, text, at) VALUES (?,?,?,?)",
            [(a, addr, notices.get(str(lang), fallback), now) for a, addr, lang in rows],
        )
        for account in sorted({str(row[0]) for row in rows}):
            await self._notify(db, f"{WORK_NOTICE}:{account}")  # wakes that account's sender
        await db.execute(
            "UPDATE hoax_reports SET answered_at = ? WHERE case_id = ? AND answered_at IS NULL",
            (now, case_id),
        )

    async def reject_hoax_verdict(
        self, verdict_id: int, by: str, reason: str, audit: AuditRecord
    ) -> HoaxVerdict:
        async with self._tx() as db:
            verdict = await self._proposal(db, verdict_id)
            await db.execute(
                "UPDATE hoax_verdicts SET status = 'rejected', decided_by = ?, decided_at = ?, "
                "reason = ? WHERE id = ?",
                (by, time.time(), reason, verdict_id),
            )
            await db.execute(
                "UPDATE hoax_cases SET status = 'open' WHERE id = ?", (verdict.case_id,)
            )
            await self._append_audit(db, audit)
            rows = await db.fetch(
                f"SELECT {VERDICT_COLS} FROM hoax_verdicts WHERE id = ?", (verdict_id,)
            )
            return _verdict(rows[0])

    # -- housekeeping and figures ------------------------------------------------------------
    async def purge_hoax_reports(self, confirmed_before: float, audit: AuditRecord) -> int:
        now = time.time()
        async with self._tx() as db:
            # a report that joined after the verdict keeps its own retention period
            purged = await db.execute(
                "UPDATE hoax_reports SET reporter = NULL, account = NULL, address = NULL, "
                "content = NULL, link = NULL, media_ref = NULL, purged_at = ? "
                "WHERE purged_at IS NULL AND at < ? AND case_id IN "
                "(SELECT id FROM hoax_cases WHERE confirmed_at < ?)",
                (now, confirmed_before, confirmed_before),
            )
            touched = await db.execute(
                "UPDATE hoax_cases SET norm = '', summary = '', purged_at = ? "
                "WHERE confirmed_at < ? AND purged_at IS NULL",
                (now, confirmed_before),
            )
            if purged or touched:
                detail = {**audit.detail, "reports": purged, "cases": touched}
                await self._append_audit(
                    db,
                    AuditRecord(
                        actor=audit.actor,
                        action=audit.action,
                        object_type=audit.object_type,
                        object_id=audit.object_id,
                        detail=detail,
                    ),
                )
            return purged

    async def hoax_stats(self, since: float) -> HoaxStats:
        days = await self._fetch(
            "SELECT day, COUNT(*) FROM hoax_reports WHERE day >= ? GROUP BY day ORDER BY day",
            (int(since // DAY),),
        )
        counts = await self._fetch(
            "SELECT status, COUNT(*) FROM hoax_cases GROUP BY status ORDER BY status"
        )
        by_status = {str(s): int(n) for s, n in counts}
        spans = await self._fetch(
            "SELECT confirmed_at - first_seen FROM hoax_cases "
            "WHERE confirmed_at IS NOT NULL AND confirmed_at >= ?",
            (since,),
        )
        return HoaxStats(
            reports_by_day=tuple(
                (time.strftime("%Y-%m-%d", time.gmtime(int(d) * DAY)), int(n)) for d, n in days
            ),
            open_cases=by_status.get("open", 0) + by_status.get("proposed", 0),
            confirmed_cases=by_status.get("confirmed", 0),
            median_seconds_to_verdict=(
                statistics.median(float(s[0]) for s in spans) if spans else None
            ),
        )
