"""``broadcaster sandbox whatsapp …``: drive a RUNNING Cloud API emulator from a shell.

The commands call the emulator's admin API (``/_sandbox/...``, see :mod:`.server`): simulated
residents write, press reply buttons, pick list rows; faults make the next sends fail with
Meta's codes (130429 throughput, 131048 spam limit, 368 policy block, …). ``--url`` (default
``$BROADCASTER_SANDBOX_WA_URL``, else ``http://127.0.0.1:8082``, the shipped config's
``sandbox_port``) says where. Every command prints a short summary, or the JSON answer with
``--json``; a refusal prints the emulator's reason and exits 1.

:class:`AdminClient` is shared with the WAHA commands (:mod:`adapters.sandbox.waha.cli`): both
emulators answer plain JSON on their admin routes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx
import typer

from .errors import ERRORS

DEFAULT_URL = "http://127.0.0.1:8082"

app = typer.Typer(
    help="Drive a running WhatsApp Cloud API emulator: residents, replies, buttons, faults.",
    no_args_is_help=True,
)


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@dataclass(frozen=True)
class AdminClient:
    """One emulator's admin API (a fresh connection per call); ``start_hint`` says how to
    start the emulator when nothing answers."""

    url: str
    start_hint: str
    as_json: bool = False

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The JSON answer of one admin call; prints the refusal and exits 1 on a non-2xx."""
        try:
            with httpx.Client(base_url=self.url, timeout=10.0) as client:
                response = client.request(method, path, json=body)
        except httpx.TransportError as exc:
            fail(f"no sandbox answers at {self.url} ({type(exc).__name__}); {self.start_hint}")
        try:
            payload = response.json()
        except ValueError:
            fail(f"{self.url}{path} answered {response.status_code} without JSON")
        if not response.is_success:
            reason = payload.get("error") if isinstance(payload, dict) else None
            fail(f"the sandbox refused ({response.status_code}): {reason or payload}")
        return payload

    def show(self, result: Any, summary: str) -> None:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2) if self.as_json else summary)


def _client(ctx: typer.Context) -> AdminClient:
    client = ctx.obj
    assert isinstance(client, AdminClient)
    return client


