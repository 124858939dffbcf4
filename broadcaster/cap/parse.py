"""Reading untrusted CAP 1.2 XML: hardened, size-limited, every problem listed.

The XML comes from the network (a feed) or a person (``cap import``), so it is parsed with
defusedxml with DTDs forbidden outright: no entity expansion ("billion laughs"), no external
entities or DTDs (file or network reads), and the size is checked before a byte is parsed.
:func:`parse_alert` then checks the CAP 1.2 required elements and enumerations and raises
:class:`~broadcaster.errors.CapInvalid` naming *every* problem at once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..errors import CapInvalid
from .model import (
    CATEGORIES,
    CERTAINTIES,
    MSG_TYPES,
    NS,
    SCOPES,
    SEVERITIES,
    STATUSES,
    URGENCIES,
    CapAlert,
    CapArea,
    CapInfo,
    CapReference,
)

#: the most bytes of one CAP file read (BMKG's are a few kB; a large one is refused unparsed)
MAX_CAP_BYTES = 512 * 1024
#: the most bytes of a feed index (Atom/RSS listing CAP files)
MAX_INDEX_BYTES = 2 * 1024 * 1024
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


def safe_xml(data: bytes, limit: int, what: str = "CAP alert") -> Element:
    """The root element of ``data``; CapInvalid when it is too large, not XML, or uses a DTD
    or entities (refused before anything is expanded or fetched)."""
    if len(data) > limit:
        raise CapInvalid([f"{what} is {len(data)} bytes; at most {limit} are read"])
    try:
        root: Any = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CapInvalid([f"{what}: unsafe XML refused ({type(exc).__name__})"]) from None
    except ParseError as exc:
        raise CapInvalid([f"{what}: not well-formed XML ({exc})"]) from None
    assert isinstance(root, Element)
    return root


def parse_datetime(text: str) -> datetime:
    """A CAP dateTime (``2026-12-06T14:00:00+07:00``); ValueError without a time zone."""
    value = text.strip()
    if not _DATETIME.match(value):
        raise ValueError(f"{value!r} is not a CAP dateTime (YYYY-MM-DDThh:mm:ss+hh:mm)")
    # "-00:00" is CAP's spelling of UTC; "Z" is forbidden by CAP but tolerated on input
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("-00:00", "+00:00"))
    return parsed.astimezone(UTC) if parsed.utcoffset() is None else parsed


class _Reader:
    """Collects problems while reading elements of the CAP namespace."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    @staticmethod
    def _all(node: Element, name: str) -> list[Element]:
        return node.findall(f"{{{NS}}}{name}")

    def texts(self, node: Element, name: str) -> list[str]:
        return [(e.text or "").strip() for e in self._all(node, name)]

    def text(self, node: Element, name: str, where: str, required: bool = False) -> str | None:
        values = self.texts(node, name)
        if not values or not values[0]:
            if required:
                self.problems.append(f"{where}: required element <{name}> is missing or empty")
            return None
        return values[0]

    def enum(self, node: Element, name: str, where: str, allowed: tuple[str, ...]) -> str:
        value = self.text(node, name, where, required=True)
        if value is not None and value not in allowed:
            self.problems.append(
                f"{where}: <{name}> is {value!r}; CAP 1.2 allows {', '.join(allowed)}"
            )
        return value or ""

    def when(self, node: Element, name: str, where: str, required: bool = False) -> datetime | None:
        value = self.text(node, name, where, required)
        if value is None:
            return None
        try:
            return parse_datetime(value)
        except ValueError as exc:
            self.problems.append(f"{where}: <{name}> {exc}")
            return None

    def info(self, node: Element, n: int) -> CapInfo:
        where = f"info[{n}]"
        categories = tuple(self.texts(node, "category"))
        if not categories:
            self.problems.append(f"{where}: required element <category> is missing")
        for bad in (c for c in categories if c not in CATEGORIES):
            self.problems.append(
                f"{where}: <category> is {bad!r}; CAP 1.2 allows {', '.join(CATEGORIES)}"
            )
        areas = []
        for i, area in enumerate(self._all(node, "area"), 1):
            desc = self.text(area, "areaDesc", f"{where}.area[{i}]", required=True) or ""
            codes = tuple(
                (
                    (g.findtext(f"{{{NS}}}valueName") or "").strip(),
                    (g.findtext(f"{{{NS}}}value") or "").strip(),
                )
                for g in self._all(area, "geocode")
            )
            areas.append(CapArea(area_desc=desc, geocodes=codes))
        return CapInfo(
            language=self.text(node, "language", where) or "en-US",
            categories=categories,
            event=self.text(node, "event", where, required=True) or "",
            urgency=self.enum(node, "urgency", where, URGENCIES),
            severity=self.enum(node, "severity", where, SEVERITIES),
            certainty=self.enum(node, "certainty", where, CERTAINTIES),
            sender_name=self.text(node, "senderName", where),
            headline=self.text(node, "headline", where),
            description=self.text(node, "description", where),
            instruction=self.text(node, "instruction", where),
            web=self.text(node, "web", where),
            effective=self.when(node, "effective", where),
            onset=self.when(node, "onset", where),
            expires=self.when(node, "expires", where),
            areas=tuple(areas),
        )

    def references(self, node: Element) -> tuple[CapReference, ...]:
        value = self.text(node, "references", "alert")
        found = []
        for triple in (value or "").split():
            parts = triple.split(",")
            if len(parts) != 3 or not all(parts):
                self.problems.append(
                    f"alert: <references> entry {triple!r} is not sender,identifier,sent"
                )
                continue
            found.append(CapReference(sender=parts[0], identifier=parts[1], sent=parts[2]))
        return tuple(found)


def parse_alert(data: bytes) -> CapAlert:
    """The CAP 1.2 alert in ``data``; CapInvalid listing every problem (unsafe or malformed
    XML, a wrong root, missing required elements, values outside the enumerations)."""
    root = safe_xml(data, MAX_CAP_BYTES)
    if root.tag != f"{{{NS}}}alert":
        raise CapInvalid([f'the root element is {root.tag!r}, not <alert xmlns="{NS}">'])
    r = _Reader()
    identifier = r.text(root, "identifier", "alert", required=True) or ""
    sender = r.text(root, "sender", "alert", required=True) or ""
    sent = r.when(root, "sent", "alert", required=True)
    status = r.enum(root, "status", "alert", STATUSES)
    msg_type = r.enum(root, "msgType", "alert", MSG_TYPES)
    scope = r.enum(root, "scope", "alert", SCOPES)
    references = r.references(root)
    if msg_type in ("Update", "Cancel") and not references:
        r.problems.append(f"alert: msgType {msg_type} needs <references> (the alert it changes)")
    infos = tuple(r.info(node, n) for n, node in enumerate(r._all(root, "info"), 1))
    if r.problems:
        raise CapInvalid(r.problems)
    assert sent is not None
    return CapAlert(
        identifier=identifier,
        sender=sender,
        sent=sent,
        status=status,
        msg_type=msg_type,
        scope=scope,
        references=references,
        note=r.text(root, "note", "alert"),
        infos=infos,
    )
