"""``groups import``: the spreadsheet of group ids and e-mail addresses a regency office already
has, added in one go.

The file is CSV (UTF-8, a BOM is fine) or XLSX (the first sheet), with the header
``account,address,region,kind,title,language`` (``title`` and ``language`` may be left out).
``region`` is a region code or a name that matches exactly one region (no typo forgiven:
"Tajur, Ciledug" or "Kel. Cipocok Jaya").

All or nothing: any bad row — an unknown account or region, an address the account's adapter
rejects, an unknown kind or language, a duplicate in the file, a group that exists with other
values, a region outside the acting user's scope — imports nothing, and every problem is listed
as ``FILE:LINE: problem``. A row whose group already exists with the same values is left as it
is, so importing the same file again changes nothing. ``check`` validates without writing.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from content.languages import is_language_code
from content.levels import GROUP_KINDS

from .auth import Perm, allowed, require
from .directory import Directory
from .errors import InputError
from .regions import level_of
from .regionsearch import RegionIndex, finder_for
from .store.records import AuditRecord, GroupStatus, NewGroup, User

COLUMNS = ("account", "address", "region", "kind", "title", "language")
REQUIRED = ("account", "address", "region", "kind")


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    added: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    written: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "rows": self.rows,
            "added": self.added,
            "unchanged": self.unchanged,
            "problems": list(self.problems),
            "written": self.written,
        }


class ImportRejected(InputError):
    """The file has problems; nothing was imported. ``report.problems`` lists each."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        count = len(report.problems)
        head = f"{report.file}: {count} problem{'s' if count != 1 else ''}; nothing imported"
        super().__init__("\n".join([head, *report.problems]))


