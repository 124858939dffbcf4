"""Inbound events: deduplicated, then applied — subscriptions, votes, replies, joins, leaves.

Adapters turn provider updates into :class:`~broadcaster.adapter.InboundEvent` and hand them to
:meth:`Inbox.handle`. Event kinds and their ``data``:

=============  ================================================================================
joined         the bot/number was added to ``address``: ``title``
left           it was removed from ``address``, or the address bounced: ``reason`` (optional,
               default "bot removed"); the group is marked removed
migrated       ``address`` became ``new_address`` (Telegram supergroup upgrade)
command        ``command`` (without "/"), ``args`` (list), ``user`` (raw id), ``is_admin`` (bool,
               checked by the adapter with the provider, e.g. getChatMember); ``direct``
               (a 1:1 chat: the writer acts for themselves), ``plain`` (commands are plain
               words there); handled by :mod:`broadcaster.selfservice`
vote           ``poll_id``, ``user`` (raw id), ``options`` (list of indexes; empty = retracted)
               or ``option_texts`` (the options' texts, as WhatsApp polls report them)
poll_counts    ``poll_id``, ``counts`` (list per option) — anonymous polls
reply          ``address``, ``user`` (raw id), ``text`` — a reply to one of our messages; a
               reply that is just an option number ("2") to a group whose latest poll has that
               option is a vote in that poll instead (polls sent as text: "Balas 1 / 2 / 3")
status         provider receipt for one message we sent: ``message_id``, ``status`` (sent,
               delivered, read, failed), ``error`` (failed only); updates its delivery
report         a resident reports a suspicious message (hoax desk, :mod:`broadcaster.hoaxdesk`):
               ``user`` (raw id), ``text`` (the reported text or caption; may be "" with
               media), ``media`` (provider media reference or "sha256:<hex>", or None),
               ``media_hash`` (hex sha256 of the bytes, or None), ``direct`` (1:1 chat or
               e-mail: answer privately; else the group ``address``), ``forwarded`` (bool),
               ``message_id`` (optional); answered at once with the case code, later with
               the verdict (notices to ``address``)
skipped        an update the adapter skipped (unreadable, or failing again and again) so later
               ones flow: ``ref`` (the provider's reference), ``reason`` (never the content);
               logged once and kept as a dead letter (``/metrics``, ``/healthz``)
=============  ================================================================================

Raw user ids are replaced by a salted hash before anything is stored (personal data minimised).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from collections.abc import Mapping
from pathlib import Path

from content.i18n import t

from .adapter import Adapter, InboundEvent
from .errors import InputError
from .files import tighten, write_private
from .hoaxdesk.batch import ReportBatcher
from .hoaxdesk.intake import DEFAULT_SIMILARITY, ReportIn
from .hoaxdesk.verdicts import public_case_url
from .inbox_batch import VoteBatcher
from .publicurl import DEFAULT_PUBLIC_URL
from .selfservice import SelfService
from .store.contract import InboundVote, Store, VoteOutcome
from .store.contract.hoaxes import HoaxStatus, VerdictStatus
from .store.records import AuditRecord, GroupStatus

log = logging.getLogger(__name__)

SECRET_ENV = "BROADCASTER_SECRET"
POLL_WAIT_ROUNDS = 10
POLL_WAIT_SECONDS = 0.2
#: a reply that is only an option number: "2", " 2. ", "(2)"
NUMBER_REPLY = re.compile(r"^\s*\(?\s*(\d{1,2})\s*[.)]?\s*$")


def load_salt(data_dir: Path) -> bytes:
    """The secret salt for hashing user ids: $BROADCASTER_SECRET, else a random one kept in
    ``data_dir/.salt`` (created with owner-only permissions)."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode("utf-8")
    path = data_dir / ".salt"
    if path.exists():
        tighten(path)
        return path.read_bytes()
    salt = secrets.token_bytes(32)
    write_private(path, salt)
    return salt


