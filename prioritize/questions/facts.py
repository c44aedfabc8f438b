"""What the journey questions look at of pain points and ideas, and the words they answer in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from ..models import EvidenceSource, IdeaStatus, PainStatus
from ..scoring import IdeaFacts

__all__ = ["NO_TOUCHPOINT", "JourneyIdea", "JourneyPain"]

NO_TOUCHPOINT = "(no touchpoint)"


class JourneyPain(NamedTuple):
    """What the questions look at of one pain point.

    A named tuple rather than a frozen dataclass: 100,000 of them are built at a time,
    and a tuple is built several times faster.
    """

    id: int
    stage: str
    touchpoint: str | None
    severity: int
    status: PainStatus
    source: EvidenceSource | None
    """None is unknown: nobody said what backs it."""
    created_at: datetime
    resolved_at: datetime | None = None
    """When it stopped being open, when known (the Done of an idea addressing it)."""


@dataclass(frozen=True, slots=True)
class JourneyIdea:
    """What the questions look at of one idea: its scoring facts, links and status."""

    id: int
    title: str
    status: IdeaStatus
    since: datetime
    """When it entered its current status (its creation, if it never changed)."""
    pain_ids: tuple[int, ...] = ()
    facts: IdeaFacts | None = None
    """Estimates, supporters and open linked pain; None reads as no estimates or support."""

    @property
    def scoring(self) -> IdeaFacts:
        return self.facts or IdeaFacts(self.id, status=self.status)


# ---------------------------------------------------------------- words


def _and(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