@app.callback()
def main(
    ctx: typer.Context,
    url: str = typer.Option(
        DEFAULT_URL, "--url", envvar="BROADCASTER_SANDBOX_WA_URL", help="the emulator's base URL"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the API's JSON answers"),
) -> None:
    """Drive a running WhatsApp Cloud API emulator through its admin API."""
    hint = (
        "start one with `broadcaster run` (a whatsapp account with sandbox = true and "
        "sandbox_port = 8082) or `python -m adapters.sandbox.whatsapp --port 8082`, or pass --url"
    )
    # `broadcaster sandbox --json whatsapp …` works as well as `… whatsapp --json …`
    inherited = bool(getattr(ctx.parent.obj if ctx.parent else None, "as_json", False))
    ctx.obj = AdminClient(url.rstrip("/"), hint, as_json or inherited)


@app.command()
def status(ctx: typer.Context) -> None:
    """Messages accepted, errors answered by code, webhooks delivered, limits."""
    client = _client(ctx)
    stats = client.call("GET", "/_sandbox/stats")
    errors = ", ".join(f"{code}×{n}" for code, n in sorted(stats["errors"].items())) or "none"
    limits = stats["limits"]
    client.show(
        stats,
        f"whatsapp sandbox {client.url}: {stats['accepted']} messages accepted; errors {errors}; "
        f"webhooks {stats['webhooks_sent']} delivered, {stats['webhooks_failed']} failed; "
        f"limit {limits['per_second']:g}/s",
    )


@app.command()
def residents(ctx: typer.Context) -> None:
    """Every simulated resident: number, name, reachable, when they last wrote."""
    client = _client(ctx)
    found = client.call("GET", "/_sandbox/residents")
    lines = [
        f"{r['wa_id']}\t{r['name']}\t{'reachable' if r['reachable'] else 'unreachable'}"
        f"\t{'window open' if r['window_open'] else 'window closed'}"
        for r in found
    ]
    client.show(found, "\n".join(lines) or "no residents")


@app.command("add-resident")
def add_resident(
    ctx: typer.Context,
    name: str,
    wa_id: str | None = typer.Option(None, "--number", help="their number, e.g. 6281234567890"),
    unreachable: bool = typer.Option(
        False, "--unreachable", help="not on WhatsApp: sends fail with 131026"
    ),
    no_reads: bool = typer.Option(False, "--no-reads", help="never send a 'read' receipt"),
) -> None:
    """Create a resident (they have not written yet: only a template reaches them)."""
    client = _client(ctx)
    body: dict[str, Any] = {"name": name, "reachable": not unreachable, "reads": not no_reads}
    if wa_id:
        body["wa_id"] = wa_id.lstrip("+")
    resident = client.call("POST", "/_sandbox/residents", body)
    client.show(resident, str(resident["wa_id"]))


@app.command()
def write(
    ctx: typer.Context,
    number: str,
    text: str,
    reply_to: str | None = typer.Option(None, "--reply-to", help="the message id replied to"),
    forwarded: bool = typer.Option(False, "--forwarded", help="marked as forwarded"),
    image: bool = typer.Option(False, "--image", help="an image with the text as caption"),
) -> None:
    """A resident writes (e.g. "DAFTAR", "2" to vote, "LAPOR <teks>" to report a hoax, any
    reply); opens their 24-hour window."""
    client = _client(ctx)
    body: dict[str, Any] = {"from": number.lstrip("+"), "text": text, "forwarded": forwarded}
    if reply_to:
        body["context"] = reply_to
    if image:
        body["media"] = {"kind": "image"}
    sent = client.call("POST", "/_sandbox/inbound", body)
    client.show(sent, f"inbound {sent['id']} from {number}")


@app.command()
def press(
    ctx: typer.Context,
    number: str,
    choice: str = typer.Argument(..., help="the button's or row's title, or its number (1, 2…)"),
    message: str | None = typer.Option(None, "--message", help="default: the latest poll"),
) -> None:
    """A resident presses a reply button or picks a list row of a poll sent to them."""
    client = _client(ctx)
    to = number.lstrip("+")
    sent = client.call("GET", f"/_sandbox/messages?to={to}")
    polls = [m for m in sent if _choices(m) and (message is None or m["id"] == message)]
    if not polls:
        fail(f"no buttons or list sent to {to}" + (f" in message {message}" if message else ""))
    poll = polls[-1]
    kind, options = _choices(poll)
    picked = _pick(options, choice)
    field = "button" if kind == "button" else "list"
    body = {"from": to, field: picked, "context": poll["id"]}
    answer = client.call("POST", "/_sandbox/inbound", body)
    client.show(answer, f"{to} chose '{picked['title']}' ({picked['id']}) on {poll['id']}")


@app.command()
def messages(
    ctx: typer.Context, to: str | None = typer.Option(None, "--to", help="only to this number")
) -> None:
    """Messages the emulator accepted, oldest first (the last 1000)."""
    client = _client(ctx)
    path = "/_sandbox/messages" + (f"?to={to.lstrip('+')}" if to else "")
    found = client.call("GET", path)
    lines = [f"{m['id']}\t{m['to']}\t{m['type']}\t{_preview(m)}" for m in found]
    client.show(found, "\n".join(lines) or "no messages")


@app.command()
def fault(
    ctx: typer.Context,
    code: int = typer.Argument(..., help="Meta's error code: 130429, 131048, 368, 131026, …"),
    times: int = typer.Option(1, "--times", help="this many sends fail"),
    to: str | None = typer.Option(None, "--to", help="only sends to this number"),
) -> None:
    """The next sends fail with ``code`` and Meta's exact error body."""
    client = _client(ctx)
    body: dict[str, Any] = {"code": code, "times": times}
    if to:
        body["to"] = to.lstrip("+")
    result = client.call("POST", "/_sandbox/faults", body)
    title = ERRORS.get(code, ("an error unknown to the emulator", "", 400))[0]
    scope = f"sends to {body['to']}" if to else "sends"
    client.show(result, f"the next {times} {scope} fail with {code} ({title})")


@app.command()
def configure(
    ctx: typer.Context,
    rate: float | None = typer.Option(None, "--rate", help="messages/s accepted (130429 above)"),
    pair_burst: int | None = typer.Option(None, help="messages to one number in a burst"),
    pair_interval: float | None = typer.Option(None, help="seconds per message to one number"),
    webhook_url: str | None = typer.Option(None, help="where status and inbound webhooks go"),
    statuses: bool | None = typer.Option(
        None, "--statuses/--no-statuses", help="send sent/delivered/read webhooks"
    ),
    expired_token: bool | None = typer.Option(
        None, "--expire-token/--renew-token", help="every send answers 190 (token expired)"
    ),
) -> None:
    """Change limits, the webhook URL, status webhooks, or expire the access token."""
    client = _client(ctx)
    body: dict[str, Any] = {}
    for key, value in (
        ("per_second", rate),
        ("pair_burst", pair_burst),
        ("pair_interval", pair_interval),
        ("webhook_url", webhook_url),
        ("statuses", statuses),
        ("expired_token", expired_token),
    ):
        if value is not None:
            body[key] = value
    if not body:
        fail("nothing to change; see --help")
    result = client.call("POST", "/_sandbox/config", body)
    client.show(result, "changed " + ", ".join(f"{k}={v}" for k, v in body.items()))


@app.command()
def template(
    ctx: typer.Context,
    name: str,
    language: str = typer.Option("id", "--language"),
    params: int = typer.Option(0, "--params", help="body parameters it takes"),
) -> None:
    """Approve a message template (sends of unknown templates answer 132001)."""
    client = _client(ctx)
    result = client.call(
        "POST", "/_sandbox/templates", {"name": name, "language": language, "params": params}
    )
    client.show(result, f"template {name} ({language}, {params} parameters) approved")


def _choices(message: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    """("button" | "list", [{id, title}]) of an interactive message; ("", []) otherwise."""
    interactive = message.get("payload", {}).get("interactive")
    if message.get("type") != "interactive" or not isinstance(interactive, dict):
        return "", []
    action = interactive.get("action", {})
    if interactive.get("type") == "button":
        return "button", [
            {"id": b["reply"]["id"], "title": b["reply"]["title"]} for b in action["buttons"]
        ]
    rows = [row for section in action.get("sections", []) for row in section.get("rows", [])]
    return "list", [{"id": row["id"], "title": row["title"]} for row in rows]


def _pick(options: list[dict[str, str]], choice: str) -> dict[str, str]:
    for option in options:
        if option["title"].casefold() == choice.strip().casefold():
            return option
    if choice.strip().isdigit() and 1 <= int(choice) <= len(options):
        return options[int(choice) - 1]
    fail(f"no choice {choice!r}; the choices are " + ", ".join(o["title"] for o in options))


def _preview(message: dict[str, Any]) -> str:
    payload = message.get("payload", {})
    kind = message.get("type")
    if kind == "text":
        text = str(payload.get("text", {}).get("body", ""))
    elif kind == "interactive":
        text = str(payload.get("interactive", {}).get("body", {}).get("text", ""))
        text += " [" + " | ".join(o["title"] for o in _choices(message)[1]) + "]"
    else:
        text = f"template {payload.get('template', {}).get('name', '')}"
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= 80 else text[:79] + "…"
