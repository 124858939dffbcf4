"""``broadcaster sandbox waha …``: drive a RUNNING WAHA gateway emulator from a shell.

The commands call the emulator's admin API (``/_sandbox/...``, see :mod:`.server`): create
community groups, add the number to one (it greets the group) or remove it, change a member's
role, let a member write or vote in a native poll (again to change the vote), drop
or restore the session, inject WhatsApp's ban precursors (463 reach-out timelock, 475 message
capping). ``--url`` (default ``$BROADCASTER_SANDBOX_WAHA_URL``, else ``http://127.0.0.1:8083``,
the shipped config's ``sandbox_port``) says where; ``--json`` prints the JSON answers.
"""

from __future__ import annotations

from typing import Any

import typer

from ..whatsapp.cli import AdminClient, fail

DEFAULT_URL = "http://127.0.0.1:8083"
#: WAHA's session states; anything but WORKING pauses the number
STATUSES = ("WORKING", "STARTING", "SCAN_QR_CODE", "FAILED", "STOPPED")

app = typer.Typer(
    help="Drive a running WAHA gateway emulator: groups, members, polls, session, faults.",
    no_args_is_help=True,
)


def _client(ctx: typer.Context) -> AdminClient:
    client = ctx.obj
    assert isinstance(client, AdminClient)
    return client


@app.callback()
def main(
    ctx: typer.Context,
    url: str = typer.Option(
        DEFAULT_URL,
        "--url",
        envvar="BROADCASTER_SANDBOX_WAHA_URL",
        help="the emulator's base URL",
    ),
    as_json: bool = typer.Option(False, "--json", help="print the API's JSON answers"),
) -> None:
    """Drive a running WAHA emulator through its admin API."""
    hint = (
        "start one with `broadcaster run` (a waha account with sandbox = true and "
        "sandbox_port = 8083), or pass --url"
    )
    # `broadcaster sandbox --json whatsapp …` works as well as `… whatsapp --json …`
    inherited = bool(getattr(ctx.parent.obj if ctx.parent else None, "as_json", False))
    ctx.obj = AdminClient(url.rstrip("/"), hint, as_json or inherited)


@app.command()
def status(ctx: typer.Context) -> None:
    """Session state, messages sent, errors answered, webhooks delivered."""
    client = _client(ctx)
    stats = client.call("GET", "/_sandbox/stats")
    errors = ", ".join(f"{code}×{n}" for code, n in sorted(stats["errors"].items())) or "none"
    client.show(
        stats,
        f"waha sandbox {client.url}: session {stats['status']}; {stats['sent']} messages sent; "
        f"errors {errors}; webhooks {stats['webhooks_sent']} delivered, "
        f"{stats['webhooks_failed']} failed",
    )


@app.command()
def groups(ctx: typer.Context) -> None:
    """Every simulated group: id, members, name (and whether the number is in it)."""
    client = _client(ctx)
    found = client.call("GET", "/_sandbox/groups")
    lines = [
        f"{g['id']}\t{len(g['members'])} members\t{g['name']}"
        + ("" if g["joined"] else "\t(number not in it)")
        for g in found
    ]
    client.show(found, "\n".join(lines) or "no groups")


@app.command("create-group")
def create_group(
    ctx: typer.Context,
    name: str,
    members: int = typer.Option(5, "--members", help="simulated members besides the number"),
    without_number: bool = typer.Option(
        False, "--without-number", help="the number is not in it yet (see add-number)"
    ),
) -> None:
    """A community group; prints its id and the members' ids. The first member listed created
    the group: WAHA reports them as its superadmin (they may DAFTAR it)."""
    client = _client(ctx)
    body = {"name": name, "members": members, "joined": not without_number}
    group = client.call("POST", "/_sandbox/groups", body)
    people = ", ".join(group["people"]) or "none"
    client.show(
        group, f"group {group['id']} '{name}': members {people} (the first is its superadmin)"
    )


@app.command("add-number")
def add_number(ctx: typer.Context, chat: str) -> None:
    """Someone adds the number to the group: the gateway posts ``group.v2.join`` and the
    service greets the group with the commands."""
    client = _client(ctx)
    result = client.call("POST", f"/_sandbox/groups/{chat}/number", {"action": "add"})
    client.show(result, f"the number was added to {chat}")


@app.command("remove-number")
def remove_number(ctx: typer.Context, chat: str) -> None:
    """Someone removes the number from the group (``group.v2.leave``)."""
    client = _client(ctx)
    result = client.call("POST", f"/_sandbox/groups/{chat}/number", {"action": "remove"})
    client.show(result, f"the number was removed from {chat}")


@app.command()
def role(
    ctx: typer.Context,
    chat: str,
    member: str = typer.Argument(..., help="the member's id (…@c.us)"),
    new_role: str = typer.Argument(..., metavar="ROLE", help="participant | admin | superadmin"),
) -> None:
    """Promote or demote a member (only admins may DAFTAR, BERHENTI, LANJUT)."""
    client = _client(ctx)
    result = client.call(
        "POST", f"/_sandbox/groups/{chat}/role", {"member": member, "role": new_role}
    )
    client.show(result, f"{member} is now {new_role} in {chat}")


