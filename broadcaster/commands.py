"""Self-service command words, as people write them on every channel.

WhatsApp users rarely type a leading "/", so ``DAFTAR``, ``daftar`` and ``/daftar`` are the
same command. Without a "/", a word other than DAFTAR must stand alone: in a busy group "Status
banjir di RT 3?" is conversation, not a command. Synonyms map onto one canonical command:
STOP and UNSUBSCRIBE are BERHENTI (WhatsApp requires honouring opt-out words), HELP and START
are BANTUAN.
"""

from __future__ import annotations

import re

CANONICAL: dict[str, str] = {
    "daftar": "daftar",
    "berhenti": "berhenti",
    "stop": "berhenti",
    "unsubscribe": "berhenti",
    "lanjut": "lanjut",
    "status": "status",
    "bantuan": "bantuan",
    "help": "bantuan",
    "start": "bantuan",
}
_FIRST = re.compile(r"(/)?([A-Za-z]+)(?:@\w+)?[.!]?", re.ASCII)


def canonical(command: str) -> str | None:
    """The canonical command for a word ("STOP" → "berhenti"), or None."""
    return CANONICAL.get(command.strip().lstrip("/").lower())


def parse_command(text: str) -> tuple[str, list[str]] | None:
    """``(command, args)`` when ``text`` is a self-service command, else None."""
    words = text.split()
    if not words:
        return None
    found = _FIRST.fullmatch(words[0])
    if found is None:
        return None
    command = canonical(found.group(2))
    if command is None:
        return None
    if found.group(1) is None and command != "daftar" and len(words) > 1:
        return None
    return command, words[1:]
