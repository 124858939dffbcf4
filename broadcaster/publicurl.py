"""``service.public_url``: the one base of every link the service hands out — "Cek keaslian"
verification links (/v/CODE), email vote and unsubscribe links, webhook addresses registered
with providers.

The https rule, stated once: a link that reaches people or providers outside this machine must
be ``https://``; plain ``http://`` is accepted only while every account that uses it runs in
sandbox mode (the offline demo at ``http://127.0.0.1:8080``). :func:`link_base` applies it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .errors import ConfigError

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"
HTTPS_RULE = (
    "links leave this machine, so service.public_url must be an https:// address that "
    "residents and providers can reach (plain http only while every account is a sandbox)"
)


def normalise_public_url(value: str) -> str:
    """``value`` without a trailing slash; ValueError unless it is an absolute http(s) URL
    without query or fragment."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an absolute http(s) URL")
    if parts.query or parts.fragment:
        raise ValueError(f"{value!r}: no query or fragment in the public URL")
    return url


def link_base(public_url: str, sandbox: bool, who: str) -> str:
    """The base of ``who``'s links, or ConfigError when the https rule forbids it."""
    try:
        url = normalise_public_url(public_url)
    except ValueError as exc:
        raise ConfigError(f"{who}: service.public_url: {exc}") from None
    if not sandbox and not url.startswith("https://"):
        raise ConfigError(f"{who}: service.public_url is {url!r}; {HTTPS_RULE}")
    return url


__all__ = ["DEFAULT_PUBLIC_URL", "HTTPS_RULE", "link_base", "normalise_public_url"]
