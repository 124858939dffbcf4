"""The public portal's content: what residents may read without logging in (docs/portal.md).

Entries are built only from announcements that went out (the store's portal listing, see
:class:`~broadcaster.store.contract.portal.PortalStore`); the feeds (Atom 1.0, RFC 4287, and
JSON Feed 1.1) are built from the same entries, so a feed can never show more than the pages.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from content.markup import parse
from content.markup.render import to_plain

from .errors import NotFound
from .portal_results import Cell, child_level, public_table
from .regions import level_of, parent_code, require_level
from .store.contract import Store
from .store.contract.portal import PortalItem
from .store.records import AnnouncementRecord, Region

SUMMARY_CHARS = 240
ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


@dataclass(frozen=True)
class Entry:
    """One announcement as the portal shows it."""

    code: str
    title: str
    summary: str
    body: str  # the Markdown subset, as approved
    source: str | None
    priority: str
    published: datetime
    regions: tuple[tuple[str, str], ...]  # target (code, name)
    public_results: bool

    @property
    def path(self) -> str:
        return f"/v/{self.code}"


@lru_cache(maxsize=4096)
def summary_of(body: str) -> str:
    """The body as plain text, cut at a word near :data:`SUMMARY_CHARS` (cached: an approved
    body never changes, and parsing it is most of what a portal page costs)."""
    text = " ".join(to_plain(parse(body).document).split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS].rsplit(" ", 1)[0]
    return cut + "…"


async def entries(
    store: Store,
    lang: str,
    *,
    now: float,
    region: str | None = None,
    query: str = "",
    limit: int = 20,
    offset: int = 0,
) -> list[Entry]:
    """The newest published announcements (see ``PortalStore.portal_items``) in ``lang``."""
    items = await store.portal_items(
        now=now, region=region, query=query.strip()[:100], limit=limit, offset=offset
    )
    codes = sorted({c for i in items for c in i.announcement.content.target.regions})
    names = await store.get_regions(codes)
    return [_entry(item, lang, names) for item in items]


def _entry(item: PortalItem, lang: str, names: dict[str, Region]) -> Entry:
    content = item.announcement.content
    variant = content.variant(lang)
    return Entry(
        code=item.announcement.short_code,
        title=variant.title,
        summary=summary_of(variant.body),
        body=variant.body,
        source=content.source,
        priority=content.priority.value,
        published=datetime.fromtimestamp(item.published_at, UTC),
        regions=tuple(
            (code, names[code].name if code in names else code) for code in content.target.regions
        ),
        public_results=content.public_results and content.poll is not None,
    )


async def region_path(store: Store, code: str) -> list[Region]:
    """``code`` and its ancestors, the top first; NotFound for an unknown or malformed code."""
    try:
        require_level(code)
    except Exception:
        raise NotFound(f"no region {code!r}") from None
    chain = [code]
    while (parent := parent_code(chain[-1])) is not None:
        chain.append(parent)
    found = await store.get_regions(chain)
    if code not in found:
        raise NotFound(f"no region {code!r}")
    return [found[c] for c in reversed(chain) if c in found]


def atom(entries: list[Entry], *, title: str, base: str, self_path: str, page_path: str) -> bytes:
    """An Atom 1.0 feed of ``entries``; links are absolute on ``base`` (service.public_url)."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", base + self_path)
    sub(feed, "title", title)
    updated = max((e.published for e in entries), default=datetime(2020, 1, 1, tzinfo=UTC))
    sub(feed, "updated", _iso(updated))
    sub(feed, "link", rel="self", href=base + self_path, type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=base + page_path, type="text/html")
    author = sub(feed, "author")
    sub(author, "name", "Dinas Kominfo Banten")
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", base + e.path)
        sub(entry, "title", e.title)
        sub(entry, "updated", _iso(e.published))
        sub(entry, "published", _iso(e.published))
        sub(entry, "link", rel="alternate", href=base + e.path, type="text/html")
        sub(entry, "summary", e.summary)
        for code, name in e.regions:
            sub(entry, "category", term=code, label=name)
        if e.source:
            contributor = sub(entry, "contributor")
            sub(contributor, "name", e.source)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def json_feed(entries: list[Entry], *, title: str, base: str, self_path: str, lang: str) -> str:
    """A JSON Feed 1.1 document of ``entries``."""
    feed = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": base + "/",
        "feed_url": base + self_path,
        "language": lang,
        "authors": [{"name": "Dinas Kominfo Banten"}],
        "items": [
            {
                "id": base + e.path,
                "url": base + e.path,
                "title": e.title,
                "content_text": e.body,
                "summary": e.summary,
                "date_published": _iso(e.published),
                "tags": [name for _, name in e.regions],
                **({"authors": [{"name": e.source}]} if e.source else {}),
            }
            for e in entries
        ],
    }
    return json.dumps(feed, ensure_ascii=False)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ResultRow:
    code: str | None  # None: the merged "other regions" row
    name: str
    counts: tuple[int, ...]
    answered: int
    reached: int
    drill: bool  # the row's own table may be opened

    @property
    def rate(self) -> int:
        """Groups that answered, in percent of groups reached."""
        return round(100 * self.answered / self.reached) if self.reached else 0


@dataclass(frozen=True)
class ResultsView:
    """One public results table of an announcement's poll (rules: broadcaster.portal_results)."""

    region: str | None
    region_name: str
    question: str
    options: list[str]
    total: ResultRow
    rows: list[ResultRow]
    other: ResultRow | None
    up: str | None  # the parent table's region, for a link back
    min_count: int


PUBLISHED = ("dispatching", "done")


async def public_results(
    store: Store, record: AnnouncementRecord, region: str | None, lang: str, min_count: int
) -> ResultsView | None:
    """The results table of ``region`` (None: the top), or None when the announcement does not
    publish its results, has not gone out, or the table may not be shown."""
    content = record.content
    if not content.public_results or content.poll is None or record.status not in PUBLISHED:
        return None
    if region is not None and level_of(region) is None:
        return None
    question, options = content.poll.text_for(lang)
    multiple = content.poll.multiple
    tallies = await store.poll_tally(record.id, len(options))
    found = public_table(tallies, region, len(options), multiple, min_count)
    if region is None and found is not None and len(found.rows) == 1 and found.other is None:
        region = found.rows[0].code  # one province: start at its table
        found = public_table(tallies, region, len(options), multiple, min_count)
    if found is None:
        return None
    names = await store.get_regions([c.code for c in found.rows if c.code] + [region or ""])
    has_children = child_level(region) is not None

    def row(cell: Cell, name: str) -> ResultRow:
        drill = cell.code is not None and cell.code != region and has_children
        return ResultRow(cell.code, name, cell.counts, cell.answered, cell.reached, drill)

    def name_of(code: str | None) -> str:
        return names[code].name.title() if code and code in names else (code or "")

    return ResultsView(
        region=region,
        region_name=name_of(region),
        question=question,
        options=options,
        total=row(found.total, name_of(region)),
        rows=[row(c, name_of(c.code)) for c in found.rows],
        other=row(found.other, "") if found.other else None,
        up=parent_code(region) if region and parent_code(region) else None,
        min_count=min_count,
    )


__all__ = [
    "Entry",
    "ResultRow",
    "ResultsView",
    "atom",
    "entries",
    "json_feed",
    "public_results",
    "region_path",
    "summary_of",
]
