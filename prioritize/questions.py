"""The five journey questions, answered from the pain points, the ideas and the config.

1. Which improvements have the biggest impact?           `impact`
2. Which are the most complex, the shortest, the longest? `effort`
3. What are the biggest obstacles at each touchpoint?     `obstacles`
4. Where is the lifecycle weakest and strongest?          `stages`
5. Where do customers' words and behaviour diverge?       `say_do`

Pure: facts and `now` in, answers out. Every answer has a one-line `why` and says in
`missing` what data it lacks, so an empty workspace still gets five answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from .config import JourneyConfig
from .models import EvidenceSource, IdeaStatus, PainStatus
from .outcomes import Area, Outcome, PainTimeline, SurveyAnswer, Verdict, outcome
from .scoring import IdeaFacts

__all__ = [
    "NO_TOUCHPOINT",
    "Certainty",
    "EffortAnswer",
    "EffortKind",
    "EffortRow",
    "EvidenceCount",
    "ImpactAnswer",
    "ImpactRow",
    "JourneyAnswers",
    "JourneyIdea",
    "JourneyPain",
    "Obstacle",
    "ObstacleAnswer",
    "SayDoAnswer",
    "StageAnswer",
    "StageEvidence",
    "StageRow",
    "TouchpointRow",
    "answer",
    "biggest_impact",
    "effort",
    "obstacles",
    "outcomes",
    "say_do",
    "stages",
]

NO_TOUCHPOINT = "(no touchpoint)"
LOW_COMPLEXITY = 2.0
"""Median complexity at or below this is low (on the 1 to 5 scale)."""
HIGH_COMPLEXITY = 4.0
"""Median complexity at or above this is high."""
DOMINANT_SHARE = 0.8
"""One kind of customer evidence at or above this share of a stage's dominates it (4 to 1)."""


# ---------------------------------------------------------------- the facts


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
        missing.append(f"{_n(len(unestimated), 'active idea')} without an impact estimate yet")
    if rows:
        top = rows[0]
        why = (
            f"#{top.idea_id} {top.title}: impact {_num(top.impact)} × reach {top.reach}"
            f" ({_n(top.supporters, 'supporter')}, {_n(top.pain_points, 'open pain point')}"
            f" of severity {top.pain_severity}); {top.certainty.value}"
            + (f" ({top.doubt})" if top.doubt else f" ({_n(top.estimates, 'estimate')} agree)")
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
            f"{_n(len(unestimated), 'active idea')} without both complexity and time estimates"
        )
    if not rows:
        why = (
            "no active idea has both complexity and time estimated yet"
            if unestimated
            else "no active ideas yet: propose one with /idea"
        )
    else:
        parts = [
            f"{_n(len(answer.quick_wins), 'quick win')}",
            f"{_n(len(answer.long_poles), 'long pole')}",
            f"{len(answer.surprising)} surprising",
        ]
        odd = answer.surprising[:1]
        if odd:
            r = odd[0]
            parts.append(
                f"#{r.idea_id} is {r.kind.value if r.kind else ''} (complexity"
                f" {_num(r.complexity)}, {_num(r.weeks)} week{'s' * (r.weeks != 1)}):"
                " worth a second look"
            )
        elif answer.quick_wins:
            r = answer.quick_wins[0]
            parts.append(f"start with #{r.idea_id} {r.title}")
        why = "; ".join(parts)
    return EffortAnswer(tuple(rows), tuple(unestimated), why, tuple(missing))


# ---------------------------------------------------------------- 3. obstacles


@dataclass(frozen=True, slots=True)
class Obstacle:
    """An active idea addressing a touchpoint that is not moving, and why."""

    idea_id: int
    title: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TouchpointRow:
    touchpoint: str
    open_pain_points: int
    severity_load: int
    by_severity: tuple[int, int, int, int, int]
    """Open pain points of severity 5, 4, 3, 2 and 1."""
    ideas: int
    """Active ideas addressing at least one of them."""
    obstacles: tuple[Obstacle, ...]


