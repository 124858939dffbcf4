"""The data behind every dashboard page and API route, computed once for both.

Reads go straight to the store; every change goes through the core services (Workflow,
Directory), which authorise by role and region scope and write the audit log.
"""

from __future__ import annotations

import difflib
import json
import time
from datetime import UTC, datetime
from typing import Any

from content.hashing import content_hash
from content.model import Announcement, Level
from content.validation import validate
from content.workflow import allowed_actions

from ..adapter import ChannelMessage, RenderContext
from ..announcements import current_approvers
from ..audit import verify_chain
from ..auth import Perm, require
from ..errors import InputError, NotFound
from ..holds import dispatch_reasons, hold_text
from ..progress import read_progress, remaining_of
from ..regions import is_within, level_of
from ..results import results
from ..store.records import (
    AnnouncementRecord,
    Dispatch,
    Group,
    GroupFilter,
    GroupStatus,
    ScheduleRecord,
    User,
)
from .auth import Principal
from .context import WebContext
from .preview_html import message_html
from .schemas import (
    AnnouncementDetail,
    AnnouncementOut,
    ApprovalOut,
    AuditVerifyOut,
    ChangesOut,
    ChannelPreview,
    CountPart,
    DispatchOut,
    FieldChange,
    GroupOut,
    GroupPage,
    HoldOut,
    PreviewMessage,
    PreviewOut,
    ProgressOut,
    PublicApproval,
    PublicVerification,
    RegionNode,
    RegionTree,
    ResultRow,
    ResultsOut,
    ScheduleOut,
)


def title_of(content: Announcement) -> str:
    """The Indonesian title, else any title: a draft may lack the (required) Indonesian
    version until it is submitted."""
    variant = content.variants.get("id") or next(iter(content.variants.values()), None)
    return variant.title if variant is not None else ""


def announcement_out(ctx: WebContext, r: AnnouncementRecord) -> AnnouncementOut:
    return AnnouncementOut(
        id=r.id,
        short_code=r.short_code,
        status=r.status,
        author=r.author,
        version=r.version,
        title=title_of(r.content),
        priority=r.content.priority.value,
        content=r.content,
        content_hash=r.content_hash,
        approved_hash=r.approved_hash,
        reject_reason=r.reject_reason,
        created_at=r.created_at,
        updated_at=r.updated_at,
        verify_url=ctx.verify_url(r.short_code),
    )


def schedule_out(s: ScheduleRecord) -> ScheduleOut:
    return ScheduleOut(
        id=s.id,
        kind=s.kind,
        run_at=s.run_at,
        cron=s.cron,
        timezone=s.timezone,
        status=s.status.value,
        created_by=s.created_by,
        note=s.note,
    )


def dispatch_out(d: Dispatch) -> DispatchOut:
    return DispatchOut(
        id=d.id,
        announcement_id=d.announcement_id,
        status=d.status.value,
        priority=d.priority.value,
        planned=d.planned,
        created_at=d.created_at,
        finished_at=d.finished_at,
        note=d.note,
    )


def can_see(user: User, record: AnnouncementRecord) -> bool:
    """The by-id twin of the scoped lists: a scoped user sees an announcement they wrote, or
    one whose target lies inside their scope or contains it (a province-wide warning is theirs
    too); an unscoped user sees all."""
    if user.scope is None or record.author == user.name:
        return True
    return any(
        is_within(code, user.scope) or is_within(user.scope, code)
        for code in record.content.target.regions
    )


async def announcement_for(
    ctx: WebContext, who: Principal, announcement_id: int
) -> AnnouncementRecord:
    """The announcement, or NotFound — also when it exists outside the caller's scope, so ids
    outside it disclose nothing."""
    record = await ctx.store.get_announcement(announcement_id)
    if not can_see(who.user, record):
        raise NotFound(f"announcement {announcement_id} does not exist")
    return record


async def announcement_detail(
    ctx: WebContext, who: Principal, announcement_id: int
) -> AnnouncementDetail:
    store = ctx.store
    r = await announcement_for(ctx, who, announcement_id)
    approvals = await store.list_approvals(r.id)
    current = current_approvers(r, approvals) if r.status.value == "submitted" else set()
    return AnnouncementDetail(
        **announcement_out(ctx, r).model_dump(),
        approvals=[
            ApprovalOut(
                approver=a.approver,
                content_hash=a.content_hash,
                at=a.at,
                current=a.approver in current
                or (r.approved_hash is not None and a.content_hash == r.approved_hash),
            )
            for a in approvals
        ],
        approvals_required=ctx.workflow.approvals_required,
        schedules=[schedule_out(s) for s in await store.list_schedules(announcement_id=r.id)],
        dispatches=[dispatch_out(d) for d in await store.list_dispatches(announcement_id=r.id)],
        actions=[a.value for a in allowed_actions(r.status)],
    )


