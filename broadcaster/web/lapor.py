"""The public hoax report form ``/lapor``: what it checks before the hoax desk files a report.

* **CSRF**: the page sets a signed pre-session cookie (``bc_lapor``, path ``/lapor``, one hour)
  and puts an HMAC of it in the form, as the login form does; a POST whose token does not match
  its cookie (a form posted from another site, or an old page) files nothing (403).
* **Rate limit per client address**: at most :data:`PER_ADDRESS` reports per
  :data:`WINDOW_SECONDS` from one address (the TCP peer, or the proxy's ``X-Forwarded-For`` when
  the peer is in ``http.forwarded_allow_ips``), counted in the store (:class:`SharedLimiter`,
  under a SHA-256 of the address), so N web processes and a restarted one allow what one
  would; the web process's own :class:`AddressLimiter` turns a flood away before it reaches the
  database. Two submissions from one address in the same instant, on two processes, can both
  pass the last free place. Enough against a script flooding the desk from one address; a
  distributed flood needs the proxy.
* **Image**: optional; at most :func:`image_limit` bytes (a ``http.max_body`` request is
  refused before the form is read, so the image must fit in it with the form around it); JPEG,
  PNG, GIF or WebP by its first bytes (the browser's content type is not trusted). The hoax desk
  gets its SHA-256 (``media_ref`` ``"sha256:<hex>"`` and ``media_hash``), so the same picture
  reported on any channel joins one case; once the report is filed the bytes are kept as a
  private file for the verifiers (:mod:`broadcaster.hoaxdesk.media`), until retention.
* **Link**: optional, ``http``/``https`` only, at most :data:`MAX_LINK` characters.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from urllib.parse import urlsplit

from ..errors import InputError
from ..store.contract import Store
from .security import sha256_hex

#: reports one client address may file per window
PER_ADDRESS = 5
WINDOW_SECONDS = 600.0
#: addresses remembered at most (the oldest are dropped), so memory stays bounded
MAX_ADDRESSES = 50_000
MAX_TEXT = 4000
MAX_LINK = 2000
#: the largest image accepted, whatever ``http.max_body`` allows
MAX_IMAGE = 5 * 1024 * 1024
#: room for the rest of a multipart form inside ``http.max_body``
FORM_OVERHEAD = 64 * 1024
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


class AddressLimiter:
    """At most ``limit`` events per ``window`` seconds per key (a sliding window)."""

    def __init__(self, limit: int = PER_ADDRESS, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}

    def retry_after(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` may act again (0: now)."""
        now = time.monotonic() if now is None else now
        times = self._seen.get(key)
        if times is None:
            return 0.0
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.limit:
            return 0.0
        return self.window - (now - times[0])

    def hit(self, key: str, now: float | None = None) -> None:
        """Count one event of ``key``."""
        now = time.monotonic() if now is None else now
        times = self._seen.pop(key, None) or deque()
        times.append(now)
        self._seen[key] = times  # most recent last: the first key is the stalest
        while len(self._seen) > MAX_ADDRESSES:
            self._seen.pop(next(iter(self._seen)))


class SharedLimiter:
    """At most ``limit`` events per ``window`` seconds per key, counted in the store for every
    process of the installation (wall-clock time, which the processes share)."""

    def __init__(
        self, store: Store, limit: int = PER_ADDRESS, window: float = WINDOW_SECONDS
    ) -> None:
        self.store = store
        self.limit = limit
        self.window = window

    @staticmethod
    def key(address: str) -> str:
        return sha256_hex(f"lapor\x00{address}")

    async def retry_after(self, address: str, now: float | None = None) -> float:
        """Seconds until ``address`` may report again (0: now)."""
        now = time.time() if now is None else now
        times = await self.store.throttle_events_since(self.key(address), now - self.window)
        if len(times) < self.limit:
            return 0.0
        # the oldest event that still counts must leave the window first
        return max(times[-self.limit] + self.window - now, 0.0)

    async def hit(self, address: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        await self.store.add_throttle_event(self.key(address), now, now - self.window)


def image_limit(max_body: int) -> int:
    """The largest image the form accepts under ``http.max_body``."""
    return max(0, min(MAX_IMAGE, max_body - FORM_OVERHEAD))


def image_kind(content: bytes) -> str | None:
    """``jpeg``, ``png``, ``gif`` or ``webp`` by the file's first bytes; None otherwise."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "webp"
    return next((kind for magic, kind in SIGNATURES if content.startswith(magic)), None)


def check_image(content: bytes, limit: int) -> str:
    """The hex SHA-256 of an acceptable image; InputError ``image_size`` / ``image_type``."""
    if len(content) > limit:
        raise InputError("image_size")
    if image_kind(content) is None:
        raise InputError("image_type")
    return hashlib.sha256(content).hexdigest()


def check_link(link: str) -> str | None:
    """The link, or None when empty; InputError ``link`` when it is not an http(s) URL."""
    link = link.strip()
    if not link:
        return None
    parts = urlsplit(link)
    if len(link) > MAX_LINK or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError("link")
    return link
