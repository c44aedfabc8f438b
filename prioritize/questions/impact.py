"""Questions 1 and 2: which improvements have the biggest impact; which are the most
complex, the quickest and the longest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ..config import JourneyConfig
from ..models import IdeaStatus
from ..words import figure, plural
from .facts import JourneyIdea

__all__ = [
    "HIGH_COMPLEXITY",
    "LOW_COMPLEXITY",
    "Certainty",
    "EffortAnswer",
    "EffortKind",
    "EffortRow",
    "ImpactAnswer",
    "ImpactRow",
    "biggest_impact",
    "effort",
]

LOW_COMPLEXITY = 2.0
"""Median complexity at or below this is low (on the 1 to 5 scale)."""
HIGH_COMPLEXITY = 4.0
"""Median complexity at or above this is high."""


# ---------------------------------------------------------------- 1. biggest impact


class Certainty(StrEnum):
    SURE = "sure"
    FAIR = "fairly sure"
    UNSURE = "unsure"


@dataclass(frozen=True, slots=True)
class ImpactRow:
    idea_id: int
    title: str
    status: IdeaStatus
    impact: float
    """Median impact, 1 to 5."""
    reach: int
    """Supporters plus the severity of the open pain points it addresses (at least 1)."""
    weighted: float
    """Impact weighted by reach: what the ideas are ranked by."""
    supporters: int
    pain_points: int
    pain_severity: int
    estimates: int
    impact_spread: int
    certainty: Certainty
    doubt: str
    """Why we are not sure ("2 of 3 estimates", "impact: Sales say 5, Support say 1"), or ""."""


@dataclass(frozen=True, slots=True)
class ImpactAnswer:
    rows: tuple[ImpactRow, ...]
    unestimated: tuple[int, ...]
    """Active ideas nobody rated the impact of yet."""
    why: str
    missing: tuple[str, ...]


def biggest_impact(ideas: Iterable[JourneyIdea], config: JourneyConfig) -> ImpactAnswer:
    """Return the active ideas by median impact times reach, with how sure we are."""
    min_estimates = config.scoring.min_estimates
    rows: list[ImpactRow] = []
    unestimated: list[int] = []
    for idea in ideas:
        if not idea.status.is_active:
            continue
        f = idea.scoring
        c = f.consensus
        if c.impact is None:
            unestimated.append(idea.id)
            continue
        reach = max(1, f.supporters + f.pain_severity)
        doubts = []
        if c.count < min_estimates:
            doubts.append(f"{c.count} of {min_estimates} estimates")
        if c.disagreement:
            doubts.append(c.disagreement)
        if doubts:
            certainty = Certainty.UNSURE
        elif c.impact_spread >= 2:
            certainty = Certainty.FAIR
            doubts.append(f"impact spread {c.impact_spread}")
        else:
            certainty = Certainty.SURE
        doubt = "; ".join(doubts)
        rows.append(
            ImpactRow(
                idea.id, idea.title, idea.status, c.impact, reach, round(c.impact * reach, 1),
                f.supporters, f.pain_points, f.pain_severity, c.count, c.impact_spread,
                certainty, doubt,
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (-r.weighted, -r.impact, r.idea_id))
    missing = []
    if unestimated:
        missing.append(f"{plural(len(unestimated), 'active idea')} without an impact estimate yet")
    if rows:
        top = rows[0]
        why = (
            f"#{top.idea_id} {top.title}: impact {figure(top.impact)} × reach {top.reach}"
            f" ({plural(top.supporters, 'supporter')}, {plural(top.pain_points, 'open pain point')}"
            f" of severity {top.pain_severity}); {top.certainty.value}"
            + (f" ({top.doubt})" if top.doubt else f" ({plural(top.estimates, 'estimate')} agree)")
        )
    elif unestimated:
        why = "no active idea has an impact estimate yet"
    else:
        why = "no active ideas yet: propose one with /idea"
    return ImpactAnswer(tuple(rows), tuple(unestimated), why, tuple(missing))


# ---------------------------------------------------------------- 2. effort


class EffortKind(StrEnum):
    QUICK_WIN = "quick win"
    LONG_POLE = "long pole"
    COMPLEX_YET_SHORT = "complex yet short"
    SIMPLE_YET_LONG = "simple yet long"

    @property
    def surprising(self) -> bool:
        """Whether the estimates are worth a second look."""
        return self in (EffortKind.COMPLEX_YET_SHORT, EffortKind.SIMPLE_YET_LONG)


@dataclass(frozen=True, slots=True)
class EffortRow:
    idea_id: int
    title: str
    complexity: float
    weeks: float
    kind: EffortKind | None


@dataclass(frozen=True, slots=True)
class EffortAnswer:
    rows: tuple[EffortRow, ...]
    """Every active idea with both complexity and time estimated, shortest first."""
    unestimated: tuple[int, ...]
    why: str
    missing: tuple[str, ...]

    def of_kind(self, *kinds: EffortKind) -> list[EffortRow]:
        return [r for r in self.rows if r.kind in kinds]

    @property
    def quick_wins(self) -> list[EffortRow]:
        return self.of_kind(EffortKind.QUICK_WIN)

    @property
    def long_poles(self) -> list[EffortRow]:
        return self.of_kind(EffortKind.LONG_POLE)

    @property
    def surprising(self) -> list[EffortRow]:
        return self.of_kind(EffortKind.COMPLEX_YET_SHORT, EffortKind.SIMPLE_YET_LONG)

    def highlights(self, top: int = 3) -> list[EffortRow]:
        """Return the rows worth showing first: quick wins, then surprises, then long poles."""
        picked = dict.fromkeys([*self.quick_wins, *self.surprising, *self.long_poles])
        return list(picked)[:top] or list(self.rows[:top])

    @property
    def most_complex(self) -> list[EffortRow]:
        return sorted(self.rows, key=lambda r: (-r.complexity, -r.weeks, r.idea_id))

    @property
    def longest(self) -> list[EffortRow]:
        return sorted(self.rows, key=lambda r: (-r.weeks, -r.complexity, r.idea_id))


def effort(ideas: Iterable[JourneyIdea], config: JourneyConfig) -> EffortAnswer:
    """Return complexity against time to deliver: quick wins, long poles, surprises."""
    short, long = config.questions.short_weeks, config.questions.long_weeks
    rows: list[EffortRow] = []
    unestimated: list[int] = []
    for idea in ideas:
        if not idea.status.is_active:
            continue
        c = idea.scoring.consensus
        if c.complexity is None or c.weeks is None:
            unestimated.append(idea.id)
            continue
        simple, complex_ = c.complexity <= LOW_COMPLEXITY, c.complexity >= HIGH_COMPLEXITY
        quick, slow = c.weeks <= short, c.weeks >= long
        kind = (
            EffortKind.QUICK_WIN
            if simple and quick
            else EffortKind.LONG_POLE
            if complex_ and slow
            else EffortKind.COMPLEX_YET_SHORT
            if complex_ and quick
            else EffortKind.SIMPLE_YET_LONG
            if simple and slow
            else None
        )
        rows.append(EffortRow(idea.id, idea.title, c.complexity, c.weeks, kind))
    rows.sort(key=lambda r: (r.weeks, r.complexity, r.idea_id))
    answer = EffortAnswer(tuple(rows), tuple(unestimated), "", ())
    missing = []
    if unestimated:
        missing.append(
            f"{plural(len(unestimated), 'active idea')} without both complexity and time estimates"
        )
    if not rows:
        why = (
            "no active idea has both complexity and time estimated yet"
            if unestimated
            else "no active ideas yet: propose one with /idea"
        )
    else:
        parts = [
            f"{plural(len(answer.quick_wins), 'quick win')}",
            f"{plural(len(answer.long_poles), 'long pole')}",
            f"{len(answer.surprising)} surprising",
        ]
        odd = answer.surprising[:1]
        if odd:
            r = odd[0]
            parts.append(
                f"#{r.idea_id} is {r.kind.value if r.kind else ''} (complexity"
                f" {figure(r.complexity)}, {figure(r.weeks)} week{'s' * (r.weeks != 1)}):"
                " worth a second look"
            )
        elif answer.quick_wins:
            r = answer.quick_wins[0]
            parts.append(f"start with #{r.idea_id} {r.title}")
        why = "; ".join(parts)
    return EffortAnswer(tuple(rows), tuple(unestimated), why, tuple(missing))