@app.command()
def write(
    ctx: typer.Context,
    chat: str,
    text: str,
    author: str | None = typer.Option(None, "--from", help="member id (default: the last)"),
    reply_to: str | None = typer.Option(None, "--reply-to", help="the message id quoted"),
) -> None:
    """A member writes in the group ("2" votes in the group's latest poll; "LAPOR" quoting a
    message with --reply-to reports it as a hoax)."""
    client = _client(ctx)
    body: dict[str, Any] = {"chatId": chat, "text": text}
    if author:
        body["from"] = author
    if reply_to:
        body["replyTo"] = reply_to
    sent = client.call("POST", "/_sandbox/message", body)
    client.show(sent, f"message {sent['id']} in {chat}")


@app.command()
def vote(
    ctx: typer.Context,
    chat: str,
    author: str = typer.Argument(..., help="the member's id (…@c.us)"),
    choices: list[str] = typer.Argument(..., help="option texts or numbers (1, 2…)"),
    poll: str | None = typer.Option(None, "--poll", help="default: the group's latest poll"),
) -> None:
    """A member votes in a native poll (voting again replaces their vote)."""
    client = _client(ctx)
    sent = client.call("GET", f"/_sandbox/messages?chatId={chat}")
    polls = [m for m in sent if m["kind"] == "poll" and (poll is None or m["id"] == poll)]
    if not polls:
        fail(f"no poll sent to {chat}" + (f" with id {poll}" if poll else ""))
    target = polls[-1]
    options = [str(o) for o in target["body"]["poll"]["options"]]
    picked = [_option(options, choice) for choice in choices]
    body = {"pollId": target["id"], "from": author, "options": picked}
    result = client.call("POST", "/_sandbox/vote", body)
    client.show(result, f"{author} voted {', '.join(picked)} in poll {target['id']}")


@app.command()
def session(
    ctx: typer.Context,
    state: str = typer.Argument(..., help=" | ".join(STATUSES)),
) -> None:
    """Set the session state (a drop: FAILED or STOPPED; WORKING restores it). The gateway
    posts ``session.status``; sends answer 422 until it is WORKING again."""
    client = _client(ctx)
    wanted = state.upper()
    if wanted not in STATUSES:
        fail(f"unknown session state {state!r}; use one of {', '.join(STATUSES)}")
    result = client.call("POST", "/_sandbox/session", {"status": wanted})
    client.show(result, f"session {result['status']}")


@app.command()
def fault(
    ctx: typer.Context,
    code: int = typer.Argument(..., help="463 (reach-out timelock), 475 (capping), or HTTP"),
    times: int = typer.Option(1, "--times", help="this many sends fail"),
) -> None:
    """The next sends fail: 463/475 as WAHA relays WhatsApp's refusals (500 "server returned
    error N"), any other code as that HTTP status."""
    client = _client(ctx)
    result = client.call("POST", "/_sandbox/faults", {"code": code, "times": times})
    client.show(result, f"the next {times} sends fail with {code}")


@app.command()
def messages(
    ctx: typer.Context, chat: str | None = typer.Option(None, "--chat", help="only this group")
) -> None:
    """What the number sent, oldest first (the last 1000)."""
    client = _client(ctx)
    found = client.call("GET", "/_sandbox/messages" + (f"?chatId={chat}" if chat else ""))
    lines = []
    for m in found:
        if m["kind"] == "poll":
            poll = m["body"]["poll"]
            text = f"poll '{poll['name']}': {' | '.join(map(str, poll['options']))}"
        else:
            text = str(m["body"].get("text", "")).replace("\n", " ⏎ ")
        lines.append(f"{m['id']}\t{m['chatId']}\t{text[:80]}")
    client.show(found, "\n".join(lines) or "no messages")


@app.command()
def configure(
    ctx: typer.Context,
    webhook_url: str | None = typer.Option(None, help="where the gateway posts events"),
    hmac_key: str | None = typer.Option(None, help="sign webhooks with this key (sha512)"),
) -> None:
    """Change where webhooks go or the key signing them."""
    client = _client(ctx)
    body = {k: v for k, v in (("webhook_url", webhook_url), ("hmac_key", hmac_key)) if v}
    if not body:
        fail("nothing to change; see --help")
    result = client.call("POST", "/_sandbox/config", body)
    client.show(result, "changed " + ", ".join(body))


def _option(options: list[str], choice: str) -> str:
    for option in options:
        if option.casefold() == choice.strip().casefold():
            return option
    if choice.strip().isdigit() and 1 <= int(choice) <= len(options):
        return options[int(choice) - 1]
    fail(f"no option {choice!r}; the options are {', '.join(options)}")
