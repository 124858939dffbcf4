"""Announcement files: Markdown with YAML front matter.

::

    ---
    title: Peringatan Dini Banjir            # required: the Indonesian title
    priority: urgent                         # normal (default) | urgent | emergency
    source: BPBD Provinsi Banten
    expires_at: 2026-01-16T18:00:00+07:00    # must carry a time zone
    target: {regions: ["3673"], kinds: [rt, rw]}
    poll: {question: ..., options: [...], multiple: false, closes_at: ..., translations: {...}}
    title_en: Early Flood Warning            # or  en: {title: ..., body: ...}
    public_results: true                     # the poll's results on the public portal
    ---
    Indonesian body (Markdown subset).

    <!-- lang: en -->
    English body.

Rules:
- The file must start with a ``---`` line; the front matter ends at the next ``---`` (or ``...``)
  line. It is read with ``yaml.safe_load`` semantics, except that only ``true``/``false`` are
  booleans (plain YAML 1.1 would turn a poll option ``No`` into ``False``) and a key given twice
  is an error instead of silently keeping the last one.
- Another language ``xx`` (any two-letter code; :func:`content.validation.validate` checks it is
  a real one) gets its title from ``title_xx`` or ``xx.title`` and its body from ``xx.body`` or
  from the Markdown after a ``<!-- lang: xx -->`` line; giving either part twice is an error.
- Bodies keep their text exactly, except that blank lines at their start and end are dropped and
  Windows line endings (CRLF) become LF.
- Datetimes must carry a time zone (``+07:00`` for WIB, or ``Z``); a date alone or a naive time
  is refused, because the core only works with aware datetimes. An empty value means "none".

Errors raise :class:`LoaderError` naming the key or line. Content problems that the validator
reports (an empty title, a poll with one option, ...) are *not* loader errors.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from typing import Any

import yaml
from pydantic import ValidationError

from content.model import BASE_LANGUAGE, Announcement

__all__ = ["LoaderError", "load_file", "parse_announcement_text"]


class LoaderError(ValueError):
    """An announcement file that cannot be read; the message says where and why."""


_TOP_KEYS = (
    "title",
    "priority",
    "source",
    "expires_at",
    "target",
    "poll",
    "attachments",
    "public_results",
)
_TARGET_KEYS = ("regions", "levels", "kinds", "channels", "exclude", "reached_by")
_POLL_KEYS = ("question", "options", "multiple", "closes_at", "anonymous", "translations")
_SECTION_KEYS = ("title", "body")
_LANG = re.compile(r"[a-z]{2}")
_TITLE_KEY = re.compile(r"title_([a-z]{2})")
_SEPARATOR = re.compile(r"\s*<!--\s*lang:\s*(\S*)\s*-->\s*")
_FENCE = ("---", "...")
_EXAMPLE_TIME = "2026-01-15T18:00:00+07:00"


class _FrontMatterLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 booleans and duplicate-key detection."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool | None) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_BOOL = "tag:yaml.org,2002:bool"
_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FrontMatterLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_file(path: str | os.PathLike[str]) -> Announcement:
    """Read the UTF-8 announcement file at ``path`` (see the module docstring).

    Raises :class:`LoaderError` (message prefixed with the path) for a malformed file, and
    ``OSError`` if the file cannot be read at all.
    """
    with open(path, encoding="utf-8") as handle:
        try:
            text = handle.read()
        except UnicodeDecodeError as error:
            raise LoaderError(f"{os.fspath(path)}: not valid UTF-8 ({error.reason})") from None
    try:
        return parse_announcement_text(text)
    except LoaderError as error:
        raise LoaderError(f"{os.fspath(path)}: {error}") from None


def parse_announcement_text(text: str) -> Announcement:
    """The announcement in ``text`` (see the module docstring); raises :class:`LoaderError`."""
    front, body, body_line = _split_front_matter(text.removeprefix("\ufeff").replace("\r\n", "\n"))
    meta = _load_yaml(front)
    bodies = _split_bodies(body, body_line)
    data: dict[str, Any] = {
        "variants": _variants(meta, bodies),
        "target": _section(meta, "target", _TARGET_KEYS, required=True),
    }
    for key in ("priority", "source", "attachments", "public_results"):
        if key in meta:
            data[key] = meta[key]
    if "expires_at" in meta:
        data["expires_at"] = _datetime(meta["expires_at"], "expires_at")
    if "poll" in meta:
        poll = _section(meta, "poll", _POLL_KEYS, required=True)
        if "closes_at" in poll:
            poll["closes_at"] = _datetime(poll["closes_at"], "poll.closes_at")
        data["poll"] = poll
    try:
        return Announcement.model_validate(data)
    except ValidationError as error:
        raise LoaderError(_describe(error)) from None


def _split_front_matter(text: str) -> tuple[str, str, int]:
    """(front matter, body, 1-based line where the body starts)."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise LoaderError(
            "line 1: an announcement file must start with a '---' line opening the front matter"
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in _FENCE:
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise LoaderError("line 1: the front matter is never closed by a '---' line")


