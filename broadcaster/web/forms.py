"""The announcement editor's form fields ⇄ :class:`~content.model.Announcement`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from content.model import Announcement

from ..errors import ContentInvalid

_SPLIT = re.compile(r"[\s,;]+")


def _codes(text: str) -> list[str]:
    return [c for c in _SPLIT.split(text.strip()) if c]


def _local_time(text: str, field: str, timezone: str, problems: list[str]) -> str | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"{field}: not a date and time (YYYY-MM-DDTHH:MM): {text!r}")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.isoformat()


def _ids(text: str, problems: list[str]) -> list[int]:
    try:
        return [int(v) for v in text.split()]
    except ValueError:
        problems.append(f"target.reached_by: dispatch ids are numbers: {text!r}")
        return []


def content_from_form(
    form: Mapping[str, Any], lists: Mapping[str, list[str]], tz: str
) -> Announcement:
    """Build the content from the editor's fields; ContentInvalid lists every shape problem.

    ``lists`` holds the multi-valued fields (checkboxes): kinds, channels, levels.
    """
    problems: list[str] = []

    def text(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    variants: dict[str, Any] = {"id": {"title": text("title_id"), "body": text("body_id")}}
    if text("title_en").strip() or text("body_en").strip():
        variants["en"] = {"title": text("title_en"), "body": text("body_en")}
    poll: dict[str, Any] | None = None
    question = text("poll_question").strip()
    if question:
        options = [line.strip() for line in text("poll_options").splitlines() if line.strip()]
        poll = {"question": question, "options": options, "multiple": bool(text("poll_multiple"))}
        closes = _local_time(text("poll_closes_at"), "poll.closes_at", tz, problems)
        if closes:
            poll["closes_at"] = closes
    data: dict[str, Any] = {
        "variants": variants,
        "poll": poll,
        "priority": text("priority") or "normal",
        "source": text("source").strip() or None,
        "expires_at": _local_time(text("expires_at"), "expires_at", tz, problems),
        "public_results": bool(poll and text("public_results")),
        "target": {
            "regions": _codes(text("regions")),
            "exclude": _codes(text("exclude")),
            "kinds": list(lists.get("kinds", [])),
            "channels": list(lists.get("channels", [])),
            "levels": list(lists.get("levels", [])),
            # kept through an edit: a notice to the groups earlier dispatches reached
            "reached_by": _ids(text("reached_by"), problems),
        },
    }
    if problems:
        raise ContentInvalid(problems)
    try:
        return Announcement.model_validate(data)
    except ValidationError as exc:
        raise ContentInvalid(
            [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        ) from None


def form_from_content(content: Announcement, tz: str) -> dict[str, Any]:
    """The editor's field values for existing content."""
    zone = ZoneInfo(tz)
    en = content.variants.get("en")
    poll = content.poll
    return {
        "title_id": content.variants["id"].title if "id" in content.variants else "",
        "body_id": content.variants["id"].body if "id" in content.variants else "",
        "title_en": en.title if en else "",
        "body_en": en.body if en else "",
        "priority": content.priority.value,
        "source": content.source or "",
        "expires_at": (
            content.expires_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
            if content.expires_at
            else ""
        ),
        "regions": " ".join(content.target.regions),
        "exclude": " ".join(content.target.exclude),
        "kinds": list(content.target.kinds),
        "channels": list(content.target.channels),
        "levels": [v.value for v in content.target.levels],
        "reached_by": " ".join(str(d) for d in content.target.reached_by),
        "poll_question": poll.question if poll else "",
        "poll_options": "\n".join(poll.options) if poll else "",
        "poll_multiple": bool(poll and poll.multiple),
        "public_results": content.public_results,
        "poll_closes_at": (
            poll.closes_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
            if poll and poll.closes_at
            else ""
        ),
    }


EMPTY_FORM: dict[str, Any] = {
    "title_id": "",
    "body_id": "",
    "title_en": "",
    "body_en": "",
    "priority": "normal",
    "source": "",
    "expires_at": "",
    "regions": "",
    "exclude": "",
    "kinds": [],
    "channels": [],
    "levels": [],
    "reached_by": "",
    "poll_question": "",
    "poll_options": "",
    "poll_multiple": False,
    "public_results": False,
    "poll_closes_at": "",
}