def read_rows(
    name: str,
    data: bytes,
    columns_allowed: tuple[str, ...] = COLUMNS,
    required: tuple[str, ...] = REQUIRED,
) -> tuple[list[Row], list[str]]:
    """The rows of a CSV or XLSX file (by its name's extension) and any header problems."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        table = list(_xlsx_rows(data))
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return [], [f"{name}:1: not UTF-8 text ({exc.reason}); save the sheet as CSV UTF-8"]
        table = list(_csv_rows(text))
    if not table:
        return [], [f"{name}:1: the file is empty; the header is {','.join(columns_allowed)}"]
    header_line, header = table[0]
    columns = [h.strip().lower() for h in header]
    unknown = [c for c in columns if c and c not in columns_allowed]
    missing = [c for c in required if c not in columns]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        return [], [f"{name}:{header_line}: {'; '.join(parts)}; the header is {','.join(COLUMNS)}"]
    rows = []
    for line, cells in table[1:]:
        values = {
            column: (cells[i].strip() if i < len(cells) else "")
            for i, column in enumerate(columns)
            if column
        }
        if any(values.values()):
            rows.append(Row(line, values))
    return rows, []


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if v is None else _cell(v) for v in row]
    finally:
        book.close()


def _cell(value: object) -> str:
    # a code typed into a spreadsheet may come back as a number: 3673010001.0
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class GroupImporter:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.store = directory.store

    async def run(
        self, acting: str, name: str, data: bytes, check: bool = False, active: bool = False
    ) -> ImportReport:
        """Validate every row; unless ``check``, import them all or raise ImportRejected."""
        user = await self.directory.actor(acting)
        require(user, Perm.groups_add)
        if active:
            require(user, Perm.groups_approve)
        rows, problems = await asyncio.to_thread(read_rows, name, data)
        report = ImportReport(name, rows=len(rows), problems=problems)
        new = await self._validate(user, name, rows, active, report)
        report.added = len(new)
        if report.problems:
            if check:
                return report
            raise ImportRejected(report)
        if check or not new:
            return report
        digest = hashlib.sha256(data).hexdigest()
        detail = {"rows": report.rows, "added": len(new), "sha256": digest, "active": active}
        audit = AuditRecord(
            actor=user.name,
            action="groups.import",
            object_type="groups",
            object_id=name,
            detail=detail,
        )
        await self.store.add_groups(new, user.name if active else None, audit)
        report.written = True
        return report

    async def _validate(
        self, user: User, name: str, rows: list[Row], active: bool, report: ImportReport
    ) -> list[NewGroup]:
        # the name index (88,000 regions nationally) only when some row names its region
        named = any(r.values.get("region") and not level_of(r.values["region"]) for r in rows)
        index = await finder_for(self.store).index() if named else None
        exact: dict[str, list[str]] = {}
        codes = {r.values["region"] for r in rows if level_of(r.values.get("region", ""))}
        known_codes = set(await self.store.get_regions(sorted(codes))) if codes else set()
        accounts = {r.values.get("account", "") for r in rows}
        existing = {
            (k.channel, k.account, k.address): k
            for k in await self.store.groups_of_accounts(
                sorted(a for a in accounts if a in self.directory.accounts)
            )
        }
        seen: dict[tuple[str, str, str], int] = {}
        new: list[NewGroup] = []
        status = GroupStatus.active if active else GroupStatus.pending
        perm = Perm.groups_approve if active else Perm.groups_add
        for row in rows:
            where = f"{name}:{row.line}"
            found: list[str] = []
            values = row.values
            account = values.get("account", "")
            adapter = self.directory.accounts.get(account)
            if adapter is None:
                known = ", ".join(sorted(self.directory.accounts)) or "(none configured)"
                found.append(f"unknown account {account!r} (accounts: {known})")
            address = values.get("address", "")
            if adapter is not None:
                try:
                    address = adapter.normalize_address(address)
                except InputError as exc:
                    found.append(str(exc))
            region = self._region(values.get("region", ""), known_codes, index, exact, found)
            kind = values.get("kind", "").lower()
            if kind not in GROUP_KINDS:
                found.append(f"unknown kind {kind!r}; use one of: {', '.join(GROUP_KINDS)}")
            language = values.get("language", "").lower() or "id"
            if not is_language_code(language):
                found.append(f"language {language!r}: use a two-letter code such as 'id'")
            if region is not None and not allowed(user, perm, [region]):
                found.append(f"region {region} is outside {user.name!r}'s scope ({user.scope})")
            title = values.get("title", "")
            if adapter is not None and not found:
                key = (adapter.channel, account, address)
                if key in seen:
                    found.append(f"duplicate of line {seen[key]} ({address})")
                else:
                    seen[key] = row.line
                    old = existing.get(key)
                    if old is None:
                        assert region is not None
                        new.append(
                            NewGroup(
                                channel=adapter.channel,
                                account=account,
                                address=address,
                                region=region,
                                kind=kind,
                                title=title,
                                language=language,
                                status=status,
                                subscribed_by=user.name,
                            )
                        )
                    elif (old.region, old.kind, old.title, old.language) == (
                        region,
                        kind,
                        title,
                        language,
                    ):
                        report.unchanged += 1
                    else:
                        found.append(
                            f"{address} already exists as a group at {old.region} ({old.kind}, "
                            f"{old.status}); change it with `groups move` or fix this row"
                        )
            report.problems.extend(f"{where}: {problem}" for problem in found)
        return new

    @staticmethod
    def _region(
        value: str,
        known_codes: set[str],
        index: RegionIndex | None,
        exact: dict[str, list[str]],
        found: list[str],
    ) -> str | None:
        if not value:
            found.append("region is empty: give a region code or an exact name")
            return None
        if level_of(value) is not None:
            if value in known_codes:
                return value
            found.append(f"unknown region {value} (import regions first)")
            return None
        assert index is not None
        if value not in exact:  # a sheet names the same village on many rows
            exact[value] = [f"{m.name.title()} ({m.code})" for m in index.exact(value)]
        matches = exact[value]
        if len(matches) == 1:
            return matches[0].rsplit("(", 1)[1].rstrip(")")
        if not matches:
            found.append(f"no region is named {value!r}; use its code or its exact name")
        else:
            listed = ", ".join(matches[:5])
            more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
            found.append(
                f"{value!r} names {len(matches)} regions: {listed}{more}; use the code or "
                "add the district or city"
            )
        return None


async def import_groups_file(
    directory: Directory, acting: str, path: Path, check: bool = False, active: bool = False
) -> ImportReport:
    data = await asyncio.to_thread(path.read_bytes)
    return await GroupImporter(directory).run(acting, str(path), data, check, active)
