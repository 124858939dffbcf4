"""Which URLs a CAP feed may make us fetch (server-side request forgery guard).

An index (Atom/RSS) comes from the network, so a compromised or spoofed index could list any
URL — ``http://127.0.0.1:5432/``, a cloud metadata endpoint — and make the service request it.
The rule: a link is fetched only when it is on the feed's own origin (scheme, host and port of
``url``; an ``http`` feed may also go to ``https`` on the same host), or on a host the feed
lists in ``allowed_hosts`` (``host`` = that host on the scheme's default port, ``host:port`` =
exactly that port). An ``https`` feed never fetches ``http`` (no downgrade). Redirects are
followed by hand, each hop checked against the same rule (:func:`fetch_checked`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urljoin, urlsplit

import httpx

from ..errors import InboundError, LinkRefused

DEFAULT_PORTS = {"http": 80, "https": 443}
#: redirects followed for one request (each checked)
MAX_REDIRECTS = 5

#: a rule: the reason a URL may not be fetched, or None when it may
Check = Callable[[str], str | None]


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL; None for another scheme or no host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number or out of range
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else DEFAULT_PORTS[scheme]


def host_of(url: str) -> str:
    """``host`` or ``host:port`` (when not the scheme's default) of ``url``, for messages."""
    origin = _origin(url)
    if origin is None:
        return urlsplit(url).netloc or url
    scheme, host, port = origin
    return host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"


def origin_rule(feed_url: str, allowed_hosts: Sequence[str] = ()) -> Check:
    """The rule for links of the feed at ``feed_url``: a function giving the reason a URL is
    refused (None: it may be fetched). ``allowed_hosts`` entries are ``host`` or ``host:port``."""
    home = _origin(feed_url)
    allowed = [entry.lower() for entry in allowed_hosts]

    def check(url: str) -> str | None:
        there = _origin(url)
        if there is None:
            return "not an http(s) URL"
        scheme, host, port = there
        if home is None:
            return "the feed's own URL is not http(s)"
        if home[0] == "https" and scheme == "http":
            return f"https → http downgrade to {host_of(url)}"
        if there == home:
            return None
        if home[0] == "http" and scheme == "https" and host == home[1]:
            return None  # the same host upgraded to https
        default = DEFAULT_PORTS[scheme]
        if f"{host}:{port}" in allowed or (port == default and host in allowed):
            return None
        return f"host {host_of(url)} is not the feed's host nor in its allowed_hosts"

    return check


async def fetch_checked(
    client: httpx.AsyncClient,
    url: str,
    limit: int,
    headers: dict[str, str],
    seconds: float,
    check: Check,
) -> tuple[httpx.Response, bytes]:
    """GET ``url`` reading at most ``limit`` bytes; redirects (whatever the client's setting)
    are followed by hand, at most :data:`MAX_REDIRECTS`, each target checked by ``check``
    first: :class:`LinkRefused` for a refused URL or target (never requested),
    :class:`InboundError` for HTTP errors, too large a body or a redirect loop."""
    for _ in range(MAX_REDIRECTS + 1):
        reason = check(url)
        if reason is not None:
            raise LinkRefused(url, reason)
        try:
            async with client.stream(
                "GET", url, headers=headers, timeout=seconds, follow_redirects=False
            ) as response:
                if response.has_redirect_location:
                    url = urljoin(url, response.headers["location"].strip())
                    continue
                return response, await _body(response, url, limit)
        except httpx.HTTPError as exc:
            raise InboundError(f"{url}: {type(exc).__name__}: {exc}") from exc
    raise InboundError(f"{url}: more than {MAX_REDIRECTS} redirects; not followed")


async def _body(response: httpx.Response, url: str, limit: int) -> bytes:
    if response.status_code == 304:
        return b""
    if response.status_code >= 400:
        raise InboundError(f"{url}: HTTP {response.status_code}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise InboundError(f"{url}: larger than {limit} bytes; not read")
        chunks.append(chunk)
    return b"".join(chunks)
