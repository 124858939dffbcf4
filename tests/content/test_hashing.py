from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from content.hashing import canonical_json, content_hash
from content.model import (
    GROUP_KINDS,
    Announcement,
    Level,
    Poll,
    PollTranslation,
    Priority,
    Target,
    Variant,
)
from tests.content.factories import make_announcement


def test_canonical_json_format_is_pinned() -> None:
    # Approvals store this hash: changing the canonical form silently voids every approval, so
    # the exact bytes are part of the contract.
    a = Announcement.model_validate(
        {
            "variants": {"id": {"title": "Uji", "body": "Baris  \nkedua e\u0301"}},
            "target": {"regions": ["3673", "36", "36"]},
            "expires_at": "2026-01-17T18:00:00.5+07:00",
        }
    )
    expected = (
        '{"expires_at":"2026-01-17T11:00:00.500000Z","poll":null,"priority":"normal",'
        '"source":null,"target":{"channels":[],"exclude":[],"kinds":[],"levels":[],'
        '"regions":["36","3673"]},"variants":{"id":{"body":"Baris  \\nkedua \u00e9",'
        '"title":"Uji"}}}'
    )
    assert canonical_json(a) == expected.encode("utf-8")
    assert content_hash(a) == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert content_hash(a) == "b750c0c939b1880fe81e3d54c91fee611a885d7ee0caf07cb678d1854900bd39"


def test_canonical_json_is_sorted_compact_utf8() -> None:
    raw = canonical_json(make_announcement(source="Dinas Kesehatan — Pandeglang"))
    data = json.loads(raw)
    assert (
        raw == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert "—".encode() in raw  # written as UTF-8, not as a \u escape
    assert data["expires_at"] == "2026-01-16T01:00:00Z"  # 08:00 WIB two days after NOW
    assert data["poll"]["closes_at"] == "2026-01-15T01:00:00Z"
    assert data["priority"] == "urgent"


def test_trailing_whitespace_in_body_is_significant() -> None:
    hard_break = make_announcement(variants={"id": {"title": "t", "body": "satu  \ndua"}})
    soft_break = make_announcement(variants={"id": {"title": "t", "body": "satu\ndua"}})
    assert content_hash(hard_break) != content_hash(soft_break)


def test_nfc_equivalent_text_hashes_equal() -> None:
    composed = make_announcement(variants={"id": {"title": "Caf\u00e9", "body": "Caf\u00e9"}})
    decomposed = make_announcement(variants={"id": {"title": "Cafe\u0301", "body": "Cafe\u0301"}})
    assert content_hash(composed) == content_hash(decomposed)


def test_target_lists_are_sets() -> None:
    one = make_announcement(target={"regions": ["36", "3673"], "kinds": ["rw", "rt"]})
    two = make_announcement(target={"regions": ["3673", "36", "36"], "kinds": ["rt", "rw"]})
    assert content_hash(one) == content_hash(two)


# --- property tests ---

TEXT = st.text(max_size=20)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.timezones()
)
OPTIONAL_MOMENT = st.none() | MOMENTS


@st.composite
def announcements(draw: st.DrawFn) -> Announcement:
    variants = {"id": Variant(title=draw(TEXT), body=draw(TEXT))}
    if draw(st.booleans()):
        variants["en"] = Variant(title=draw(TEXT), body=draw(TEXT))
    poll = None
    if draw(st.booleans()):
        options = draw(st.lists(TEXT, max_size=5))
        translations = {}
        if draw(st.booleans()):
            translations["en"] = PollTranslation(question=draw(TEXT), options=list(options))
        poll = Poll(
            question=draw(TEXT),
            options=options,
            multiple=draw(st.booleans()),
            closes_at=draw(OPTIONAL_MOMENT),
            anonymous=draw(st.none() | st.booleans()),
            translations=translations,
        )
    target = Target(
        regions=draw(st.lists(st.from_regex(r"36[0-9]{0,8}", fullmatch=True), max_size=4)),
        levels=draw(st.lists(st.sampled_from(list(Level)), max_size=3)),
        kinds=draw(st.lists(st.sampled_from(GROUP_KINDS), max_size=3)),
        channels=draw(st.lists(st.sampled_from(["telegram", "whatsapp", "email"]), max_size=3)),
        exclude=draw(st.lists(st.from_regex(r"36[0-9]{2}", fullmatch=True), max_size=2)),
    )
    return Announcement(
        variants=variants,
        poll=poll,
        priority=draw(st.sampled_from(list(Priority))),
        source=draw(st.none() | TEXT),
        expires_at=draw(OPTIONAL_MOMENT),
        target=target,
    )