def _load_yaml(front: str) -> dict[str, Any]:
    try:
        # Safe: _FrontMatterLoader is a SafeLoader subclass, it builds no arbitrary objects.
        meta = yaml.load(front, Loader=_FrontMatterLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        # The front matter starts on line 2 of the file (after the opening '---').
        where = f"line {mark.line + 2}: " if mark is not None else ""
        raise LoaderError(f"{where}front matter is not valid YAML: {problem}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise LoaderError("the front matter must be a mapping of keys to values")
    for key in meta:
        if not isinstance(key, str):
            raise LoaderError(f"front-matter key {key!r} must be text")
        if key in _TOP_KEYS or _title_language(key) or _is_language_section(key):
            continue
        raise LoaderError(
            f"unknown front-matter key {key!r}; allowed: {', '.join(_TOP_KEYS)}, "
            "title_<lang>, and <lang> sections such as 'en'"
        )
    if "title" not in meta:
        raise LoaderError("the front matter has no 'title' (the Indonesian title is required)")
    return meta


def _is_language_section(key: str) -> bool:
    return bool(_LANG.fullmatch(key)) and key != BASE_LANGUAGE


def _title_language(key: str) -> str | None:
    """``"en"`` for ``"title_en"``; ``None`` for anything else, ``"title_id"`` included (the
    Indonesian title is plain ``title``)."""
    match = _TITLE_KEY.fullmatch(key)
    return match.group(1) if match and _is_language_section(match.group(1)) else None


def _split_bodies(body: str, first_line: int) -> dict[str, str]:
    """The Indonesian body and every ``<!-- lang: xx -->`` section, by language."""
    bodies: dict[str, list[str]] = {BASE_LANGUAGE: []}
    current = BASE_LANGUAGE
    for offset, line in enumerate(body.split("\n")):
        match = _SEPARATOR.fullmatch(line)
        if match is None:
            bodies[current].append(line)
            continue
        lang = match.group(1)
        where = f"line {first_line + offset}"
        if not _is_language_section(lang):
            raise LoaderError(
                f"{where}: '<!-- lang: {lang} -->' must name a two-letter lower-case language "
                f"other than '{BASE_LANGUAGE}' (the text before the first marker is Indonesian)"
            )
        if lang in bodies:
            raise LoaderError(f"{where}: a second '<!-- lang: {lang} -->' section")
        current = lang
        bodies[lang] = []
    return {lang: _trim_blank_lines(lines) for lang, lines in bodies.items()}


def _trim_blank_lines(lines: list[str]) -> str:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


def _variants(meta: dict[str, Any], bodies: dict[str, str]) -> dict[str, Any]:
    variants: dict[str, Any] = {BASE_LANGUAGE: {"title": meta["title"], "body": bodies["id"]}}
    languages = {key for key in meta if _is_language_section(key)}
    languages |= {lang for key in meta if (lang := _title_language(key))}
    languages |= set(bodies) - {BASE_LANGUAGE}
    for lang in sorted(languages):
        section = _section(meta, lang, _SECTION_KEYS, required=False)
        title = _one_of(meta, f"title_{lang}", section, "title", lang)
        body = _one_of(bodies, lang, section, "body", lang)
        if title is None or body is None:
            missing = "title" if title is None else "body"
            raise LoaderError(
                f"the {lang!r} version has no {missing}: give 'title_{lang}' or '{lang}.title', "
                f"and '{lang}.body' or a '<!-- lang: {lang} -->' section"
            )
        variants[lang] = {"title": title, "body": body}
    return variants


def _one_of(
    first: dict[str, Any], first_key: str, section: dict[str, Any], key: str, lang: str
) -> Any:
    if first_key in first and key in section:
        raise LoaderError(f"the {lang!r} {key} is given twice ('{first_key}' and '{lang}.{key}')")
    if key in section:
        return section[key]
    return first.get(first_key)


def _section(
    meta: dict[str, Any], name: str, allowed: tuple[str, ...], *, required: bool
) -> dict[str, Any]:
    if name not in meta:
        if required:
            raise LoaderError(f"the front matter has no {name!r}")
        return {}
    value = meta[name]
    if not isinstance(value, dict):
        raise LoaderError(f"{name!r} must be a mapping with keys: {', '.join(allowed)}")
    for key in value:
        if key not in allowed:
            raise LoaderError(f"unknown key {key!r} in {name!r}; allowed: {', '.join(allowed)}")
    return dict(value)


def _datetime(value: object, key: str) -> datetime | None:
    if value is None:  # "expires_at: ~" or an empty value: explicitly none
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise LoaderError(
                f"{key}: {value!r} is not an ISO 8601 date and time such as {_EXAMPLE_TIME}"
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise LoaderError(
                f"{key}: {value.isoformat()} has no time zone; add one, e.g. {_EXAMPLE_TIME} (WIB)"
            )
        return value
    if isinstance(value, date):
        raise LoaderError(f"{key}: {value.isoformat()} has no time; write e.g. {_EXAMPLE_TIME}")
    raise LoaderError(f"{key}: expected a date and time such as {_EXAMPLE_TIME}, got {value!r}")


def _describe(error: ValidationError) -> str:
    """Pydantic's errors, with locations spelled as front-matter keys."""
    parts = []
    for item in error.errors():
        parts.append(f"{_front_matter_key(item['loc'])}: {item['msg']}")
    return "; ".join(parts)


def _front_matter_key(loc: tuple[int | str, ...]) -> str:
    if len(loc) >= 3 and loc[0] == "variants":
        lang, name = str(loc[1]), str(loc[2])
        return name if lang == BASE_LANGUAGE else f"{lang}.{name}"
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "front matter"
