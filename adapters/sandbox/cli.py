"""``broadcaster sandbox``: play the community of a RUNNING Telegram sandbox from a shell.

The commands talk to the emulator's admin HTTP API (``/sandbox/...``, see
:mod:`adapters.sandbox.telegram.admin`), so they work against the emulator that
``broadcaster run`` starts for a ``sandbox = true`` account (give it ``sandbox_port = 8081``)
or a standalone one (``python -m adapters.sandbox.telegram --port 8081``). ``--url`` (default
``$BROADCASTER_SANDBOX_URL``, else ``http://127.0.0.1:8081``) says where; ``--admin-token``
(``$BROADCASTER_SANDBOX_ADMIN_TOKEN``) is sent as a bearer token when the emulator asks for one.

A session, from an empty emulator to a subscribed group::

    broadcaster sandbox create-group "RT 001 / RW 001 Tajur" --admin "Bu Siti" --member "Pak Joko"
    broadcaster sandbox add-bot -4100000001            # the only bot, added by the group's creator
    broadcaster sandbox command -4100000001 6100000001 "/daftar 3671010001.RW001.RT001 rt"
    broadcaster sandbox messages -4100000001           # what the bot answered
    broadcaster sandbox vote 5720000000000000001 6100000002 0
    broadcaster sandbox reply -4100000001 6100000002 7 "/lapor"   # report message 7 as a hoax
    broadcaster sandbox forward 6100000002 -4100000001 7          # ... or forward it privately
    broadcaster sandbox fault rate-limit --count 20    # a 429 storm on the next 20 sends

Every command prints a short human summary, or the API's JSON with ``--json``. A refused action
prints the emulator's reason and exits 1; an unreachable emulator says how to start one.

The other channels' sandboxes have their own sub-commands (docs/whatsapp.md, docs/email.md):
``broadcaster sandbox whatsapp …`` (Cloud API emulator: residents, replies, buttons, faults),
``broadcaster sandbox waha …`` (WAHA emulator: groups, poll votes, session drops, faults) and
``broadcaster sandbox mail …`` (the mail a sandbox email account caught).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import typer

from .email.cli import app as mail_app
from .waha.cli import app as waha_app
from .whatsapp.cli import app as whatsapp_app

DEFAULT_URL = "http://127.0.0.1:8081"

app = typer.Typer(
    help="Drive a running sandbox: Telegram (these commands), whatsapp, waha, mail (sub-commands).",
    no_args_is_help=True,
)
app.add_typer(whatsapp_app, name="whatsapp")
app.add_typer(waha_app, name="waha")
app.add_typer(mail_app, name="mail")
#: Group ids are negative ("-4100000001"): let them through as arguments, not as options.
_ARGS_MAY_BE_NEGATIVE = {"ignore_unknown_options": True}


@dataclass(frozen=True)
class Sandbox:
    """A client of one emulator's admin API (a fresh connection per command)."""

    url: str
    admin_token: str | None = None
    as_json: bool = False

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The ``result`` of one admin call; prints the error and exits 1 on refusal."""
        headers = {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}
        try:
            with httpx.Client(base_url=self.url, headers=headers, timeout=10.0) as client:
                response = client.request(method, path, json=body)
        except httpx.TransportError as exc:
            _fail(
                f"no sandbox answers at {self.url} ({type(exc).__name__}); start one with "
                "`broadcaster run` (a sandbox account with sandbox_port = 8081) or "
                "`python -m adapters.sandbox.telegram --port 8081`, or pass --url"
            )
        try:
            payload = response.json()
        except ValueError:
            _fail(f"{self.url}{path} answered {response.status_code} without JSON")
        if not isinstance(payload, dict) or not payload.get("ok"):
            reason = payload.get("error") if isinstance(payload, dict) else payload
            _fail(f"the sandbox refused: {reason}")
        return payload.get("result")

    def show(self, result: Any, summary: str) -> None:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2) if self.as_json else summary)

    def bot_ref(self, username: str | None, bot: str | None) -> str | int:
        """The bot named by ``--bot`` (token or id) or ``--bot-username``; with neither, the
        emulator's only bot."""
        if bot:
            return bot
        bots: list[dict[str, Any]] = self.call("GET", "/sandbox/bots")
        if username:
            wanted = username.removeprefix("@").lower()
            for record in bots:
                if str(record.get("username", "")).lower() == wanted:
                    return int(record["id"])
            _fail(f"no bot @{wanted}; known: {_usernames(bots)}")
        if len(bots) != 1:
            _fail(f"{len(bots)} bots registered ({_usernames(bots)}); name one with --bot-username")
        return int(bots[0]["id"])

    def creator(self, chat: int) -> int:
        roster: dict[str, str] = self.call("GET", f"/sandbox/chats/{chat}")["roster"]
        for user, status in roster.items():
            if status == "creator":
                return int(user)
        _fail(f"chat {chat} has no creator; pass --by USER")
        raise AssertionError("unreachable")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _usernames(bots: list[dict[str, Any]]) -> str:
    return ", ".join(f"@{b.get('username')}" for b in bots) or "none"


