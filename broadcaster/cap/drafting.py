"""From a CAP alert to the content of a draft announcement.

* priority from urgency × severity (:data:`PRIORITY_TABLE`, also in docs/emergency.md);
* the ``id``/``id-ID`` info block is the Indonesian variant; another language becomes its own
  variant (``en-US`` → ``en``); without an Indonesian block the first block fills ``id`` too and
  the verifier is told it needs translating;
* the target from the areas: geocodes that are our region codes (BMKG's dotted
  ``36.73.03.1001`` is ``3673031001``), else the ``areaDesc`` names, each looked up *exactly*
  (no typo forgiven) in the region index; a name that matches no region or several is listed
  as a note on the draft for the verifier, never guessed. Nothing found: the feed's default
  target.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from content.model import Announcement, Priority, Target, Variant

from ..regions import is_within, level_of
from ..regionsearch import RegionFinder
from ..store.records import Region
from .model import CapAlert, CapInfo

#: (urgency, severity) → priority; a pair not listed is ``normal``. Immediate/Expected danger
#: that is Extreme/Severe is an emergency (it goes out in quiet hours, first in the queue).
PRIORITY_TABLE: Mapping[tuple[str, str], Priority] = {
    ("Immediate", "Extreme"): Priority.emergency,
    ("Immediate", "Severe"): Priority.emergency,
    ("Expected", "Extreme"): Priority.emergency,
    ("Expected", "Severe"): Priority.emergency,
    ("Immediate", "Moderate"): Priority.urgent,
    ("Expected", "Moderate"): Priority.urgent,
    ("Future", "Extreme"): Priority.urgent,
    ("Future", "Severe"): Priority.urgent,
}
#: an areaDesc lists names separated by commas, semicolons, new lines or "dan"/"and"
_AREA_SPLIT = re.compile(r"\s*(?:,|\bdan\b|\band\b)\s*", re.IGNORECASE)
_PARTS = re.compile(r"\s*(?:[;\n]|\)\s*,)\s*")
_GROUPED = re.compile(r"^\s*([^:(),]+?)\s*[:(]\s*([^)]*)\)?\s*$")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~|#])")
_LINE_START = re.compile(r"^(\s*)([-+]|\d+[.)])(\s)", re.MULTILINE)
TITLE_MAX = 200


def priority_of(urgency: str, severity: str) -> Priority:
    return PRIORITY_TABLE.get((urgency, severity), Priority.normal)


def md_escape(text: str) -> str:
    """``text`` as literal Markdown (the announcement body is our Markdown subset: a ``*`` in
    a warning must not turn into emphasis)."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}{m.group(3)}", escaped)


def language_of(info: CapInfo) -> str:
    """``id-ID``/``id``/``in`` → ``id``; ``en-US`` → ``en``: the variant key."""
    primary = info.language.split("-")[0].lower()
    return "id" if primary in ("id", "in") else primary


def area_names(desc: str) -> list[str]:
    """The place names of an ``areaDesc``. "Kota Serang: Cipocok Jaya, Curug" and "Kota Serang
    (Cipocok Jaya, Curug)" name each place with its parent ("Curug Kota Serang"), so a name
    found in several regencies resolves to the one meant."""
    names: list[str] = []
    for part in _PARTS.split(desc):
        grouped = _GROUPED.match(part)
        if grouped:
            parent = grouped.group(1).strip()
            names += [f"{n} {parent}" for n in _AREA_SPLIT.split(grouped.group(2)) if n.strip()]
        else:
            names += [n for n in _AREA_SPLIT.split(part) if n.strip()]
    return [n.strip() for n in names]


def region_code(value: str) -> str | None:
    """A geocode value as one of our region codes (dots and spaces dropped), or None."""
    code = value.replace(".", "").replace(" ", "")
    return code if level_of(code) is not None else None


@dataclass(frozen=True, kw_only=True)
class AreaResult:
    regions: list[str]
    #: areaDesc names that were not resolved, each with why ("not found" / the candidates)
    unresolved: list[str]


def _outermost(found: list[Region]) -> list[Region]:
    """A district and its namesake village (Kasemen, Kel. Kasemen) are one place to warn: the
    district covers the village. Regions in different places stay ambiguous."""
    return [r for r in found if not any(o is not r and is_within(r.code, o.code) for o in found)]


async def resolve_areas(alert: CapAlert, finder: RegionFinder) -> AreaResult:
    """Region codes of the alert's areas (every info block's), and the names left for a
    person."""
    index = await finder.index()
    regions: list[str] = []
    unresolved: list[str] = []
    for info in alert.infos:
        for area in info.areas:
            codes = [c for _, v in area.geocodes if (c := region_code(v)) in index.position]
            if codes:
                regions += codes
                continue
            unresolved += [
                f"geocode {name} {value} is not one of our region codes"
                for name, value in area.geocodes
            ]
            for name in area_names(area.area_desc):
                found = _outermost(index.exact(name))
                if len(found) == 1:
                    regions.append(found[0].code)
                    continue
                why = (
                    "several regions: " + ", ".join(f"{r.code} {r.name}" for r in found[:5])
                    if found
                    else "no region with this name"
                )
                note = f"{name.strip()} ({why})"
                if note not in unresolved:
                    unresolved.append(note)
    return AreaResult(regions=sorted(set(regions)), unresolved=unresolved)


def _variant(info: CapInfo) -> Variant:
    title = (info.headline or info.event).strip()[:TITLE_MAX]
    parts = [p.strip() for p in (info.description, info.instruction) if p and p.strip()]
    return Variant(title=title, body=md_escape("\n\n".join(parts) or title))


def variants_of(alert: CapAlert) -> tuple[dict[str, Variant], list[str]]:
    """The announcement's variants and notes for the verifier."""
    variants: dict[str, Variant] = {}
    for info in alert.infos:
        variants.setdefault(language_of(info), _variant(info))
    notes: list[str] = []
    if "id" not in variants and alert.infos:
        variants["id"] = _variant(alert.infos[0])
        notes.append(
            f"no Indonesian (id-ID) info block: the {alert.infos[0].language} text stands in "
            "the Indonesian variant; translate it before approving"
        )
    return variants, notes


def main_info(alert: CapAlert) -> CapInfo | None:
    """The Indonesian info block, else the first."""
    for info in alert.infos:
        if language_of(info) == "id":
            return info
    return alert.infos[0] if alert.infos else None


def content_of(
    alert: CapAlert, areas: AreaResult, default_target: Sequence[str]
) -> tuple[Announcement, list[str]]:
    """The draft's content and the notes the verifier must see."""
    info = main_info(alert)
    if info is None:
        raise ValueError("a CAP alert without an <info> block has no content to draft")
    variants, notes = variants_of(alert)
    regions = areas.regions or list(default_target)
    notes += [f"area not resolved: {u}" for u in areas.unresolved]
    if not areas.regions:
        notes.append(
            "no area resolved to a region: the feed's default target "
            f"{', '.join(default_target) or '(none)'} is used; check it"
        )
    content = Announcement(
        variants=variants,
        priority=priority_of(info.urgency, info.severity),
        source=info.sender_name or alert.sender,
        expires_at=info.expires,
        target=Target(regions=regions),
    )
    return content, notes
