"""Hoax reports in WhatsApp community groups through WAHA (issue 14).

In a group (``…@g.us``), a message whose first word is ``/lapor`` or ``LAPOR`` (any case) and
that *quotes* another message (WAHA's ``replyTo``: ``{id, participant, body, hasMedia, media
{url, mimetype, filename}}``; ``id`` and ``participant`` may be absent, depending on the engine)
is a ``report`` of the quoted message: its text (``body``) and its media. Answers go to the
group (``direct`` False). Without a quote:

* ``/lapor <teks>`` reports the text;
* a bare ``/lapor`` or ``LAPOR`` is a ``lapor`` ``command``: the core answers with a how-to;
* ``LAPOR <teks>`` without the slash stays an ordinary message: in a busy group "Lapor pak RT,
  jalan rusak" is conversation.

Media: WAHA has no id that stays the same when a file is forwarded around, so the adapter
downloads the quoted file from the gateway (``media.url``, fetched from the configured WAHA
base URL only, at most :data:`MAX_MEDIA` bytes) and reports ``media`` = ``"sha256:<hex>"`` with
``media_hash`` = the hex digest: the same picture quoted in ten groups is one file to the hoax
desk. When the file cannot be had (not downloaded by WAHA, too large, an error) the report
names the quoted message instead (``"waha:<message id>"``) and ``media_hash`` stays None.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from adapters.whatsapp.reports import lapor_rest
from broadcaster.adapter import InboundEvent

log = logging.getLogger(__name__)

#: The largest quoted file the adapter downloads to hash (bytes).
MAX_MEDIA = 20 * 1024 * 1024
#: Hidden data key: the quoted file's URL, replaced by its hash before the core sees the event.
MEDIA_URL_KEY = "media_url"

Fetch = Callable[[str, int], Awaitable[bytes | None]]


def report_event(
    account: str, payload: Mapping[str, Any], chat: str, author: object, at: datetime | None
) -> InboundEvent | None:
    """The ``report`` or how-to ``command`` for a group message, or None when it is neither
    (see the module docstring). A report with quoted media carries the file's URL under
    :data:`MEDIA_URL_KEY` for :func:`with_media_hash`."""
    body = str(payload.get("body") or "")
    rest = lapor_rest(body)
    if rest is None:
        return None
    slash = body.lstrip().startswith("/")
    event_id = str(payload.get("id"))
    quote = payload.get("replyTo")
    if isinstance(quote, Mapping):
        text = str(quote.get("body") or "").strip()
        media = quote.get("media") if quote.get("hasMedia") else None
        url = media.get("url") if isinstance(media, Mapping) else None
        quoted_id = quote.get("id")
        if text or quote.get("hasMedia"):
            data = _data(author, text, None, quoted_id)
            if quote.get("hasMedia"):
                data["media"] = f"waha:{quoted_id or event_id}"
                if isinstance(url, str) and url:
                    data[MEDIA_URL_KEY] = url
            return InboundEvent("report", account, event_id, chat, data, at)
    if rest and slash:
        return InboundEvent(
            "report", account, event_id, chat, _data(author, rest, None, event_id), at
        )
    if rest:
        return None  # "LAPOR <teks>" without a quote: conversation
    howto = {"command": "lapor", "args": [], "user": author, "plain": True, "direct": False}
    return InboundEvent("command", account, event_id, chat, howto, at)


async def with_media_hash(event: InboundEvent, fetch: Fetch) -> InboundEvent:
    """``event`` without the hidden media URL; a report's quoted file hashed when ``fetch``
    (path on the gateway, size limit → bytes or None) gets it."""
    if MEDIA_URL_KEY not in event.data:
        return event
    data = dict(event.data)
    url = str(data.pop(MEDIA_URL_KEY))
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    content = await fetch(path, MAX_MEDIA) if path.startswith("/api/") else None
    if content is not None:
        digest = hashlib.sha256(content).hexdigest()
        data["media"], data["media_hash"] = f"sha256:{digest}", digest
    else:
        log.info("waha: a reported file could not be fetched; reported by its message id")
    return replace(event, data=data)


def _data(author: object, text: str, media: str | None, message_id: object) -> dict[str, Any]:
    return {
        "user": author,
        "text": text,
        "media": media,
        "media_hash": None,
        "direct": False,
        "forwarded": False,
        "message_id": None if message_id is None else str(message_id),
    }