@dataclass(frozen=True, slots=True)
class ObstacleAnswer:
    rows: tuple[TouchpointRow, ...]
    """Touchpoints with open pain points, heaviest first."""
    why: str
    missing: tuple[str, ...]


def obstacles(
    pains: Sequence[JourneyPain],
    ideas: Sequence[JourneyIdea],
    config: JourneyConfig,
    *,
    now: datetime,
) -> ObstacleAnswer:
    """Return per touchpoint the open pain by severity and the ideas stuck on it."""
    stuck_days = config.questions.stuck_days
    touchpoint_of: dict[int, str] = {}
    counts: dict[str, list[int]] = {}
    for p in pains:
        if p.status is not PainStatus.OPEN:
            continue
        spot = p.touchpoint or NO_TOUCHPOINT
        touchpoint_of[p.id] = spot
        tally = counts.get(spot)
        if tally is None:
            tally = counts[spot] = [0, 0, 0, 0, 0]
        tally[5 - p.severity] += 1
    addressing: dict[str, list[JourneyIdea]] = {}
    reasons_of: dict[int, tuple[str, ...]] = {}
    for idea in ideas:
        if not idea.status.is_active:
            continue
        spots = {touchpoint_of[i] for i in idea.pain_ids if i in touchpoint_of}
        if not spots:
            continue
        for spot in spots:
            addressing.setdefault(spot, []).append(idea)
        reasons_of[idea.id] = _obstacle_reasons(idea, now, stuck_days)
    rows = []
    for spot, by_severity in counts.items():
        linked = addressing.get(spot, [])
        blocked = tuple(
            Obstacle(i.id, i.title, reasons_of[i.id]) for i in linked if reasons_of[i.id]
        )
        s5, s4, s3, s2, s1 = by_severity
        load = 5 * s5 + 4 * s4 + 3 * s3 + 2 * s2 + s1
        rows.append(
            TouchpointRow(spot, sum(by_severity), load, (s5, s4, s3, s2, s1), len(linked), blocked)
        )
    order = {t: i for i, t in enumerate(config.touchpoints)}
    rows.sort(key=lambda r: (-r.severity_load, order.get(r.touchpoint, len(order)), r.touchpoint))
    missing = []
    if NO_TOUCHPOINT in counts:
        missing.append(f"{_n(sum(counts[NO_TOUCHPOINT]), 'open pain point')} without a touchpoint")
    if not rows:
        why = "no open pain points: nothing stands in the way"
    else:
        top = rows[0]
        if top.obstacles:
            first = top.obstacles[0]
            held = f"#{first.idea_id} {first.title} is {first.reasons[0]}"
            others = len(top.obstacles) - 1
            if others:
                held += f" (and {_n(others, 'more idea')})"
        elif top.ideas:
            held = f"{_n(top.ideas, 'idea')} addressing it, none held up"
        else:
            held = "no idea addresses it yet"
        why = (
            f"{top.touchpoint}: open severity {top.severity_load} across"
            f" {_n(top.open_pain_points, 'pain point')}; {held}"
        )
    return ObstacleAnswer(tuple(rows), why, tuple(missing))


def _obstacle_reasons(idea: JourneyIdea, now: datetime, stuck_days: int) -> tuple[str, ...]:
    c = idea.scoring.consensus
    reasons = []
    if c.count == 0:
        reasons.append("unestimated")
    elif c.disagreement:
        reasons.append(f"disputed ({c.disagreement})")
    days = (now - idea.since).days
    if days > stuck_days:
        reasons.append(f"stuck in {idea.status.value} for {days} days")
    return tuple(reasons)


# ---------------------------------------------------------------- 4. stages


@dataclass(frozen=True, slots=True)
class StageRow:
    stage: str
    pain_points: int
    """All pain points ever logged here, open or not."""
    open_pain_points: int
    open_load: int
    """Severity of the open pain points."""
    resolved_load: int
    """Severity resolved in the recent period."""
    previous_open_load: int
    """Open severity at the start of the recent period."""
    previous_resolved_load: int
    """Severity resolved in the period before it."""
    in_flight: int
    """Planned or in-progress ideas addressing an open pain point here."""
    outcomes: Mapping[Verdict, int]
    """Done ideas that addressed pain points here, by outcome."""

    @property
    def trend(self) -> int:
        """Open severity now minus at the start of the period: above 0 is worse."""
        return self.open_load - self.previous_open_load

    @property
    def health(self) -> int:
        return self.resolved_load - self.open_load


