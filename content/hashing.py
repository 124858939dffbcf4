"""The canonical form and SHA-256 of an announcement's content.

Approval pins :func:`content_hash`; the dispatcher recomputes it and refuses content whose hash
differs. So two announcements hash equal exactly when they say the same thing to residents, and
any change a resident could notice changes the hash.

Canonical JSON rules (:func:`canonical_json`):

1. The input is the whole :class:`~content.model.Announcement`, every field included, defaults
   and ``null`` too (adding a source where there was none is a change).
2. Objects have their keys sorted by code point; no whitespace anywhere (``","`` and ``":"``
   separators); non-ASCII characters are written as themselves; the result is UTF-8.
3. Every string, including dictionary keys, is Unicode NFC-normalised, so "é" typed as one code
   point or as "e" + combining accent is the same content. Nothing else is done to strings: no
   trimming, no case folding, no newline conversion; in particular whitespace at the end of body
   lines (a Markdown hard break) is kept exactly.
4. Datetimes are converted to UTC and written as ISO 8601 with a ``Z`` suffix:
   ``YYYY-MM-DDTHH:MM:SSZ``, with ``.ffffff`` microseconds only when they are not zero. The same
   instant written in WIB or UTC hashes equal.
5. Enums are written as their values (``"urgent"``); booleans, ``null`` and integers as JSON.
6. Lists keep their order (the order of poll options is what residents see), except the target's
   ``regions``, ``levels``, ``kinds``, ``channels`` and ``exclude``: these are sets, so they are
   written sorted and without duplicates, and picking the same regions in another order does not
   void an approval.
7. ``attachments`` is written only when there are any: it was added to the model later, and
   content without attachments must keep the hash it was approved with. The same holds for the
   target's ``reached_by`` (added later; written sorted and without duplicates when present).
8. ``public_results`` is written only when it is true, for the same reason. It is part of the
   hash because it changes what is published (the poll's results on the public portal): an
   approval of a poll whose results stay private does not cover publishing them.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import UTC, datetime
from enum import Enum

from content.model import Announcement

__all__ = ["canonical_json", "content_hash"]

_TARGET_SET_FIELDS = ("regions", "levels", "kinds", "channels", "exclude")


def canonical_json(a: Announcement) -> bytes:
    """The canonical UTF-8 JSON of ``a`` (rules in the module docstring)."""
    data = _canonical(a.model_dump(mode="python"))
    assert isinstance(data, dict)  # a model always dumps to a dict
    if not data.get("attachments"):
        data.pop("attachments", None)
    if not data.get("public_results"):
        data.pop("public_results", None)
    target = data["target"]
    for name in _TARGET_SET_FIELDS:
        target[name] = sorted(set(target[name]))
    if target.get("reached_by"):
        target["reached_by"] = sorted(set(target["reached_by"]))
    else:
        target.pop("reached_by", None)
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def content_hash(a: Announcement) -> str:
    """Lower-case hex SHA-256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(a)).hexdigest()


def _canonical(value: object) -> object:
    """Rules 3-5 applied recursively to a ``model_dump(mode="python")`` value."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, datetime):
        return _utc_iso(value)
    if isinstance(value, dict):
        return {_canonical_key(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if value is None or isinstance(value, bool | int):
        return value
    raise TypeError(f"no canonical form for {type(value).__name__}")


def _canonical_key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"dictionary keys must be strings, got {type(key).__name__}")
    return unicodedata.normalize("NFC", key)


def _utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        # The model only admits aware datetimes; a naive one here means a bypassed model.
        raise ValueError("cannot hash a naive datetime")
    utc = moment.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat() + "Z"
