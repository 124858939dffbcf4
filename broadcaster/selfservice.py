"""Self-service commands from every channel: DAFTAR, BERHENTI, LANJUT, STATUS, BANTUAN.

The inbox hands over every ``command`` event (and every reply, which may be the number that
answers a list of regions). The rules are Telegram's ``/daftar`` for every group channel:

* only a group admin may subscribe, pause or resume (``is_admin``, which the adapter asked the
  provider: Telegram's getChatMember, WAHA's participant roles — never the message); anybody
  else is told that only admins can;
* a subscribed group waits (pending) until an officer or verifier scoped there approves it,
  unless ``auto_approve_subscriptions``; the group is told when it is approved;
* the region is a code or a *name* (:mod:`broadcaster.regionsearch`): one match is used,
  several are listed with numbers to answer with ("2"; the list is kept for
  :data:`CHOICE_TTL` seconds, per person), none gets a hint.

A ``lapor`` command (a hoax report with nothing to report: a bare ``/lapor`` or ``LAPOR``,
issue 14) is answered with a short how-to, whoever sent it.

A ``direct`` event is a 1:1 chat (WhatsApp Cloud API): the writer is the recipient, so they
act for themselves — DAFTAR subscribes them at once (they opted in by writing), BERHENTI (also
STOP, UNSUBSCRIBE) pauses them at once and confirms, as WhatsApp requires.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from content.levels import GROUP_KINDS

from .adapter import InboundEvent
from .commands import canonical
from .errors import Conflict
from .regions import level_of
from .regionsearch import Match, finder_for
from .store.records import AuditRecord, Group, GroupStatus, NewGroup

if TYPE_CHECKING:
    from .inbox import Inbox

#: how-to texts for a bare LAPOR, by (direct, plain words); e-mail says ``howto = "email"``
_LAPOR_HOWTO = {
    (False, False): "lapor.howto_group",
    (True, False): "lapor.howto_direct",
    (False, True): "lapor.howto_plain",
    (True, True): "lapor.howto_direct_plain",
}
CHOICE_TTL = 15 * 60.0
MAX_CHOICES = 9
DIRECT_KIND = "other"


class SelfService:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.store = inbox.store

    # -- entry points --------------------------------------------------------------------
    async def on_joined(self, event: InboundEvent) -> None:
        await self._say(event, self._welcome_key(event), kinds=", ".join(GROUP_KINDS))

    async def on_command(self, event: InboundEvent) -> None:
        command = canonical(str(event.data.get("command", "")))
        args = [str(a) for a in event.data.get("args", [])]
        direct = bool(event.data.get("direct"))
        if event.data.get("command") == "lapor":
            # a report command without anything to report (hoax desk, issue 14): say how
            key = _LAPOR_HOWTO[(direct, bool(event.data.get("plain")))]
            if event.data.get("howto") == "email":
                key = "lapor.howto_email"
            await self._say(event, key)
            return
        if command == "bantuan":
            await self._say(event, self._welcome_key(event), kinds=", ".join(GROUP_KINDS))
            return
        if command is None or event.address is None:
            return
        if not direct and not event.data.get("is_admin"):
            await self._say(event, "bot.admins_only")
            return
        who = "resident" if direct else "group-admin"
        actor = f"{who}:{self.inbox.hash_user(event.account, event.data.get('user'))}"
        group = await self._group(event)
        if command == "daftar":
            await self._daftar(event, args, actor, group)
        elif group is None or group.status is GroupStatus.removed:
            await self._say(event, "ss.direct_not_registered" if direct else "bot.not_registered")
        elif command == "status":
            key = "ss.direct_status" if direct else "bot.status"
            label = await self._label(group.region)
            await self._say(event, key, status=group.status.value, region=label, kind=group.kind)
        else:
            await self._pause_or_resume(event, command, actor, group, direct)

    async def on_reply(self, event: InboundEvent) -> bool:
        """True when the reply was a number answering this person's list of regions."""
        text = str(event.data.get("text", "")).strip().rstrip(".")
        if event.address is None or not text.isdigit() or len(text) > 2:
            return False
        voter = self.inbox.hash_user(event.account, event.data.get("user"))
        payload = await self.store.get_choice(event.account, event.address, voter, time.time())
        if payload is None:
            return False
        await self._answer(event, voter, payload, int(text))
        return True

    # -- DAFTAR --------------------------------------------------------------------------
    async def _daftar(
        self, event: InboundEvent, args: list[str], actor: str, group: Group | None
    ) -> None:
        direct = bool(event.data.get("direct"))
        assert event.address is not None
        voter = self.inbox.hash_user(event.account, event.data.get("user"))
        if not args:
            await self._say(event, "ss.ask_region" if direct else "bot.daftar_usage")
            return
        if len(args) == 1 and args[0].isdigit() and len(args[0]) <= 2:
            payload = await self.store.get_choice(event.account, event.address, voter, time.time())
            if payload is not None:  # "DAFTAR 2" answers the list as well as "2"
                await self._answer(event, voter, payload, int(args[0]))
                return
        kind = DIRECT_KIND if direct else "rt"
        words = list(args)
        if len(words) > 1 and words[-1].lower() in GROUP_KINDS:
            kind = words.pop().lower()
        elif len(words) == 2 and level_of(words[0]) is not None:
            # "/daftar CODE KIND" with a kind that does not exist
            await self._say(event, "bot.unknown_kind", kind=words[1], kinds=", ".join(GROUP_KINDS))
            return
        text = " ".join(words)
        matches = await finder_for(self.store).resolve(text, MAX_CHOICES)
        if not matches:
            if len(words) == 1 and level_of(words[0]) is not None:
                await self._say(event, "bot.unknown_region", code=words[0])
            else:
                await self._say(event, "ss.no_match", text=text)
            return
        if len(matches) == 1:
            await self._subscribe(event, matches[0], kind, actor, group, direct)
            return
        codes = [m.region.code for m in matches]
        payload = json.dumps({"codes": codes, "kind": kind, "actor": actor, "direct": direct})
        await self.store.save_choice(
            event.account, event.address, voter, payload, time.time() + CHOICE_TTL
        )
        options = "\n".join(
            f"{n}. {m.label} ({m.region.code})" for n, m in enumerate(matches, start=1)
        )
        await self._say(event, "ss.choose", options=options)

    async def _answer(self, event: InboundEvent, voter: str, payload: str, number: int) -> None:
        assert event.address is not None
        saved = json.loads(payload)
        codes = [str(c) for c in saved["codes"]]
        if not 1 <= number <= len(codes):
            await self._say(event, "ss.choose_range", count=len(codes))
            return
        await self.store.drop_choice(event.account, event.address, voter)
        matches = await finder_for(self.store).resolve(codes[number - 1])
        if not matches:  # the region went away meanwhile
            await self._say(event, "bot.unknown_region", code=codes[number - 1])
            return
        group = await self._group(event)
        kind, actor, direct = str(saved["kind"]), str(saved["actor"]), bool(saved["direct"])
        await self._subscribe(event, matches[0], kind, actor, group, direct)

    async def _subscribe(
        self,
        event: InboundEvent,
        match: Match,
        kind: str,
        actor: str,
        group: Group | None,
        direct: bool,
    ) -> None:
        assert event.address is not None
        code, label = match.region.code, f"{match.label} ({match.region.code})"
        status = GroupStatus.active if direct or self.inbox.auto_approve else GroupStatus.pending
        if group is not None:
            if group.status is GroupStatus.active:
                key = "ss.direct_status" if direct else "bot.status"
                current = await self._label(group.region)
                await self._say(event, key, status="active", region=current, kind=group.kind)
                return
            await self.store.update_group(
                group.id,
                AuditRecord(
                    actor=actor,
                    action="group.resubscribe",
                    object_type="group",
                    object_id=str(group.id),
                    detail={"region": code},
                ),
                status=status,
                region=code,
                kind=kind,
            )
        else:
            try:
                await self.store.add_group(
                    NewGroup(
                        channel=self.inbox.adapters[event.account].channel,
                        account=event.account,
                        address=event.address,
                        region=code,
                        kind=kind,
                        title=str(event.data.get("title", "")),
                        status=status,
                        subscribed_by=actor,
                    ),
                    AuditRecord(
                        actor=actor,
                        action="group.add",
                        object_type="group",
                        object_id="",
                        detail={"region": code, "via": "direct" if direct else "bot"},
                    ),
                )
            except Conflict:
                return  # a concurrent DAFTAR for the same chat won
        if direct:
            await self._say(event, "ss.direct_subscribed", region=label)
        elif status is GroupStatus.active:
            await self._say(event, "bot.approved", region=label)
        else:
            await self._say(event, "bot.pending", region=label, kind=kind)

    # -- BERHENTI / LANJUT ---------------------------------------------------------------
    async def _pause_or_resume(
        self, event: InboundEvent, command: str, actor: str, group: Group, direct: bool
    ) -> None:
        pausing = command == "berhenti"
        target = GroupStatus.paused if pausing else GroupStatus.active
        allowed_from = GroupStatus.active if pausing else GroupStatus.paused
        if direct and group.status is target:
            # an opt-out is confirmed every time it is asked for, even when already out
            key = "ss.direct_paused" if pausing else "ss.direct_resumed"
            await self._say(event, key, region=await self._label(group.region))
            return
        if group.status is not allowed_from:
            await self._say(event, "bot.cannot_now", status=group.status.value)
            return
        via = "direct" if direct else "bot"
        await self.store.update_group(
            group.id,
            AuditRecord(
                actor=actor,
                action=f"group.{target.value}",
                object_type="group",
                object_id=str(group.id),
                detail={"via": via},
            ),
            status=target,
        )
        if direct:
            key = "ss.direct_paused" if pausing else "ss.direct_resumed"
            await self._say(event, key, region=await self._label(group.region))
        else:
            await self._say(event, "bot.paused" if pausing else "bot.resumed")

    # -- helpers -------------------------------------------------------------------------
    def _welcome_key(self, event: InboundEvent) -> str:
        if event.data.get("direct"):
            return "ss.welcome_direct"
        return "ss.welcome_plain" if event.data.get("plain") else "bot.welcome"

    async def _group(self, event: InboundEvent) -> Group | None:
        assert event.address is not None
        channel = self.inbox.adapters[event.account].channel
        return await self.store.find_group(channel, event.account, event.address)

    async def _label(self, code: str) -> str:
        found = await finder_for(self.store).resolve(code)
        return f"{found[0].label} ({code})" if found else code

    async def _say(self, event: InboundEvent, key: str, **params: object) -> None:
        await self.inbox._say(event, key, **params)