@dataclass(frozen=True, slots=True)
class StageAnswer:
    rows: tuple[StageRow, ...]
    weakest: str | None
    strongest: str | None
    period_days: int
    outcomes: tuple[Outcome, ...]
    """Every Done idea's outcome, the most recently shipped first."""
    why: str
    missing: tuple[str, ...]


def stages(
    pains: Sequence[JourneyPain],
    ideas: Sequence[JourneyIdea],
    config: JourneyConfig,
    *,
    now: datetime,
    done_outcomes: Sequence[Outcome] = (),
) -> StageAnswer:
    """Return per stage the open load, the load resolved lately, the ideas in flight.

    The weakest stage has the least resolved against open severity (and some open), the
    strongest the most (among stages with any pain points); ties go to the earlier stage.
    """
    period = timedelta(days=config.questions.period_days)
    start, previous = now - period, now - 2 * period
    names = list(config.stages)
    known = set(names)
    for p in pains:
        if p.stage not in known:  # a stage since removed from the config still shows
            known.add(p.stage)
            names.append(p.stage)
    total = dict.fromkeys(names, 0)
    n_open, load, resolved, was_open, resolved_before = (dict.fromkeys(names, 0) for _ in range(5))
    undated = 0
    stage_of: dict[int, str] = {}
    for p in pains:
        s = p.stage
        stage_of[p.id] = s
        total[s] += 1
        is_open = p.status is PainStatus.OPEN
        if is_open:
            n_open[s] += 1
            load[s] += p.severity
        elif p.resolved_at is None:
            undated += 1
        elif p.resolved_at >= start:
            resolved[s] += p.severity
        elif p.resolved_at >= previous:
            resolved_before[s] += p.severity
        if p.created_at < start and (
            is_open or (p.resolved_at is not None and p.resolved_at >= start)
        ):
            was_open[s] += p.severity
    open_ids = {p.id for p in pains if p.status is PainStatus.OPEN}
    flying: dict[str, set[int]] = {s: set() for s in names}
    done_stages: dict[int, set[str]] = {}
    for idea in ideas:
        if idea.status in (IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS):
            for i in idea.pain_ids:
                if i in open_ids:
                    flying[stage_of[i]].add(idea.id)
        elif idea.status is IdeaStatus.DONE:
            done_stages[idea.id] = {stage_of[i] for i in idea.pain_ids if i in stage_of}
    verdicts: dict[str, Counter[Verdict]] = {s: Counter() for s in names}
    for o in done_outcomes:
        for s in done_stages.get(o.idea_id, ()):
            verdicts[s][o.verdict] += 1
    rows = tuple(
        StageRow(
            s, total[s], n_open[s], load[s], resolved[s], was_open[s], resolved_before[s],
            len(flying[s]), dict(verdicts[s]),
        )
        for s in names
    )  # fmt: skip
    order = {s: i for i, s in enumerate(names)}
    # Only a stage with open pain can be weakest; only one with pain points logged can be
    # strongest (a stage nobody looked at is not strong, just unknown).
    hurting = [r for r in rows if r.open_load]
    weakest_row = min(hurting, key=lambda r: (r.health, -r.open_load, order[r.stage]), default=None)
    strongest_row = min(
        (r for r in rows if r.pain_points and r is not weakest_row),
        key=lambda r: (-r.health, r.open_load, order[r.stage]),
        default=None,
    )
    missing = []
    empty = [r.stage for r in rows if not r.pain_points]
    if empty:
        missing.append(f"no pain points yet for {_and(empty)}")
    if undated:
        missing.append(
            f"{_n(undated, 'resolved pain point')} without a resolution date, left out of the trend"
        )
    days = config.questions.period_days
    if weakest_row is None and strongest_row is None:
        why = "no pain points yet: log one with /pain"
    else:
        parts = []
        if weakest_row is not None:
            parts.append(f"weakest: {_stage_line(weakest_row, days)}")
        if strongest_row is not None:
            parts.append(f"strongest: {_stage_line(strongest_row, days)}")
        why = "; ".join(parts)
    ordered = tuple(sorted(done_outcomes, key=lambda o: (o.shipped_at, o.idea_id), reverse=True))
    return StageAnswer(
        rows,
        weakest_row.stage if weakest_row else None,
        strongest_row.stage if strongest_row else None,
        days,
        ordered,
        why,
        tuple(missing),
    )


