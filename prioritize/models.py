"""Domain models: pain points, ideas, estimates, support, and the journey taxonomy.

Pure pydantic: no I/O, no clock. Text is kept as typed (only what can hide or reorder it
is removed, see `clean_text`) and bounded, so that bad input is refused here, with the
field named, before anything is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

__all__ = [
    "MAX_TEXT",
    "MAX_TITLE",
    "Bucket",
    "Estimate",
    "EvidenceSource",
    "Idea",
    "IdeaStatus",
    "PainPoint",
    "PainStatus",
    "Quadrant",
    "Support",
    "clean_text",
    "looks_blank",
]

MAX_TEXT = 4000
"""Longest pain point text or idea description, in characters (a Slack message is 40,000)."""
MAX_TITLE = 150
"""Longest idea title: it must fit a Slack header and a Notion title comfortably."""

# Characters that can hide or reorder what a reader sees: the bidi embeddings, overrides
# and isolates (U+202A-U+202E, U+2066-U+2069), which make "Refund" display backwards or
# move words around. Bidi marks (LRM, RLM, ALM) are left alone: right-to-left writers
# type them, and they only settle the direction of neutral characters next to them.
_REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Tag characters (U+E0000-U+E007F) are invisible copies of ASCII: the only text use of
# them is the tail of a flag emoji such as England's, which `_TAG_SEQUENCE` keeps.
_TAG_SEQUENCE = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_TAGS = re.compile("[\U000e0000-\U000e007f]")
# Characters that draw nothing but are not formatting: a text made only of them (and of
# spaces, joiners and marks) looks empty, so it counts as empty.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def clean_text(value: str) -> str:
    """Return `value` as typed, NFC-normalised and stripped, without what can hide or reorder it.

    Removed: control characters other than newline and tab (a carriage return ends a line,
    so CRLF and CR become LF), bidi embeddings, overrides and isolates, lone surrogates,
    and tag characters outside a flag emoji. Everything else is kept, zero-width joiners
    and non-joiners included: they are part of emoji such as 👩‍💻 and of words in Persian
    or Devanagari. NFC changes no character a reader can tell apart.
    """
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    if max(value, default="") >= "\U000e0000":
        value = _without_tags(value)
    kept = [
        ch
        for ch in value
        if ch in "\n\t" or not (unicodedata.category(ch) in ("Cc", "Cs") or ch in _REORDERING)
    ]
    return "".join(kept).strip()


def _without_tags(value: str) -> str:
    # Keep each flag's tag sequence whole, drop every other tag character.
    parts = []
    at = 0
    for match in _TAG_SEQUENCE.finditer(value):
        parts.append(_TAGS.sub("", value[at : match.start()]))
        parts.append(match.group())
        at = match.end()
    parts.append(_TAGS.sub("", value[at:]))
    return "".join(parts)


def looks_blank(value: str) -> bool:
    """Whether `value` would show nothing: only spaces, joiners, marks and the like."""
    return all(
        ch.isspace()
        or ch in _BLANK_LOOKING
        or unicodedata.category(ch) in ("Cf", "Cc", "Mn", "Me", "Zs", "Zl", "Zp")
        for ch in value
    )


def _not_blank(value: str) -> str:
    if looks_blank(value):
        raise ValueError("must not be empty")
    return value


def _at_most(limit: int) -> Callable[[str], str]:
    # pydantic's own max_length runs after the cleaning validators and then speaks of
    # "items"; this says "characters" and runs first. Field(max_length) stays for the schema.
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters, not {len(value)}")
        return value

    return check


Text = Annotated[str, AfterValidator(clean_text), AfterValidator(_not_blank)]
OptionalText = Annotated[str, AfterValidator(clean_text)]
Rating = Annotated[int, Field(ge=1, le=5)]
Weeks = Annotated[float, Field(gt=0, le=520)]


class PainStatus(StrEnum):
    OPEN = "Open"
    ADDRESSED = "Addressed"
    CLOSED = "Closed"
    WITHDRAWN = "Withdrawn"
    """Its reporter took it back."""
    ARCHIVED = "Archived"
    """An admin put it away: kept, exported, but off the heat table."""


class IdeaStatus(StrEnum):
    PROPOSED = "Proposed"
    PLANNED = "Planned"
    IN_PROGRESS = "In progress"
    DONE = "Done"
    WONT_DO = "Won't do"
    ARCHIVED = "Archived"
    """An admin put it away: kept and exported, off the roadmap."""

    @property
    def is_active(self) -> bool:
        """Whether the idea is still on the roadmap (not Done, Won't do or Archived)."""
        return self not in (IdeaStatus.DONE, IdeaStatus.WONT_DO, IdeaStatus.ARCHIVED)


class Bucket(StrEnum):
    NOW = "Now"
    NEXT = "Next"
    LATER = "Later"


class Quadrant(StrEnum):
    QUICK_WIN = "Quick win"
    BIG_BET = "Big bet"
    FILL_IN = "Fill-in"
    MONEY_PIT = "Money pit"


class EvidenceSource(StrEnum):
    """Where a pain point comes from. A pain point with no source (None) is *unknown*."""

    CUSTOMER_SAID = "customer said"
    OBSERVED = "observed behaviour"
    INTERNAL = "internal"


class _Model(BaseModel):
    model_config = ConfigDict(
        str_max_length=40_000, validate_assignment=True, use_enum_values=False, frozen=False
    )


class PainPoint(_Model):
    """A problem a customer hits at one touchpoint of one journey stage."""

    id: int | None = None
    team_id: str = Field(min_length=1, description="Slack workspace id")
    reporter: str = Field(min_length=1, description="Slack user id of the person who logged it")
    text: Annotated[Text, AfterValidator(_at_most(MAX_TEXT)), Field(max_length=MAX_TEXT)]
    stage: str
    touchpoint: str | None = None
    persona: str | None = None
    severity: Rating = 3
    # None is "unknown": nobody said what backs it, and it never counts as internal.
    source: EvidenceSource | None = None
    link: Annotated[OptionalText, AfterValidator(_at_most(2000)), Field(max_length=2000)] | None = (
        None
    )
    owning_team: str | None = None
    status: PainStatus = PainStatus.OPEN
    created_at: datetime | None = None

    @field_validator("link")
    @classmethod
    def _link_is_a_url(cls, link: str | None) -> str | None:
        # A field validator, so the error is reported on `link` rather than the whole record.
        if link and not link.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return link


class Idea(_Model):
    """A proposed improvement, linked to the pain points it would relieve."""

    id: int | None = None
    team_id: str = Field(min_length=1, description="Slack workspace id")
    title: Annotated[Text, AfterValidator(_at_most(MAX_TITLE)), Field(max_length=MAX_TITLE)]
    description: Annotated[
        OptionalText, AfterValidator(_at_most(MAX_TEXT)), Field(max_length=MAX_TEXT)
    ] = ""
    proposer: str = Field(min_length=1)
    owning_team: str | None = None
    pain_point_ids: list[int] = Field(default_factory=list, max_length=100)
    status: IdeaStatus = IdeaStatus.PROPOSED
    pinned_bucket: Bucket | None = None
    merged_into: int | None = None
    card_channel: str | None = None
    card_ts: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Estimate(_Model):
    """One person's estimate of one idea; a later estimate by the same person replaces it.

    Any criterion may be left out (a thread reply of `impact: high` rates impact only),
    but not all of them.
    """

    team_id: str = Field(min_length=1)
    idea_id: int
    voter: str = Field(min_length=1)
    team: str | None = Field(default=None, description="the voter's cross-functional team")
    impact: Rating | None = None
    complexity: Rating | None = None
    weeks: Weeks | None = None
    created_at: datetime | None = None

    @model_validator(mode="after")
    def _rates_something(self) -> Estimate:
        if self.impact is None and self.complexity is None and self.weeks is None:
            raise ValueError("an estimate needs at least one of impact, complexity or weeks")
        return self

    def merged_over(self, older: Estimate | None) -> Estimate:
        """Return this estimate with the criteria it leaves out taken from `older`."""
        if older is None:
            return self
        return self.model_copy(
            update={
                "impact": self.impact if self.impact is not None else older.impact,
                "complexity": self.complexity if self.complexity is not None else older.complexity,
                "weeks": self.weeks if self.weeks is not None else older.weeks,
                "team": self.team or older.team,
            }
        )


class Support(_Model):
    """A plain +1: one per person per idea."""

    team_id: str = Field(min_length=1)
    idea_id: int
    user: str = Field(min_length=1)
    team: str | None = None
    created_at: datetime | None = None