def _flat(content: Announcement) -> dict[str, str]:
    """The fields a verifier compares, as readable text."""
    out: dict[str, str] = {}
    for lang in content.languages:
        variant = content.variants[lang]
        out[f"title ({lang})"] = variant.title
        out[f"body ({lang})"] = variant.body
    out["priority"] = content.priority.value
    out["source"] = content.source or ""
    out["expires_at"] = content.expires_at.isoformat() if content.expires_at else ""
    target = content.target
    out["target.regions"] = ", ".join(sorted(target.regions))
    out["target.levels"] = ", ".join(sorted(v.value for v in target.levels))
    out["target.kinds"] = ", ".join(sorted(target.kinds))
    out["target.channels"] = ", ".join(sorted(target.channels))
    out["target.exclude"] = ", ".join(sorted(target.exclude))
    poll = content.poll
    out["poll"] = (
        f"{poll.question} [{' | '.join(poll.options)}]" + (" (multiple)" if poll.multiple else "")
        if poll
        else ""
    )
    out["attachments"] = ", ".join(a.url for a in content.attachments)
    return out


async def changes(ctx: WebContext, who: Principal, announcement_id: int) -> ChangesOut:
    """Field-by-field changes (and a line diff of the Indonesian body) since the previous
    version of the content."""
    record = await announcement_for(ctx, who, announcement_id)
    previous = await ctx.store.previous_content(announcement_id)
    if previous is None:
        return ChangesOut(
            announcement_id=record.id,
            previous_version=None,
            previous_hash=None,
            changes=[],
            body_diff=[],
        )
    before, after = _flat(previous.content), _flat(record.content)
    fields = [
        FieldChange(field=k, before=before.get(k, ""), after=after.get(k, ""))
        for k in dict.fromkeys([*before, *after])
        if before.get(k, "") != after.get(k, "")
    ]
    diff = list(
        difflib.unified_diff(
            _body_of(previous.content).splitlines(),
            _body_of(record.content).splitlines(),
            "sebelumnya",
            "sekarang",
            lineterm="",
        )
    )
    return ChangesOut(
        announcement_id=record.id,
        previous_version=previous.version,
        previous_hash=previous.content_hash,
        changes=fields,
        body_diff=diff,
    )


def _body_of(content: Announcement) -> str:
    variant = content.variants.get("id")
    return variant.body if variant is not None else ""


def _message_text(message: ChannelMessage) -> str:
    payload = message.payload
    if "text" in payload:
        return str(payload["text"])
    if "body" in payload and "options" not in payload:  # WhatsApp text
        return str(payload["body"])
    if "question" in payload or "name" in payload or "body" in payload:
        question = payload.get("question", payload.get("name", payload.get("body", "")))
        options = payload.get("options", [])
        texts = [o.get("text", o) if isinstance(o, dict) else o for o in options]
        return str(question) + "\n" + "\n".join(f"◯ {t}" for t in texts)
    if "url" in payload:
        return f"{payload['url']}\n{payload.get('caption', '')}".strip()
    return json.dumps(dict(payload), ensure_ascii=False, default=str)


PREVIEW_CODE = "PRATINJAU"  # stands in for the short code of content not saved yet


def preview(
    ctx: WebContext,
    content: Announcement,
    language: str = "id",
    short_code: str = PREVIEW_CODE,
    announcement_id: int = 0,
) -> PreviewOut:
    """Validation problems and the messages each configured account would send; a saved
    announcement passes its own ``short_code``, so the "Cek keaslian" link shown is the one
    residents will get."""
    problems = [
        f"{p.field}: {p.message_id if language == 'id' else p.message_en}"
        for p in validate(content, ctx.workflow.poll_limits, datetime.now(UTC))
    ]
    render_ctx = RenderContext(announcement_id, short_code, ctx.verify_url(short_code))
    channels: list[ChannelPreview] = []
    for name, adapter in sorted(ctx.adapters.items()):
        try:
            messages = adapter.render(content, language, render_ctx)
        except Exception as exc:  # a renderer must not take the preview down: show why
            messages = [ChannelMessage("error", {"text": f"{type(exc).__name__}: {exc}"})]
        channels.append(
            ChannelPreview(
                account=name,
                channel=adapter.channel,
                messages=[
                    PreviewMessage(
                        kind=m.kind,
                        text=_message_text(m),
                        html=message_html(adapter.channel, m.kind, m.payload),
                    )
                    for m in messages
                ],
            )
        )
    return PreviewOut(problems=problems, channels=channels)