def _reordered_and_shifted(a: Announcement, zone: timezone | ZoneInfo) -> Announcement:
    """The same content with dicts built in reverse order and datetimes in another zone."""

    def shift(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone) if moment is not None else None

    poll = a.poll
    if poll is not None:
        poll = poll.model_copy(
            update={
                "closes_at": shift(poll.closes_at),
                "translations": dict(reversed(list(poll.translations.items()))),
            }
        )
    return a.model_copy(
        update={
            "variants": dict(reversed(list(a.variants.items()))),
            "expires_at": shift(a.expires_at),
            "poll": poll,
        }
    )


@settings(max_examples=150, database=None, deadline=None)
@given(announcements(), st.timezones())
def test_equal_content_hashes_equal(a: Announcement, zone: ZoneInfo) -> None:
    other = _reordered_and_shifted(a, zone)
    assert content_hash(other) == content_hash(a)
    # A round trip through JSON (as the store does) keeps the hash too.
    assert content_hash(Announcement.model_validate_json(a.model_dump_json())) == content_hash(a)


def _with_poll(a: Announcement, **changes: object) -> Announcement:
    poll = a.poll or Poll(question="Tergenang?", options=["Ya", "Tidak"])
    return a.model_copy(update={"poll": poll.model_copy(update=changes)})


def _body_char(a: Announcement, position: int) -> Announcement:
    variant = a.variants["id"]
    at = position % (len(variant.body) + 1)
    body = variant.body[:at] + "x" + variant.body[at:]
    variants = a.variants | {"id": variant.model_copy(update={"body": body})}
    return a.model_copy(update={"variants": variants})


def _option(a: Announcement, position: int) -> Announcement:
    if a.poll is None or not a.poll.options:
        return _with_poll(a, options=["satu-satunya"])
    options = list(a.poll.options)
    options[position % len(options)] += "x"
    return _with_poll(a, options=options)


def _target(a: Announcement, position: int) -> Announcement:
    new_region = "9" * (max((len(r) for r in a.target.regions), default=0) + 1)
    target = a.target.model_copy(update={"regions": [*a.target.regions, new_region]})
    return a.model_copy(update={"target": target})


def _priority(a: Announcement, position: int) -> Announcement:
    ranks = list(Priority)
    following = ranks[(ranks.index(a.priority) + 1) % len(ranks)]
    return a.model_copy(update={"priority": following})


def _expiry(a: Announcement, position: int) -> Announcement:
    if a.expires_at is None:
        return a.model_copy(update={"expires_at": datetime(2026, 1, 1, tzinfo=UTC)})
    return a.model_copy(update={"expires_at": a.expires_at + timedelta(seconds=1)})


def _multiple(a: Announcement, position: int) -> Announcement:
    if a.poll is None:
        return _with_poll(a)
    return _with_poll(a, multiple=not a.poll.multiple)


def _source(a: Announcement, position: int) -> Announcement:
    return a.model_copy(update={"source": None if a.source is not None else ""})


def _anonymous(a: Announcement, position: int) -> Announcement:
    if a.poll is None:
        return _with_poll(a)
    following = {None: True, True: False, False: None}[a.poll.anonymous]
    return _with_poll(a, anonymous=following)


MUTATIONS: list[Callable[[Announcement, int], Announcement]] = [
    _body_char,
    _option,
    _target,
    _priority,
    _expiry,
    _multiple,
    _source,
    _anonymous,
]


@settings(max_examples=300, database=None, deadline=None)
@given(announcements(), st.sampled_from(MUTATIONS), st.integers(min_value=0, max_value=1000))
def test_any_change_changes_the_hash(
    a: Announcement, mutate: Callable[[Announcement, int], Announcement], position: int
) -> None:
    changed = mutate(a, position)
    assert changed != a
    assert content_hash(changed) != content_hash(a)
