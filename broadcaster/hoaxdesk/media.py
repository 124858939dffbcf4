"""Pictures reported through the web form ``/lapor``, kept so verifiers can look at them.

Each picture is one private file (``0600`` in a ``0700`` folder, :mod:`broadcaster.files`)
``<data_dir>/hoax-media/<sha256>.<ext>``, named by the SHA-256 of its bytes: the report refers
to it by its ``media_hash``, and the same picture reported twice is stored once. Only the web
form's pictures are kept (the other channels give the desk an id or a hash, not the bytes).

Retention: :func:`sweep` deletes a picture once no report still holding its personal parts
(``purged_at`` unset) refers to it; the hoax desk's hourly purge runs it after
:func:`~broadcaster.hoaxdesk.verdicts.purge`. A picture younger than :data:`GRACE_SECONDS` is
left alone, and :func:`keep` refreshes the time of a picture reported again, so the sweep does
not delete a picture whose new report is being filed at that moment.

All file work runs in a worker thread (:func:`asyncio.to_thread`), off the event loop.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import time
from pathlib import Path

from ..files import write_private
from ..store.contract import Store

FOLDER = "hoax-media"
#: the picture's type (as the web form validated it from its first bytes) → file extension
EXTENSIONS = {"jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp"}
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
GRACE_SECONDS = 3600.0
DIGEST = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"([0-9a-f]{64})\.(jpg|png|gif|webp)")


def media_dir(data_dir: Path) -> Path:
    """Where the pictures live: ``<data_dir>/hoax-media``."""
    return data_dir / FOLDER


def _path(directory: Path, digest: str, kind: str) -> Path:
    if not DIGEST.fullmatch(digest) or kind not in EXTENSIONS:
        raise ValueError(f"not a picture name: {digest!r}.{kind!r}")
    return directory / f"{digest}.{EXTENSIONS[kind]}"


def _keep(directory: Path, digest: str, kind: str, content: bytes) -> Path:
    path = _path(directory, digest, kind)
    try:
        os.utime(path)  # kept already (content-addressed): only mark it as in use again
        return path
    except FileNotFoundError:
        pass
    partial = directory / f".{digest}.{secrets.token_hex(4)}.part"
    write_private(partial, content)
    os.replace(partial, path)  # atomic: nobody ever reads half a picture
    return path


async def keep(directory: Path, digest: str, kind: str, content: bytes) -> Path:
    """Store ``content`` (a validated picture of type ``kind``, SHA-256 ``digest``) unless it
    is stored already; the file's path."""
    return await asyncio.to_thread(_keep, directory, digest, kind, content)


def _load(directory: Path, digest: str) -> bytes | None:
    if not DIGEST.fullmatch(digest):
        return None
    for ext in EXTENSIONS.values():
        try:
            return (directory / f"{digest}.{ext}").read_bytes()
        except FileNotFoundError:
            continue
    return None


async def load(directory: Path, digest: str) -> bytes | None:
    """The stored picture with this SHA-256, or None."""
    return await asyncio.to_thread(_load, directory, digest)


def _stored(directory: Path) -> dict[str, Path]:
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return {}
    return {m.group(1): directory / n for n in names if (m := _NAME.fullmatch(n))}


async def stored(directory: Path, digests: set[str]) -> set[str]:
    """The ones of ``digests`` that have a stored picture."""
    return set(await asyncio.to_thread(_stored, directory)) & digests


async def in_use(store: Store, digests: set[str]) -> set[str]:
    """The ones of ``digests`` a report not yet purged refers to (by ``media_hash``). Every
    report's case holds the key ``h:<media_hash>``, so the cases are found by index."""
    if not digests:
        return set()
    cases = await store.hoax_candidates(sorted("h:" + d for d in digests))
    used: set[str] = set()
    for case in cases:
        for report in await store.hoax_reports(case.case_id):
            if report.purged_at is None and report.media_hash in digests:
                used.add(report.media_hash)
    return used


def _unlink_old(paths: list[Path], older_than: float) -> int:
    removed = 0
    for path in paths:
        try:
            if path.stat().st_mtime >= older_than:  # reported again meanwhile: keep it
                continue
            path.unlink()
            removed += 1
        except FileNotFoundError:
            continue
    return removed


async def sweep(
    store: Store, directory: Path, *, now: float | None = None, grace: float = GRACE_SECONDS
) -> int:
    """Delete the pictures no unpurged report refers to (older than ``grace`` seconds at
    ``now``); the number deleted."""
    now = time.time() if now is None else now
    files = await asyncio.to_thread(_stored, directory)
    if not files:
        return 0
    unused = set(files) - await in_use(store, set(files))
    paths = [files[d] for d in sorted(unused)]
    return await asyncio.to_thread(_unlink_old, paths, now - grace)