def _part(counts: dict[str, int]) -> CountPart:
    return CountPart(
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        cancelled=counts.get("cancelled", 0),
        remaining=remaining_of(counts),
        total=sum(counts.values()),
    )


async def progress(ctx: WebContext, who: Principal, dispatch_id: int) -> ProgressOut:
    """Sent, failed and remaining per channel and per regency, with rate and ETA (NotFound
    when the dispatch's announcement is outside the caller's scope).

    One grouped scan of the dispatch's deliveries. The answer is shared for a second by every
    viewer (each open dispatch page asks once a second), and kept once the dispatch finished.
    """
    if who.user.scope is not None:
        d = await ctx.store.get_dispatch(dispatch_id)
        if not can_see(who.user, await ctx.store.get_announcement(d.announcement_id)):
            raise NotFound(f"dispatch {dispatch_id} does not exist")
    cached = ctx.progress_cache.get(dispatch_id)
    if cached is not None and (cached[1].finished or time.monotonic() - cached[0] < 1.0):
        return cached[1]
    p = await read_progress(ctx.store, dispatch_id, 4)
    names = await ctx.store.get_regions(sorted(p.by_regency))
    eta = p.eta_seconds
    now = datetime.now(UTC)
    why = await dispatch_reasons(
        ctx.store, p.dispatch, p.by_status.get("queued", 0), ctx.settings.quiet_hours(), now
    )
    out = ProgressOut(
        dispatch=dispatch_out(p.dispatch),
        sent=p.sent,
        failed=p.failed,
        cancelled=p.cancelled,
        remaining=p.remaining,
        total=p.total,
        rate_per_second=round(p.rate_per_second, 2),
        eta_seconds=None if eta is None else round(eta, 1),
        by_channel={k: _part(v) for k, v in sorted(p.by_channel.items())},
        by_regency={k: _part(v) for k, v in sorted(p.by_regency.items())},
        regency_names={k: names[k].name for k in p.by_regency if k in names},
        finished=p.finished,
        held=why.held,
        holds=[
            HoldOut(reason=h.reason, count=h.count, until=h.until, text=hold_text(h, now))
            for h in why.holds
        ],
        reasons=why.reasons,
    )
    if len(ctx.progress_cache) > 1000:
        ctx.progress_cache.clear()
    ctx.progress_cache[dispatch_id] = (time.monotonic(), out)
    return out


def group_out(g: Group) -> GroupOut:
    return GroupOut(
        id=g.id,
        channel=g.channel,
        account=g.account,
        address=g.address,
        region=g.region,
        region_level=g.region_level,
        kind=g.kind,
        title=g.title,
        language=g.language,
        status=g.status,
        subscribed_by=g.subscribed_by,
        approved_by=g.approved_by,
        created_at=g.created_at,
    )


def scoped_region(user: User, region: str | None) -> str | None:
    """The region a read is limited to: the requested one, within the user's scope."""
    if region is not None and level_of(region) is None:
        raise InputError(f"malformed region code {region!r}")
    if user.scope is None:
        return region
    if region is None:
        return user.scope
    if is_within(region, user.scope):
        return region
    if is_within(user.scope, region):
        return user.scope  # asking for a wider region shows the part the user may see
    require(user, Perm.read, [region])  # raises PermissionDenied naming the scope
    return region


async def groups_page(
    ctx: WebContext,
    user: User,
    *,
    region: str | None = None,
    kinds: tuple[str, ...] = (),
    channels: tuple[str, ...] = (),
    statuses: tuple[GroupStatus, ...] = (),
    levels: tuple[Level, ...] = (),
    limit: int = 100,
) -> GroupPage:
    where = GroupFilter(
        region=scoped_region(user, region),
        levels=levels,
        kinds=kinds,
        channels=channels,
        statuses=statuses,
    )
    total = sum((await ctx.store.count_groups(where)).values())
    items: list[GroupOut] = []
    if limit > 0:
        async for g in ctx.store.iter_groups(where, batch=min(limit, 1000)):
            items.append(group_out(g))
            if len(items) >= limit:
                break
    return GroupPage(total=total, items=items, limit=limit)


TREE_TTL = 10.0  # seconds a node's counts are reused: targeting does not need them fresher