def _stage_line(row: StageRow, days: int) -> str:
    if row.trend > 0:
        trend = f"up {row.trend} on {days} days ago"
    elif row.trend < 0:
        trend = f"down {-row.trend} on {days} days ago"
    else:
        trend = f"level with {days} days ago"
    return (
        f"{row.stage} (open severity {row.open_load}, {trend};"
        f" {row.resolved_load} resolved in the last {days} days)"
    )


def outcomes(
    pains: Sequence[JourneyPain],
    ideas: Sequence[JourneyIdea],
    config: JourneyConfig,
    *,
    now: datetime,
    answers: Mapping[int, Sequence[SurveyAnswer]] | None = None,
) -> list[Outcome]:
    """Return the outcome of every Done idea (see `prioritize.outcomes.outcome`)."""
    answers = answers or {}
    done = [i for i in ideas if i.status is IdeaStatus.DONE]
    if not done:
        return []
    linked = {i for idea in done for i in idea.pain_ids}
    where: dict[int, Area] = {p.id: (p.stage, p.touchpoint) for p in pains if p.id in linked}
    timeline = PainTimeline((p.stage, p.touchpoint, p.created_at) for p in pains)
    return [
        outcome(
            idea.id,
            shipped_at=idea.since,
            area=[where[i] for i in idea.pain_ids if i in where],
            timeline=timeline,
            answers=answers.get(idea.id, ()),
            now=now,
            weeks=config.questions.outcome_weeks,
        )
        for idea in done
    ]


# ---------------------------------------------------------------- 5. say versus do


@dataclass(frozen=True, slots=True)
class EvidenceCount:
    """Open pain points by what backs them."""

    said: int = 0
    observed: int = 0
    internal: int = 0
    unknown: int = 0

    @property
    def customer(self) -> int:
        return self.said + self.observed


@dataclass(frozen=True, slots=True)
class StageEvidence:
    stage: str
    evidence: EvidenceCount
    touchpoints: Mapping[str, EvidenceCount]
    said_at: tuple[str, ...]
    """The touchpoints most said-backed pain points are at (more than one on a tie)."""
    observed_at: tuple[str, ...]
    gap: str | None
    """What to investigate, when words and behaviour diverge here."""


@dataclass(frozen=True, slots=True)
class SayDoAnswer:
    rows: tuple[StageEvidence, ...]
    gaps: tuple[str, ...]
    why: str
    missing: tuple[str, ...]


_KIND = {
    EvidenceSource.CUSTOMER_SAID: 0,
    EvidenceSource.OBSERVED: 1,
    EvidenceSource.INTERNAL: 2,
    None: 3,
}


