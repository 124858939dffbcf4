"""Files only the service's own user can read.

The data directory holds the database (resident hashes, session and token hashes, the audit
log), the salt that keys every HMAC of the installation, outboxes and the demo password. It is
created ``0700`` and every file in it ``0600``, whatever the process's umask; files an older
version left readable to others are tightened when they are opened again.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) owner-only. An existing folder is left as it is:
    it may be shared (``data_dir = "."``); the files in it are private either way."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        with contextlib.suppress(OSError):
            os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists and only its owner can read or write it."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path)
    else:
        os.close(fd)
    return path


def tighten(path: Path) -> None:
    """Drop group and other permissions of an existing file (nothing when it is missing)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)


def write_private(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``data`` to a new owner-only file (``replace``: drop an old one first)."""
    private_dir(path.parent)
    if replace:
        path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


__all__ = ["DIR_MODE", "FILE_MODE", "private_dir", "private_file", "tighten", "write_private"]