async def region_tree(ctx: WebContext, under: str | None, scope: str | None = None) -> RegionTree:
    """A node of the region tree and its children, each with active groups per channel.
    With ``scope``, the tree's root is the scope itself, and only groups within it are
    counted: a node above the scope counts the scope's groups, a node beside it none (region
    names are public; other regions' groups are not).

    Counts are range scans of the groups' (region, status, channel) index, one per child; the
    whole answer is reused for ``TREE_TTL`` seconds (the picker asks for the same nodes over and
    over while an officer browses).
    """
    if under is None and scope is not None:
        # a scoped user's tree starts at their own region: the target picker offers nothing
        # (and counts nothing) beyond what they may target
        under = scope
    key = f"{scope or ''}|{under or ''}"
    cached = ctx.tree_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < TREE_TTL:
        return cached[1]
    store = ctx.store
    node: RegionNode | None = None
    if under is not None:
        found = (await store.get_regions([under])) if level_of(under) is not None else {}
        if under not in found:
            raise NotFound(f"region {under} does not exist")
        region = found[under]
        node = await _node(ctx, region.code, region.name, region.level, scope)
        child_level = _child_level(region.level)
        children = [r async for r in store.iter_regions(under, child_level)] if child_level else []
    else:
        children = [r async for r in store.iter_regions(None, Level.province)]
    tree = RegionTree(
        node=node,
        children=[await _node(ctx, r.code, r.name, r.level, scope) for r in children],
    )
    if len(ctx.tree_cache) > 10_000:
        ctx.tree_cache.clear()
    ctx.tree_cache[key] = (time.monotonic(), tree)
    return tree


async def _node(
    ctx: WebContext, code: str, name: str, level: Level, scope: str | None = None
) -> RegionNode:
    counted = code
    if scope is not None and not is_within(code, scope):
        if not is_within(scope, code):
            return RegionNode(code=code, name=name, level=level, groups=0, by_channel={})
        counted = scope  # an ancestor of the scope: only the scope's groups
    counts = await ctx.store.count_groups(
        GroupFilter(region=counted, statuses=(GroupStatus.active,)), by="channel"
    )
    return RegionNode(
        code=code, name=name, level=level, groups=sum(counts.values()), by_channel=counts
    )


def _child_level(level: Level) -> Level | None:
    order = list(Level)
    index = order.index(level)
    return order[index + 1] if index + 1 < len(order) else None


async def results_out(
    ctx: WebContext, who: Principal, announcement_id: int, level: Level
) -> ResultsOut:
    record = await announcement_for(ctx, who, announcement_id)
    options, rows = await results(ctx.store, announcement_id, level)
    totals = [sum(r.counts[i] for r in rows) for i in range(len(options))]
    return ResultsOut(
        announcement_id=announcement_id,
        question=record.content.poll.question if record.content.poll else None,
        options=options,
        level=level,
        rows=[
            ResultRow(
                region=r.region,
                name=r.name,
                level=r.level,
                groups=r.groups,
                counts=list(r.counts),
                total=r.total,
                answered=r.answered,
                response_rate=round(r.response_rate, 4),
            )
            for r in rows
        ],
        totals=totals,
    )


async def verify_audit(ctx: WebContext) -> AuditVerifyOut:
    result = await verify_chain(ctx.store.iter_audit(), await ctx.store.audit_head())
    return AuditVerifyOut(
        ok=result.ok,
        checked=result.checked,
        first_bad_entry=result.first_bad_seq,
        problem=result.problem,
    )


async def public_verification(ctx: WebContext, code: str, lang: str) -> PublicVerification:
    """What a resident may see about the announcement behind a "Cek keaslian" link.

    ``genuine`` is true only when the stored content still hashes to the approved hash and it
    was approved; draft and rejected announcements are reported as not found (they were never
    sent, and their text is not public).
    """
    record = await ctx.store.find_announcement(code.strip())
    if record is None or record.approved_hash is None:
        raise NotFound(f"no approved announcement with code {code!r}")
    approvals = [
        a
        for a in await ctx.store.list_approvals(record.id)
        if a.content_hash == record.approved_hash
    ]
    users = {u.name: u for u in await ctx.store.list_users()}
    show_names = ctx.settings.web.show_approver_names
    variant = record.content.variant(lang)
    genuine = content_hash(record.content) == record.approved_hash == record.content_hash
    return PublicVerification(
        short_code=record.short_code,
        status=record.status,
        genuine=genuine,
        title=variant.title,
        body=variant.body,
        source=record.content.source,
        priority=record.content.priority.value,
        content_hash=record.approved_hash,
        approved_at=max((a.at for a in approvals), default=None),
        approvals=[
            PublicApproval(
                role=users[a.approver].role.value if a.approver in users else "verifier",
                name=a.approver if show_names else None,
                at=a.at,
            )
            for a in approvals
        ],
        expires_at=record.content.expires_at,
    )


def jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