def say_do(pains: Iterable[JourneyPain], config: JourneyConfig) -> SayDoAnswer:
    """Return open pain points by evidence per stage and touchpoint, and the gaps.

    A stage with at least two pieces of customer evidence where one kind makes
    DOMINANT_SHARE of it, or where the touchpoints with the most said and the most
    observed have none in common, is a gap. Pain points with no evidence type count as
    unknown, never as internal.
    """
    names = list(config.stages)
    tallies: dict[str, list[int]] = {}
    spots: dict[str, dict[str, list[int]]] = {}
    for p in pains:
        if p.status is not PainStatus.OPEN:
            continue
        k = _KIND[p.source]
        if p.stage not in tallies:
            tallies[p.stage] = [0, 0, 0, 0]
            spots[p.stage] = {}
            if p.stage not in names:
                names.append(p.stage)
        tallies[p.stage][k] += 1
        spot = p.touchpoint or NO_TOUCHPOINT
        tally = spots[p.stage].get(spot)
        if tally is None:
            tally = spots[p.stage][spot] = [0, 0, 0, 0]
        tally[k] += 1
    rows = []
    gaps = []
    no_observed, no_said = [], []
    for s in names:
        if s not in tallies:
            rows.append(StageEvidence(s, EvidenceCount(), {}, (), (), None))
            continue
        count = EvidenceCount(*tallies[s])
        by_spot = {t: EvidenceCount(*v) for t, v in spots[s].items()}
        said_at = _top(by_spot, lambda e: e.said)
        observed_at = _top(by_spot, lambda e: e.observed)
        gap = None
        if count.customer >= 2:
            if count.said >= DOMINANT_SHARE * count.customer:
                gap = (
                    f"{s}: {count.said} said against {count.observed} observed;"
                    " watch what customers do"
                )
            elif count.observed >= DOMINANT_SHARE * count.customer:
                gap = f"{s}: {count.observed} observed against {count.said} said; ask customers why"
            elif said_at and observed_at and not set(said_at) & set(observed_at):
                gap = (
                    f"{s}: customers say {_and(said_at)} hurts, but they are seen"
                    f" struggling at {_and(observed_at)}"
                )
        if gap:
            gaps.append(gap)
        if count.said and not count.observed:
            no_observed.append(s)
        if count.observed and not count.said:
            no_said.append(s)
        rows.append(StageEvidence(s, count, by_spot, said_at, observed_at, gap))
    missing = []
    if no_observed:
        missing.append(f"no observed-behaviour evidence yet for {_and(no_observed)}")
    if no_said:
        missing.append(f"no customer-said evidence yet for {_and(no_said)}")
    without = [r.stage for r in rows if r.evidence.customer == 0 and r.stage in tallies]
    if without:
        missing.append(f"no customer evidence yet for {_and(without)}")
    unknown = sum(r.evidence.unknown for r in rows)
    if unknown:
        missing.append(
            f"{_n(unknown, 'open pain point')} without an evidence type (counted as unknown)"
        )
    if not tallies:
        why = "no open pain points yet: log one with /pain"
    elif gaps:
        why = gaps[0] + (f" (and {_n(len(gaps) - 1, 'more gap')})" if len(gaps) > 1 else "")
    elif any(r.evidence.customer for r in rows):
        why = "no gap: where customers said it hurts, they are also seen struggling"
    else:
        why = "no customer evidence yet: only internal or unknown pain points"
    return SayDoAnswer(tuple(rows), tuple(gaps), why, tuple(missing))


def _top(
    by_spot: Mapping[str, EvidenceCount], key: Callable[[EvidenceCount], int]
) -> tuple[str, ...]:
    """Return the touchpoints with the most by `key` (all of them on a tie), if any."""
    counts = {spot: key(e) for spot, e in by_spot.items() if spot != NO_TOUCHPOINT}
    most = max(counts.values(), default=0)
    return tuple(spot for spot, n in counts.items() if n == most) if most else ()


# ---------------------------------------------------------------- all five


@dataclass(frozen=True, slots=True)
class JourneyAnswers:
    impact: ImpactAnswer
    effort: EffortAnswer
    obstacles: ObstacleAnswer
    stages: StageAnswer
    say_do: SayDoAnswer
    now: datetime = field(compare=False)


def answer(
    pains: Sequence[JourneyPain],
    ideas: Sequence[JourneyIdea],
    config: JourneyConfig,
    *,
    now: datetime,
    answers: Mapping[int, Sequence[SurveyAnswer]] | None = None,
) -> JourneyAnswers:
    """Return the answers to all five questions, outcomes of Done ideas included."""
    done = outcomes(pains, ideas, config, now=now, answers=answers)
    return JourneyAnswers(
        biggest_impact(ideas, config),
        effort(ideas, config),
        obstacles(pains, ideas, config, now=now),
        stages(pains, ideas, config, now=now, done_outcomes=done),
        say_do(pains, config),
        now,
    )


# ---------------------------------------------------------------- words


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _and(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