def _sb(ctx: typer.Context) -> Sandbox:
    sandbox = ctx.obj
    assert isinstance(sandbox, Sandbox)
    return sandbox


BotUsername = typer.Option(None, "--bot-username", help="the bot by username (@optional)")
BotToken = typer.Option(None, "--bot", help="the bot by token or id")
By = typer.Option(None, "--by", help="acting user id (default: the group's creator)")


@app.callback()
def main(
    ctx: typer.Context,
    url: str = typer.Option(
        DEFAULT_URL, "--url", envvar="BROADCASTER_SANDBOX_URL", help="the emulator's base URL"
    ),
    admin_token: str | None = typer.Option(
        None, "--admin-token", envvar="BROADCASTER_SANDBOX_ADMIN_TOKEN", help="admin API token"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the API's JSON answers"),
) -> None:
    """Drive a running Telegram sandbox through its admin API."""
    ctx.obj = Sandbox(url.rstrip("/"), admin_token, as_json)


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def status(ctx: typer.Context) -> None:
    """The emulator's URL, bots and counters."""
    sb = _sb(ctx)
    bots = sb.call("GET", "/sandbox/bots")
    stats = sb.call("GET", "/sandbox/stats")
    refused = stats["status_counts"].get("429", 0)
    summary = (
        f"sandbox {sb.url}: bots {_usernames(bots)}; {stats['requests']} requests, "
        f"{stats['sends_accepted']} sends accepted, {refused} answered 429"
    )
    sb.show({"bots": bots, "stats": stats}, summary)


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def chats(ctx: typer.Context) -> None:
    """Every group and supergroup: id, type, members, messages from bots, title."""
    sb = _sb(ctx)
    result = sb.call("GET", "/sandbox/chats")
    lines = [
        f"{c['id']}\t{c['type']}\t{len(c['roster'])} members\t{c['bot_messages']} bot messages"
        f"\t{c.get('title', '')}" + (f"\t→ {c['migrated_to']}" if "migrated_to" in c else "")
        for c in result
    ]
    sb.show(result, "\n".join(lines) or "no groups yet")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def users(ctx: typer.Context) -> None:
    """Every simulated resident: id and name."""
    sb = _sb(ctx)
    result = sb.call("GET", "/sandbox/users")
    sb.show(result, "\n".join(f"{u['id']}\t{u['first_name']}" for u in result) or "no users")


@app.command("add-user", context_settings=_ARGS_MAY_BE_NEGATIVE)
def add_user(ctx: typer.Context, name: str, username: str | None = None) -> None:
    """Create a resident; prints the new user id."""
    sb = _sb(ctx)
    body: dict[str, Any] = {"first_name": name}
    if username:
        body["username"] = username
    user = sb.call("POST", "/sandbox/users", body)
    sb.show(user, str(user["id"]))


@app.command("create-group", context_settings=_ARGS_MAY_BE_NEGATIVE)
def create_group(
    ctx: typer.Context,
    title: str,
    admin: str = typer.Option(..., "--admin", help="name of the group's creator (a new user)"),
    member: list[str] = typer.Option([], "--member", help="a member's name (repeatable)"),
    supergroup: bool = typer.Option(False, "--supergroup", help="a supergroup (-100...)"),
) -> None:
    """Create a group with a new admin (its creator) and new members; prints the ids."""
    sb = _sb(ctx)
    creator = sb.call("POST", "/sandbox/users", {"first_name": admin})
    members = [sb.call("POST", "/sandbox/users", {"first_name": name}) for name in member]
    body = {
        "title": title,
        "type": "supergroup" if supergroup else "group",
        "creator": creator["id"],
        "members": [m["id"] for m in members],
    }
    chat = sb.call("POST", "/sandbox/groups", body)
    people = ", ".join(f"{m['first_name']} {m['id']}" for m in members) or "none"
    sb.show(
        {"chat": chat, "admin": creator, "members": members},
        f"group {chat['id']} '{title}': admin {creator['first_name']} {creator['id']}; "
        f"members {people}",
    )


@app.command("add-bot", context_settings=_ARGS_MAY_BE_NEGATIVE)
def add_bot(
    ctx: typer.Context,
    chat: int,
    bot_username: str | None = BotUsername,
    bot: str | None = BotToken,
    by: int | None = By,
    as_admin: bool = typer.Option(False, "--as-admin", help="add the bot as an administrator"),
) -> None:
    """Add the bot to a group (the bot gets my_chat_member and posts its welcome)."""
    sb = _sb(ctx)
    ref = sb.bot_ref(bot_username, bot)
    body = {"bot": ref, "by_user": by if by is not None else sb.creator(chat), "as_admin": as_admin}
    result = sb.call("POST", f"/sandbox/chats/{chat}/bot", body)
    sb.show(result, f"bot {ref} added to {chat}")


@app.command("remove-bot", context_settings=_ARGS_MAY_BE_NEGATIVE)
def remove_bot(
    ctx: typer.Context,
    chat: int,
    bot_username: str | None = BotUsername,
    bot: str | None = BotToken,
    by: int | None = By,
    leave: bool = typer.Option(False, "--leave", help="'left' instead of 'kicked'"),
) -> None:
    """Remove the bot from a group (kicked, unless --leave)."""
    sb = _sb(ctx)
    ref = sb.bot_ref(bot_username, bot)
    body = {"bot": ref, "by_user": by if by is not None else sb.creator(chat), "ban": not leave}
    result = sb.call("POST", f"/sandbox/chats/{chat}/bot/remove", body)
    sb.show(result, f"bot {ref} {'left' if leave else 'kicked from'} {chat}")


@app.command("add-member", context_settings=_ARGS_MAY_BE_NEGATIVE)
def add_member(
    ctx: typer.Context,
    chat: int,
    name: str,
    admin: bool = typer.Option(False, "--admin", help="make them an administrator"),
) -> None:
    """A new resident joins the group; prints their user id."""
    sb = _sb(ctx)
    user = sb.call("POST", "/sandbox/users", {"first_name": name})
    status_ = "administrator" if admin else "member"
    sb.call("POST", f"/sandbox/chats/{chat}/members", {"user_id": user["id"], "status": status_})
    sb.show(user, str(user["id"]))


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def message(
    ctx: typer.Context,
    chat: int,
    user: int,
    text: str,
    reply_to: int | None = typer.Option(None, "--reply-to", help="message id to reply to"),
) -> None:
    """A member writes in the group."""
    sb = _sb(ctx)
    body: dict[str, Any] = {"user_id": user, "text": text}
    if reply_to is not None:
        body["reply_to_message_id"] = reply_to
    sent = sb.call("POST", f"/sandbox/chats/{chat}/messages", body)
    sb.show(sent, f"message {sent['message_id']} in {chat}")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def command(ctx: typer.Context, chat: int, user: int, text: str) -> None:
    """A member sends a bot command, e.g. "/daftar 3671010001.RW001.RT001 rt"."""
    sb = _sb(ctx)
    words = text.split()
    if not words:
        _fail("the command is empty")
    body = {"user_id": user, "command": words[0].removeprefix("/"), "args": words[1:]}
    sent = sb.call("POST", f"/sandbox/chats/{chat}/commands", body)
    sb.show(sent, f"message {sent['message_id']} in {chat}: {sent.get('text', '')}")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def reply(ctx: typer.Context, chat: int, user: int, message_id: int, text: str) -> None:
    """A member replies to a message (e.g. the bot's announcement)."""
    sb = _sb(ctx)
    body = {"user_id": user, "text": text, "reply_to_message_id": message_id}
    sent = sb.call("POST", f"/sandbox/chats/{chat}/messages", body)
    sb.show(sent, f"reply {sent['message_id']} to {message_id} in {chat}")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def media(
    ctx: typer.Context,
    chat: int,
    user: int,
    kind: str = typer.Option("photo", "--kind", help="photo, document or video"),
    caption: str | None = typer.Option(None, "--caption"),
) -> None:
    """A member posts a photo, document or video (e.g. a hoax picture to report)."""
    sb = _sb(ctx)
    body: dict[str, Any] = {"user_id": user, "kind": kind, "caption": caption}
    sent = sb.call("POST", f"/sandbox/chats/{chat}/media", body)
    sb.show(sent, f"{kind} {sent['message_id']} in {chat}")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def forward(
    ctx: typer.Context,
    user: int,
    chat: int,
    message_id: int,
    username: str | None = typer.Option(None, "--bot-username", help="default: the only bot"),
) -> None:
    """The user forwards a message of ``chat`` into their private chat with the bot (a hoax
    report: the bot answers with a case code)."""
    sb = _sb(ctx)
    body = {"bot": sb.bot_ref(username, None), "from_chat_id": chat, "message_id": message_id}
    sent = sb.call("POST", f"/sandbox/private/{user}/forward", body)
    sb.show(sent, f"forwarded {message_id} of {chat} to the bot as {sent['message_id']}")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def vote(
    ctx: typer.Context,
    poll: str,
    user: int,
    options: list[int] = typer.Argument(None, help="option indexes; none retracts the vote"),
) -> None:
    """A member votes (again to change the vote; with no options to retract it)."""
    sb = _sb(ctx)
    chosen = list(options or [])
    result = sb.call(
        "POST", f"/sandbox/polls/{poll}/votes", {"user_id": user, "option_ids": chosen}
    )
    sb.show(result, _poll_line(result))


@app.command("poll", context_settings=_ARGS_MAY_BE_NEGATIVE)
def poll_state(ctx: typer.Context, poll: str) -> None:
    """A poll's counts and voters."""
    sb = _sb(ctx)
    result = sb.call("GET", f"/sandbox/polls/{poll}")
    voters = ", ".join(f"{u}→{o}" for u, o in result.get("votes", {}).items()) or "none"
    sb.show(result, f"{_poll_line(result)}\nvoters: {voters}")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def messages(ctx: typer.Context, chat: int, bot: str | None = BotToken) -> None:
    """What bots sent to a group, oldest first (polls with their id and counts)."""
    sb = _sb(ctx)
    path = f"/sandbox/chats/{chat}/messages" + (f"?bot={bot}" if bot else "")
    result = sb.call("GET", path)
    lines = []
    for item in result:
        poll = item.get("poll")
        body = _poll_line(poll) if poll else str(item.get("text", "")).replace("\n", " ⏎ ")
        lines.append(f"#{item['message_id']}\t{body}")
    sb.show(result, "\n".join(lines) or f"no bot messages in {chat}")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def fault(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help="rate-limit (429), server-error (5xx), slow, drop"),
    count: int | None = typer.Option(None, help="hit this many requests, then stop"),
    seconds: float | None = typer.Option(None, help="stay active this long"),
    retry_after: int = typer.Option(5, help="429: seconds to wait"),
    status_code: int = typer.Option(502, "--status", help="server-error: the 5xx status"),
    delay_ms: float = typer.Option(0.0, help="slow: added delay"),
    method: list[str] = typer.Option(["send*"], help="Bot API methods hit (repeatable)"),
    chat: int | None = typer.Option(None, help="only requests to this chat"),
) -> None:
    """Inject a fault into the Bot API (a 429 storm, 5xx answers, slow or dropped requests)."""
    sb = _sb(ctx)
    name = kind.replace("-", "_")
    body: dict[str, Any] = {"kind": name, "methods": method, "retry_after": retry_after}
    body |= {"status": status_code, "delay_ms": delay_ms}
    for key, value in (("count", count), ("seconds", seconds), ("chat_id", chat)):
        if value is not None:
            body[key] = value
    rule = sb.call("POST", "/sandbox/faults", body)
    sb.show(rule, f"fault {rule['id']}: {name} on {', '.join(rule['methods'])}")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def faults(
    ctx: typer.Context, clear: bool = typer.Option(False, "--clear", help="remove them all")
) -> None:
    """The active fault rules (or remove them all with --clear)."""
    sb = _sb(ctx)
    if clear:
        sb.show(sb.call("DELETE", "/sandbox/faults"), "faults cleared")
        return
    rules = sb.call("GET", "/sandbox/faults")
    lines = [f"{r['id']}\t{r['kind']}\t{r['hits']} hits\t{', '.join(r['methods'])}" for r in rules]
    sb.show(rules, "\n".join(lines) or "no faults")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def kick(
    ctx: typer.Context,
    chat: int,
    bot_username: str | None = BotUsername,
    bot: str | None = BotToken,
) -> None:
    """The group's creator kicks the bot (later sends get 403)."""
    sb = _sb(ctx)
    ref = sb.bot_ref(bot_username, bot)
    result = sb.call("POST", "/sandbox/faults", {"kind": "kick", "chat_id": chat, "bot": ref})
    sb.show(result, f"bot {ref} kicked from {chat}")


@app.command(context_settings=_ARGS_MAY_BE_NEGATIVE)
def migrate(ctx: typer.Context, chat: int) -> None:
    """Upgrade a basic group to a supergroup (its old id then answers 400 migrate)."""
    sb = _sb(ctx)
    result = sb.call("POST", "/sandbox/faults", {"kind": "migrate", "chat_id": chat})
    sb.show(result, f"group {chat} is now supergroup {result['id']}")


def _poll_line(poll: dict[str, Any]) -> str:
    counts = " ".join(f"{o['text']}={o['voter_count']}" for o in poll.get("options", []))
    state = "closed" if poll.get("is_closed") else "open"
    kind = "anonymous" if poll.get("is_anonymous") else "public"
    return f"poll {poll['id']} '{poll.get('question', '')}': {counts} ({state}, {kind})"
