"""The announcement model: the content that an officer writes, a verifier approves and the
dispatcher sends.

Contract:
- Every model is immutable (``frozen=True``) and rejects unknown fields (``extra="forbid"``).
- Pydantic only enforces *shape* (types, enum values, time-zone-aware datetimes). Content rules
  (empty title, too many poll options, dates in the past, unknown group kinds, ...) are checked by
  :func:`content.validation.validate`, which reports every problem at once instead of stopping at
  the first one.
- Datetimes must carry a time zone; a naive datetime is a shape error, because "18:00" means
  different instants in WIB, WITA and WIT.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from content.levels import BASE_LANGUAGE, GROUP_KINDS, Level, Priority

__all__ = [
    "BASE_LANGUAGE",
    "GROUP_KINDS",
    "Announcement",
    "Attachment",
    "Level",
    "Poll",
    "PollTranslation",
    "Priority",
    "Target",
    "Variant",
]


class _Frozen(BaseModel):
    # defer_build: a schema is built on first use, not at import (the CLI imports the model for
    # its enums and type hints; most commands never validate an announcement)
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class PollTranslation(_Frozen):
    """The poll's question and options in another language, in the same order as the base."""

    question: str
    options: list[str]


class Poll(_Frozen):
    """A poll attached to an announcement. The base texts are in Bahasa Indonesia.

    ``anonymous=None`` leaves the choice to the channel's default (Telegram polls are anonymous
    by default; WhatsApp and email votes are always tied to a sender).
    """

    question: str
    options: list[str]
    multiple: bool = False
    closes_at: AwareDatetime | None = None
    anonymous: bool | None = None
    translations: dict[str, PollTranslation] = Field(default_factory=dict)

    def text_for(self, lang: str) -> tuple[str, list[str]]:
        """The question and options in ``lang``, or the Indonesian base if there is no such
        translation. The returned list is a copy: callers may change it freely."""
        translation = self.translations.get(lang)
        if translation is None:
            return self.question, list(self.options)
        return translation.question, list(translation.options)


class Variant(_Frozen):
    """One language version of an announcement. ``title`` is plain text; ``body`` is the
    Markdown subset understood by :mod:`content.markup`."""

    title: str
    body: str


class Target(_Frozen):
    """Who receives an announcement: every group under ``regions`` that matches the filters.

    Empty ``levels``, ``kinds`` or ``channels`` mean "all". ``exclude`` lists region codes whose
    subtrees are left out. Region codes are only stripped of surrounding whitespace here; whether
    they exist is decided by the core, which owns the region tree.
    """

    regions: list[str]
    levels: list[Level] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    #: only groups these dispatches reached (a delivery ``sent``), within ``regions``: how a
    #: correction or cancellation notice reaches exactly those who read the original
    reached_by: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(default_factory=list)

    @field_validator("regions", "kinds", "channels", "exclude")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        # Codes are often pasted from spreadsheets with stray spaces; " 3671" is still 3671.
        return [value.strip() for value in values]


class Attachment(_Frozen):
    """A photo or document sent with the announcement, by URL (https). ``caption`` is plain
    text shown under it. Checked by :func:`content.validation.validate`."""

    kind: Literal["photo", "document"]
    url: str
    caption: str = ""


class Announcement(_Frozen):
    """The content that is approved and hashed (see :mod:`content.hashing`).

    ``variants`` maps a language code to its version; ``"id"`` (Bahasa Indonesia) is required and
    ``"en"`` is optional; other two-letter ISO 639-1 codes are allowed. Workflow state, authors
    and approvals live in the core, not here, so that they never affect the content hash.
    """

    variants: dict[str, Variant]
    poll: Poll | None = None
    priority: Priority = Priority.normal
    source: str | None = None
    expires_at: AwareDatetime | None = None
    target: Target
    attachments: list[Attachment] = Field(default_factory=list)
    #: the poll's results may be shown in public (the portal, /v/CODE), rolled up per region
    #: and never for a region with fewer votes than the portal's minimum count. Part of the
    #: approved content: it changes what is published.
    public_results: bool = False

    def variant(self, lang: str) -> Variant:
        """The variant in ``lang``, falling back to the Indonesian one.

        Raises ``KeyError`` only if neither exists, which :func:`content.validation.validate`
        reports as a problem, so an approved announcement never raises here.
        """
        found = self.variants.get(lang)
        if found is not None:
            return found
        try:
            return self.variants[BASE_LANGUAGE]
        except KeyError:
            raise KeyError(
                f"announcement has no {lang!r} variant and no {BASE_LANGUAGE!r} fallback"
            ) from None

    @property
    def languages(self) -> list[str]:
        """The variant languages, Indonesian first, the rest in alphabetical order."""
        return sorted(self.variants, key=lambda code: (code != BASE_LANGUAGE, code))


def is_aware(moment: datetime) -> bool:
    """True if ``moment`` carries a usable time zone (an offset can be computed)."""
    return moment.tzinfo is not None and moment.utcoffset() is not None