class Inbox:
    def __init__(
        self,
        store: Store,
        adapters: Mapping[str, Adapter],
        salt: bytes,
        auto_approve: bool = False,
        *,
        hoax_similarity: float = DEFAULT_SIMILARITY,
        public_url: str = DEFAULT_PUBLIC_URL,
    ) -> None:
        self.store = store
        self.hoax_similarity = hoax_similarity  # [hoax] similarity
        self.public_url = public_url  # service.public_url: links in the hoax desk's answers
        self.adapters = adapters
        self.salt = salt
        self.auto_approve = auto_approve
        self.votes = VoteBatcher(store)
        self.selfservice = SelfService(self)
        self.reports = ReportBatcher(store, salt, hoax_similarity)

    def hash_user(self, account: str, raw: object) -> str:
        digest = hmac.new(self.salt, f"{account}:{raw}".encode(), hashlib.sha256)
        return digest.hexdigest()[:24]

    async def handle(self, event: InboundEvent) -> bool:
        """Apply one event; False when it was a redelivery (already applied). Returns once the
        change is committed.

        Votes by option index for a poll the store knows are group-committed with the votes of
        concurrent requests (:mod:`broadcaster.inbox_batch`: one transaction for many); every
        other event, and a vote whose poll is not (yet) known, takes the path below."""
        if event.kind == "vote":
            vote = self._batchable_vote(event)
            if vote is not None:
                outcome = await self.votes.submit(vote)
                if outcome is not VoteOutcome.unknown_poll:
                    return outcome is VoteOutcome.applied
                # nothing was written: the poll may be on its way (see _known_poll)
        # a receipt applies idempotently (a status never moves a message back: sent, delivered,
        # read, failed), so a redelivered one needs no event row: a broadcast's receipts, two
        # or three per message, then cost one write each instead of two
        if event.kind != "status" and not await self.store.record_inbound(
            event.account, f"{event.kind}:{event.event_id}"
        ):
            return False
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is None:
            log.warning("ignoring unknown inbound event kind %r", event.kind)
            return True
        await handler(event)
        return True

    def _batchable_vote(self, event: InboundEvent) -> InboundVote | None:
        """The vote as the batch stores it, or None when it needs the one-by-one path (options
        given as texts, or malformed)."""
        if "option_texts" in event.data or "poll_id" not in event.data:
            return None
        try:
            options = tuple(int(o) for o in event.data.get("options", []))
        except (TypeError, ValueError):
            return None
        voter = self.hash_user(event.account, event.data.get("user"))
        key = f"{event.kind}:{event.event_id}"
        return InboundVote(
            account=event.account,
            event_id=key,
            poll_id=str(event.data["poll_id"]),
            voter=voter,
            options=options,
        )

    async def _say(self, event: InboundEvent, key: str, **params: object) -> None:
        """Queue a service message to the event's group; the notifier sends it."""
        if event.address is None:
            return
        language = "id"
        adapter = self.adapters.get(event.account)
        if adapter is not None:
            group = await self.store.find_group(adapter.channel, event.account, event.address)
            if group is not None:
                language = group.language
        await self.store.add_notice(event.account, event.address, t(key, language, **params))

    def _channel(self, account: str) -> str:
        return self.adapters[account].channel

    async def _on_skipped(self, event: InboundEvent) -> None:
        ref = str(event.data.get("ref") or event.event_id)
        reason = str(event.data.get("reason") or "unreadable")
        log.warning(
            "account %s: inbound update %s skipped (%s); kept as a dead letter",
            event.account,
            ref,
            reason,
        )
        await self.store.add_dead_letter(event.account, ref, reason)

    async def _on_joined(self, event: InboundEvent) -> None:
        await self.selfservice.on_joined(event)

    async def _on_left(self, event: InboundEvent) -> None:
        assert event.address is not None
        group = await self.store.find_group(
            self._channel(event.account), event.account, event.address
        )
        if group is not None and group.status is not GroupStatus.removed:
            await self.store.update_group(
                group.id,
                AuditRecord(
                    actor="system",
                    action="group.removed",
                    object_type="group",
                    object_id=str(group.id),
                    detail={"reason": str(event.data.get("reason", "bot removed"))},
                ),
                status=GroupStatus.removed,
            )

    async def _on_migrated(self, event: InboundEvent) -> None:
        assert event.address is not None
        new = str(event.data["new_address"])
        group = await self.store.find_group(
            self._channel(event.account), event.account, event.address
        )
        if group is not None:
            await self.store.update_group(
                group.id,
                AuditRecord(
                    actor="system",
                    action="group.address_moved",
                    object_type="group",
                    object_id=str(group.id),
                    detail={"from": event.address, "to": new},
                ),
                address=new,
            )

    async def _on_command(self, event: InboundEvent) -> None:
        await self.selfservice.on_command(event)

    async def _known_poll(self, account: str, poll_id: str) -> bool:
        """True when we sent that poll. A vote can beat the sender's write of the poll's row by
        a few hundred milliseconds, so an unknown poll is looked up again for a short while."""
        for _ in range(POLL_WAIT_ROUNDS):
            if await self.store.find_poll(account, poll_id) is not None:
                return True
            await asyncio.sleep(POLL_WAIT_SECONDS)
        return await self.store.find_poll(account, poll_id) is not None

    async def _on_vote(self, event: InboundEvent) -> None:
        poll_id = str(event.data["poll_id"])
        if not await self._known_poll(event.account, poll_id):
            log.info("vote for unknown poll %s on %s ignored", poll_id, event.account)
            return
        voter = self.hash_user(event.account, event.data.get("user"))
        if "option_texts" in event.data:
            options = await self._option_indexes(event.account, poll_id, event.data["option_texts"])
            if options is None:
                log.info("vote for options not in poll %s on %s ignored", poll_id, event.account)
                return
        else:
            options = [int(o) for o in event.data.get("options", [])]
        await self.store.record_vote(event.account, poll_id, voter, options)

    async def _poll_options(self, account: str, poll_id: str) -> list[list[str]]:
        """The poll's options in every language it was written in."""
        ref = await self.store.find_poll(account, poll_id)
        if ref is None:
            return []
        record = await self.store.get_announcement(ref.announcement_id)
        poll = record.content.poll
        if poll is None:
            return []
        languages = ["id", *(lang for lang in record.content.variants if lang != "id")]
        return [poll.text_for(lang)[1] for lang in languages]

    async def _option_indexes(self, account: str, poll_id: str, texts: object) -> list[int] | None:
        """Option texts → indexes (any language the poll has); None when one is unknown."""
        if not isinstance(texts, list | tuple):
            return None
        wanted = [str(text).strip() for text in texts]
        for options in await self._poll_options(account, poll_id):
            stripped = [option.strip() for option in options]
            if all(text in stripped for text in wanted):
                return [stripped.index(text) for text in wanted]
        return None

    async def _number_vote(self, event: InboundEvent, group_id: int) -> bool:
        """Record a reply like "2" as a vote in the group's latest poll; False when the text
        is not an option number of that poll."""
        found = NUMBER_REPLY.match(str(event.data.get("text", "")))
        if found is None:
            return False
        poll = await self.store.latest_poll(event.account, group_id)
        if poll is None:
            return False
        options = await self._poll_options(event.account, poll.poll_id)
        number = int(found.group(1))
        if not options or not 1 <= number <= len(options[0]):
            return False
        voter = self.hash_user(event.account, event.data.get("user"))
        await self.store.record_vote(event.account, poll.poll_id, voter, [number - 1])
        return True

    async def _on_poll_counts(self, event: InboundEvent) -> None:
        if not await self._known_poll(event.account, str(event.data["poll_id"])):
            return
        counts = [int(c) for c in event.data.get("counts", [])]
        await self.store.record_poll_counts(event.account, str(event.data["poll_id"]), counts)

    async def _on_reply(self, event: InboundEvent) -> None:
        if await self.selfservice.on_reply(event):
            return  # the number answered a list of regions (DAFTAR by name)
        group_id = None
        if event.address is not None:
            group = await self.store.find_group(
                self._channel(event.account), event.account, event.address
            )
            if group is None or group.status is not GroupStatus.active:
                return  # replies only from subscribed groups
            group_id = group.id
            if await self._number_vote(event, group.id):
                return
        author = self.hash_user(event.account, event.data.get("user"))
        await self.store.add_reply(event.account, group_id, author, str(event.data.get("text", "")))

    async def _on_report(self, event: InboundEvent) -> None:
        """A resident's hoax report: file it, answer with the case code (or with the verdict
        when the case was already ruled)."""
        data = event.data
        language = "id"
        channel = self._channel(event.account)
        if event.address is not None:
            group = await self.store.find_group(channel, event.account, event.address)
            language = group.language if group is not None else "id"
        media = data.get("media")
        media_hash = data.get("media_hash")
        report = ReportIn(
            channel=channel,
            account=event.account,
            address=event.address,
            reporter=str(data.get("user", "")),
            text=str(data.get("text") or ""),
            media_ref=None if media is None else str(media),
            media_hash=None if media_hash is None else str(media_hash),
            language=language,
        )
        try:
            ack = await self.reports.submit(report)
        except InputError:
            await self._say(event, "hoax.empty")
            return
        case = await self.store.get_hoax_case(ack.case_id)
        if case.status is HoaxStatus.confirmed:
            for verdict in await self.store.hoax_verdicts(case.id):
                if verdict.status is VerdictStatus.confirmed:
                    await self._say(
                        event,
                        "hoax.ack_known",
                        code=case.code,
                        label=t(f"hoax.label.{verdict.label}", language),
                        explanation=verdict.explanation,
                        url=public_case_url(self.public_url, case.code),
                    )
                    return
        await self._say(event, "hoax.ack", code=ack.case_code)

    async def _on_status(self, event: InboundEvent) -> None:
        at = event.at.timestamp() if event.at is not None else time.time()
        error = event.data.get("error")
        delivery = await self.store.apply_receipt(
            event.account,
            str(event.data["message_id"]),
            str(event.data["status"]),
            at,
            None if error is None else str(error),
        )
        if delivery is None:
            log.debug("receipt for a message we did not send on %s ignored", event.account)
