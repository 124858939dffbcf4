"""``broadcaster sandbox mail …``: read the mail a sandbox email account's SMTP server caught.

A ``sandbox = true`` email account keeps every accepted message as ``data_dir/email/ACCOUNT/
NNNNNN.eml`` (see :class:`~adapters.sandbox.email.SmtpSandbox`); these commands read that folder
(``--dir``, default ``$BROADCASTER_SANDBOX_MAIL_DIR``, else ``var/email``, the shipped config's;
sub-folders included), so they work while ``broadcaster run`` is running and after it stopped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import typer

DEFAULT_DIR = "var/email"

app = typer.Typer(help="Read the mail caught by sandbox email accounts.", no_args_is_help=True)


@dataclass(frozen=True)
class Caught:
    """One caught message: its number (1 = oldest), file and parsed content."""

    number: int
    path: Path
    message: EmailMessage

    def row(self) -> dict[str, Any]:
        m = self.message
        return {
            "number": self.number,
            "file": str(self.path),
            "to": str(m.get("To", "")),
            "subject": str(m.get("Subject", "")),
            "date": str(m.get("Date", "")),
            "message_id": str(m.get("Message-ID", "")),
        }


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def caught(folder: Path, to: str | None = None) -> list[Caught]:
    """Every ``.eml`` under ``folder``, oldest first (by modification time, then name)."""
    if not folder.is_dir():
        _fail(
            f"no mail folder {folder}; a sandbox email account writes to data_dir/email/ACCOUNT "
            "once `broadcaster run` started it (pass --dir)"
        )
    files = sorted(folder.rglob("*.eml"), key=lambda p: (p.stat().st_mtime, str(p)))
    out = []
    for number, path in enumerate(files, start=1):
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        if to is None or to.lower() in str(parsed.get("To", "")).lower():
            out.append(Caught(number, path, parsed))
    return out


def _folder(ctx: typer.Context) -> Path:
    folder = ctx.obj
    assert isinstance(folder, Path)
    return folder


@app.callback()
def main(
    ctx: typer.Context,
    folder: Path = typer.Option(
        Path(DEFAULT_DIR),
        "--dir",
        envvar="BROADCASTER_SANDBOX_MAIL_DIR",
        help="the folder the sandbox SMTP server writes to (sub-folders included)",
    ),
) -> None:
    """Read the mail caught by sandbox email accounts."""
    ctx.obj = folder


@app.command("list")
def list_(
    ctx: typer.Context,
    to: str | None = typer.Option(None, "--to", help="only mail to this address"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Caught messages, oldest first: number, recipient, subject."""
    found = caught(_folder(ctx), to)
    if as_json:
        typer.echo(json.dumps([c.row() for c in found], ensure_ascii=False, indent=2))
        return
    lines = [
        f"{c.number}\t{c.message.get('To', '')}\t{c.message.get('Subject', '')}" for c in found
    ]
    typer.echo("\n".join(lines) or "no mail")


@app.command()
def show(
    ctx: typer.Context,
    number: int = typer.Argument(..., help="the number `list` printed"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """One message: its headers, plain-text body and the links in it (vote, unsubscribe)."""
    found = {c.number: c for c in caught(_folder(ctx))}
    if number not in found:
        _fail(f"no message {number}; there are {len(found)}")
    item = found[number]
    m = item.message
    part = m.get_body(("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    links = re.findall(r"https?://[^\s<>\"]+", text)
    headers = {k: str(v) for k, v in m.items()}
    if as_json:
        row = {**item.row(), "headers": headers, "text": text, "links": links}
        typer.echo(json.dumps(row, ensure_ascii=False, indent=2))
        return
    wanted = ("From", "To", "Subject", "Date", "Message-ID", "Reply-To", "List-Unsubscribe")
    head = "\n".join(f"{k}: {headers[k]}" for k in wanted if k in headers)
    typer.echo(f"{head}\n\n{text.rstrip()}")
