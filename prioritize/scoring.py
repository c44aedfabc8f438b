"""Score, rank and bucket ideas. Pure functions over plain data: no I/O, no clock.

An idea's score depends on its own facts only (its estimates, supporters, linked pain
points), never on the rest of the set, so adding one idea never moves another's score.

Ranking order (the tie-break is part of the contract):
    1. ideas still on the roadmap before Done and Won't do ideas,
    2. ideas with enough estimates before ideas that still need estimates,
    3. higher score first,
    4. more supporters first,
    5. more linked pain severity first,
    6. the older idea (lower id) first.

Not frozen: `Consensus`, `IdeaFacts`, `Score` and `RoadmapItem` are values that nothing
changes once built, and hashable as values; they are not `frozen=True` only because a
frozen dataclass sets each field through `object.__setattr__`, four times the cost of
building one, and a roadmap of 100,000 ideas builds 400,000 of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Protocol

from .config import Capacity, ScoringConfig, Strategy
from .models import Bucket, Idea, IdeaStatus, Quadrant
from .words import figure

__all__ = [
    "Breakdown",
    "Consensus",
    "IdeaFacts",
    "Rated",
    "RoadmapEntry",
    "RoadmapItem",
    "Score",
    "breakdown",
    "bucket_for",
    "consensus",
    "disagreement",
    "explain",
    "fits",
    "fixed_load",
    "plan",
    "quadrant_axes",
    "quadrant_for",
    "rank",
    "reach_points",
    "reach_share",
    "roadmap",
    "score",
    "scorer",
]


class Rated(Protocol):
    """Anything shaped like an estimate: `prioritize.models.Estimate` or a storage row."""

    team: str | None
    impact: int | None
    complexity: int | None
    weeks: float | None


@dataclass(slots=True, unsafe_hash=True)  # values: see "Not frozen" above
class Consensus:
    """The estimates of one idea, aggregated with the median per criterion."""

    count: int = 0
    impact: float | None = None
    complexity: float | None = None
    weeks: float | None = None
    impact_spread: int = 0
    complexity_spread: int = 0
    weeks_spread: float = 0.0
    disagreement: str | None = None
    """One line saying who disagrees about what, when raters are far apart."""
    teams: tuple[str, ...] = ()
    """The teams that weighed in; as stored, those of the +1s too (the `teams` count's)."""
    impact_ends: str | None = None
    """Who gave the highest and the lowest impact ("Sales say 5, Support say 1"), whatever
    the spread; whether that counts as disagreeing is decided when read (`disagreement`)."""
    complexity_ends: str | None = None

    @property
    def disagree(self) -> bool:
        return self.disagreement is not None


def consensus(estimates: Iterable[Rated], *, disagree_spread: int = 3) -> Consensus:
    """Return the median of each criterion, its spread, and who disagrees.

    Raters disagree when the highest and lowest impact (or complexity) are
    `disagree_spread` points or more apart; the line names the teams at both ends.
    """
    rows = list(estimates)
    if not rows:
        return Consensus()
    impacts = [(r.impact, r.team) for r in rows if r.impact is not None]
    complexities = [(r.complexity, r.team) for r in rows if r.complexity is not None]
    weeks = [r.weeks for r in rows if r.weeks is not None]
    impact_spread = _spread([v for v, _ in impacts])
    complexity_spread = _spread([v for v, _ in complexities])
    impact_ends, complexity_ends = _ends(impacts), _ends(complexities)
    return Consensus(
        count=len(rows),
        impact=_median([v for v, _ in impacts]),
        complexity=_median([v for v, _ in complexities]),
        weeks=_median(weeks),
        impact_spread=impact_spread,
        complexity_spread=complexity_spread,
        weeks_spread=float(max(weeks) - min(weeks)) if weeks else 0.0,
        disagreement=disagreement(
            impact_spread, impact_ends, complexity_spread, complexity_ends, spread=disagree_spread
        ),
        teams=tuple(sorted({r.team for r in rows if r.team})),
        impact_ends=impact_ends,
        complexity_ends=complexity_ends,
    )


def disagreement(
    impact_spread: int,
    impact_ends: str | None,
    complexity_spread: int,
    complexity_ends: str | None,
    *,
    spread: int,
) -> str | None:
    """Return who disagrees about what when a criterion's ratings are `spread` or more apart.

    The verdict depends on the configured spread, so it is made when the stats are read,
    never stored: changing `disagree_spread` changes every idea's verdict at once.
    """
    parts = []
    if impact_ends is not None and impact_spread >= spread:
        parts.append(f"impact: {impact_ends}")
    if complexity_ends is not None and complexity_spread >= spread:
        parts.append(f"complexity: {complexity_ends}")
    return "; ".join(parts) or None


def _median(values: list[float]) -> float | None:
    return float(median(values)) if values else None


def _spread(values: list[int]) -> int:
    return max(values) - min(values) if values else 0


def _ends(ratings: list[tuple[int, str | None]]) -> str | None:
    """Return "<teams> say <highest>, <teams> say <lowest>", or None when all agree."""
    if len(ratings) < 2:
        return None
    low = min(v for v, _ in ratings)
    high = max(v for v, _ in ratings)
    if high == low:
        return None

    def who(value: int) -> str:
        teams = sorted({team or "someone" for v, team in ratings if v == value})
        return " and ".join(teams)

    return f"{who(high)} say {high}, {who(low)} say {low}"


@dataclass(slots=True, unsafe_hash=True)  # values: see "Not frozen" above
class IdeaFacts:
    """Everything the scoring of one idea may look at."""

    idea_id: int
    consensus: Consensus = field(default_factory=Consensus)
    supporters: int = 0
    pain_points: int = 0
    """Linked pain points that are still open."""
    pain_severity: int = 0
    """Sum of the severities of those pain points."""
    max_severity: int = 0
    teams: int = 0
    """Distinct teams that weighed in: the teams of the estimates and of the +1s."""
    status: IdeaStatus = IdeaStatus.PROPOSED
    pinned_bucket: Bucket | None = None


@dataclass(slots=True, unsafe_hash=True)  # values: see "Not frozen" above
class Score:
    """An idea's score; `explain(score, config)` says in one line where it comes from."""

    idea_id: int
    value: float
    needs_estimates: bool
    quadrant: Quadrant | None
    weeks: float
    """Time to deliver used for bucketing: the median estimate, or the default."""
    facts: IdeaFacts


def reach_points(facts: IdeaFacts) -> int:
    """Return how many people and problems an idea touches: supporters, pain severity, teams.

    Each distinct team counts twice, because cross-functional agreement is worth more
    than another +1 from the same team.
    """
    return facts.supporters + facts.pain_severity + 2 * facts.teams


@dataclass(frozen=True, slots=True)
class Breakdown:
    """The factors a strategy combines into one idea's score, by name, in formula order.

    Weighted adds its four terms; RICE is reach × impact × confidence ÷ effort; ICE is
    impact × confidence × ease ÷ 10; WSJF is (impact + reach + urgency) ÷ job size.
    """

    strategy: Strategy
    factors: tuple[tuple[str, float], ...]
    value: float
    """The combined factors, unrounded; `Score.value` is this rounded to one decimal."""


class _Formula:
    """One strategy's arithmetic with the config's constants worked out once.

    `score` and `explain` both read an idea through `inputs` and `factors`, and `combine`
    is the only place the factors become a score, so what is explained is what is scored.
    """

    __slots__ = ("default_weeks", "k", "min_estimates", "strategy")

    def __init__(self, config: ScoringConfig) -> None:
        w = config.weights
        scale = 100 / (w.impact + w.reach + w.ease + w.speed)
        self.strategy = config.strategy
        self.min_estimates = config.min_estimates
        self.default_weeks = config.default_weeks
        self.k = (scale * w.impact, scale * w.reach, scale * w.ease, scale * w.speed * 4)

    def inputs(self, facts: IdeaFacts) -> tuple[float, float, float, int, float]:
        """Return impact, complexity, weeks (the defaults when unrated), reach points, share."""
        c = facts.consensus
        points = facts.supporters + facts.pain_severity + 2 * facts.teams
        return (
            c.impact if c.impact is not None else 3.0,
            c.complexity if c.complexity is not None else 3.0,
            c.weeks if c.weeks is not None else self.default_weeks,
            points,
            points / (points + 10),
        )

    def confidence(self, facts: IdeaFacts) -> float:
        c = facts.consensus
        share = min(1.0, c.count / self.min_estimates)
        return share * (0.8 if c.disagreement is not None else 1.0)

    def factors(
        self, facts: IdeaFacts, impact: float, complexity: float, weeks: float, points: int,
        reach: float,
    ) -> tuple[float, ...]:  # fmt: skip
        strategy = self.strategy
        if strategy is Strategy.WEIGHTED:
            k_impact, k_reach, k_ease, k_speed = self.k
            return (
                k_impact * (impact - 1) / 4,
                k_reach * reach,
                k_ease * (5 - complexity) / 4,
                k_speed / (4 + weeks),
            )
        if strategy is Strategy.RICE:
            return (points, impact, self.confidence(facts), weeks)
        if strategy is Strategy.ICE:
            return (2 * impact, 10 * self.confidence(facts), 2 * (6 - complexity))
        return (impact, 1 + 4 * reach, facts.max_severity or 1, weeks)

    def combine(self, factors: tuple[float, ...]) -> float:
        strategy = self.strategy
        if strategy is Strategy.WEIGHTED:
            return factors[0] + factors[1] + factors[2] + factors[3]
        if strategy is Strategy.RICE:
            return factors[0] * factors[1] * factors[2] / factors[3]
        if strategy is Strategy.ICE:
            return factors[0] * factors[1] * factors[2] / 10
        return (factors[0] + factors[1] + factors[2]) / factors[3]


_FACTOR_NAMES = {
    Strategy.WEIGHTED: ("impact", "reach", "ease", "speed"),
    Strategy.RICE: ("reach", "impact", "confidence", "effort"),
    Strategy.ICE: ("impact", "confidence", "ease"),
    Strategy.WSJF: ("impact", "reach", "urgency", "job size"),
}


def breakdown(facts: IdeaFacts, config: ScoringConfig) -> Breakdown:
    """Return the named factors of the idea's score and their combination (unrounded)."""
    formula = _Formula(config)
    factors = formula.factors(facts, *formula.inputs(facts))
    names = _FACTOR_NAMES[config.strategy]
    return Breakdown(
        config.strategy, tuple(zip(names, factors, strict=True)), formula.combine(factors)
    )


def score(facts: IdeaFacts, config: ScoringConfig) -> Score:
    """Return the idea's score under the configured strategy."""
    return scorer(config)(facts)


def scorer(config: ScoringConfig) -> Callable[[IdeaFacts], Score]:
    """Return `score` with the config's constants worked out once, for scoring many ideas."""
    formula = _Formula(config)
    inputs, factors, combine = formula.inputs, formula.factors, formula.combine
    min_estimates = config.min_estimates

    def score_one(facts: IdeaFacts) -> Score:
        c = facts.consensus
        impact, complexity, weeks, points, reach = inputs(facts)
        value = combine(factors(facts, impact, complexity, weeks, points, reach))
        return Score(
            facts.idea_id,
            round(value, 1),
            c.count < min_estimates,
            quadrant_for(c, reach=reach),
            weeks,
            facts,
        )

    return score_one


def quadrant_axes(c: Consensus, *, reach: float = 0.0) -> tuple[float, float] | None:
    """Return (value, effort), each 0 to 1, that decide the quadrant; None without estimates.

    Value is three parts impact, one part reach; effort is half complexity, half time
    (12 weeks or more counts as the most). The digest's chart plots these same axes.
    """
    impact, complexity, weeks = c.impact, c.complexity, c.weeks
    if impact is None:
        return None
    if complexity is None:
        if weeks is None:
            return None
        effort = min(1.0, weeks / 12)
    elif weeks is None:
        effort = (complexity - 1) / 4
    else:
        effort = ((complexity - 1) / 4 + min(1.0, weeks / 12)) / 2
    return 0.75 * (impact - 1) / 4 + 0.25 * reach, effort


def reach_share(facts: IdeaFacts) -> float:
    """Return reach as a share from 0 to 1 (the `reach` of `quadrant_axes`)."""
    points = reach_points(facts)
    return points / (points + 10)


def quadrant_for(c: Consensus, *, reach: float = 0.0) -> Quadrant | None:
    """Return where an idea sits on value versus effort, or None without the estimates.

    Each axis (see `quadrant_axes`) is high from the midpoint up.
    """
    axes = quadrant_axes(c, reach=reach)
    if axes is None:
        return None
    value, effort = axes
    if value >= 0.5:
        return Quadrant.BIG_BET if effort >= 0.5 else Quadrant.QUICK_WIN
    return Quadrant.MONEY_PIT if effort >= 0.5 else Quadrant.FILL_IN


def explain(s: Score, config: ScoringConfig) -> str:
    """Return one line a person can read that says how the score was reached.

    The numbers are the factors `score` combined (see `Breakdown`), not a second copy.
    """
    f = s.facts
    c = f.consensus
    formula = _Formula(config)
    impact, complexity, weeks, points, _ = formula.inputs(f)
    factors = formula.factors(f, impact, complexity, weeks, points, _)

    def assumed(value: float | None) -> str:
        return "" if value is not None else " (assumed)"

    reach = (
        f"{f.supporters} supporter{'s' * (f.supporters != 1)}, "
        f"{f.pain_points} pain point{'s' * (f.pain_points != 1)} (severity {f.pain_severity}), "
        f"{f.teams} team{'s' * (f.teams != 1)}"
        + (f": {', '.join(c.teams)}" if c.teams and len(c.teams) == f.teams else "")
    )
    strategy = config.strategy
    if strategy is Strategy.WEIGHTED:
        ti, tr, te, ts = factors
        line = (
            f"{s.value:g} = impact {figure(impact)}/5{assumed(c.impact)} → {ti:.1f}"
            f" + reach [{reach}] → {tr:.1f}"
            f" + ease: complexity {figure(complexity)}/5{assumed(c.complexity)} → {te:.1f}"
            f" + speed: {figure(weeks)}w{assumed(c.weeks)} → {ts:.1f}"
        )
    elif strategy is Strategy.RICE:
        r, i, conf, effort = factors
        line = (
            f"RICE {s.value:g} = reach {r:g} [{reach}] × impact {figure(i)}"
            f" × confidence {conf:.0%} ÷ effort {figure(effort)}w"
        )
    elif strategy is Strategy.ICE:
        i, conf, ease = factors
        line = (
            f"ICE {s.value:g} = impact {figure(i)}/10"
            f" × confidence {conf:.0f}/10"
            f" × ease {figure(ease)}/10 ÷ 10"
        )
    else:
        i, r, urgency, size = factors
        line = (
            f"WSJF {s.value:g} = cost of delay {figure(i + r + urgency)} (impact {figure(i)}"
            f" + reach {figure(r)} + urgency {urgency:g})"
            f" ÷ job size {figure(size)}w"
        )
    notes = []
    if s.needs_estimates:
        notes.append(f"needs estimates: {c.count} of {config.min_estimates}")
    if c.disagreement:
        notes.append(f"estimates disagree ({c.disagreement})")
    return line + "".join(f"; {note}" for note in notes)


_CLOSED = frozenset((IdeaStatus.DONE, IdeaStatus.WONT_DO, IdeaStatus.ARCHIVED))


def rank(scores: Iterable[Score]) -> list[Score]:
    """Return the scores in roadmap order (see the module docstring for the tie-break)."""
    # Split by the first two keys, then two stable sorts on one number each, the
    # tie-break first: comparing tuples of six is a third slower at 100,000 ideas.
    groups: tuple[list[Score], ...] = ([], [], [], [])
    for s in scores:
        # `in _CLOSED`, not `is_active`: a property call, per idea, adds up.
        groups[2 * (s.facts.status in _CLOSED) + s.needs_estimates].append(s)
    ranked: list[Score] = []
    for group in groups:
        group.sort(key=_tie_break)
        group.sort(key=_by_score)
        ranked += group
    return ranked


def _by_score(s: Score) -> float:
    return -s.value


def _tie_break(s: Score) -> int:
    """More supporters, then more pain severity, then the older idea, as one integer.

    Severities and ids stay far below 2**40, so each term outweighs all that follow it.
    """
    f = s.facts
    return -(f.supporters << 80) - (f.pain_severity << 40) + s.idea_id


def bucket_for(status: IdeaStatus, pinned: Bucket | None) -> Bucket | None:
    """Return the bucket an idea's status or a leader's pin fixes, if any.

    Done, Won't do and Archived ideas leave the roadmap; an idea in progress is Now.
    """
    if not status.is_active:
        return None
    if pinned is not None:
        return pinned
    if status is IdeaStatus.IN_PROGRESS:
        return Bucket.NOW
    return None


def plan(ranked: Sequence[Score], capacity: Capacity) -> dict[int, Bucket | None]:
    """Return Now / Next / Later for each ranked idea (None for ideas off the roadmap).

    Pinned and in-progress ideas keep their bucket and use its capacity first (their
    weeks summed exactly, in any order: see `fixed_load`). The rest are walked in rank
    order: each goes to Now if its time to deliver still fits Now's team-weeks, else to
    Next if it fits there, else Later (so a smaller idea further down can still fill what
    is left of Now). Ideas that need estimates go to Later.
    """
    now, next_, later = Bucket.NOW, Bucket.NEXT, Bucket.LATER
    in_progress, done, wont_do = IdeaStatus.IN_PROGRESS, IdeaStatus.DONE, IdeaStatus.WONT_DO
    archived = IdeaStatus.ARCHIVED
    buckets: dict[int, Bucket | None] = {}
    # Plain locals and identity tests rather than dicts keyed by enum: this runs per idea.
    fixed_now: list[float] = []
    fixed_next: list[float] = []
    free = []
    for s in ranked:
        f = s.facts
        status = f.status
        if status is done or status is wont_do or status is archived:
            buckets[s.idea_id] = None
            continue
        # bucket_for(), inlined: a pin wins, and an idea in progress is Now.
        fixed = f.pinned_bucket
        if fixed is None and status is in_progress:
            fixed = now
        if fixed is None:
            free.append(s)
            continue
        buckets[s.idea_id] = fixed
        if fixed is now:
            fixed_now.append(s.weeks)
        elif fixed is next_:
            fixed_next.append(s.weeks)
    used_now, used_next = fixed_load(fixed_now), fixed_load(fixed_next)
    limit_now, limit_next = capacity.now, capacity.next
    for s in free:
        weeks = s.weeks
        if s.needs_estimates:
            buckets[s.idea_id] = later
        elif used_now + weeks <= limit_now:
            buckets[s.idea_id] = now
            used_now += weeks
        elif used_next + weeks <= limit_next:
            buckets[s.idea_id] = next_
            used_next += weeks
        else:
            buckets[s.idea_id] = later
    return buckets


def fixed_load(weeks: Iterable[float]) -> float:
    """Return the team-weeks that pinned and in-progress ideas take from one bucket.

    The exact sum, correctly rounded (`math.fsum`): it does not depend on the order the
    ideas are read in, so a plan computed from an index agrees with one computed by
    walking the whole ranking, to the last bit, at a capacity's edge.
    """
    return math.fsum(weeks)


def fits(used: float, weeks: float, limit: float) -> bool:
    """Whether an idea of `weeks` still fits a bucket with `used` of its `limit` taken."""
    return used + weeks <= limit


@dataclass(slots=True, unsafe_hash=True)  # values: see "Not frozen" above
class RoadmapItem:
    rank: int
    score: Score
    bucket: Bucket | None


def roadmap(facts: Iterable[IdeaFacts], config: ScoringConfig) -> list[RoadmapItem]:
    """Return every idea scored, ranked and bucketed: the roadmap."""
    score_one = scorer(config)
    ranked = rank([score_one(f) for f in facts])
    buckets = plan(ranked, config.capacity)
    return [RoadmapItem(i, s, buckets[s.idea_id]) for i, s in enumerate(ranked, start=1)]


class RoadmapEntry:
    """One idea on the roadmap: the idea, its rank, score and bucket, and why.

    The one-line breakdown is written when first read: a roadmap of 100,000 ideas is
    ranked far more often than all of it is explained.
    """

    __slots__ = ("_breakdown", "_scoring", "idea", "item")

    def __init__(
        self,
        idea: Idea,
        item: RoadmapItem,
        breakdown: str | None = None,
        *,
        scoring: ScoringConfig | None = None,
    ) -> None:
        if breakdown is None and scoring is None:
            raise TypeError("RoadmapEntry needs a breakdown or the scoring config to write one")
        self.idea = idea
        self.item = item
        self._breakdown = breakdown
        self._scoring = scoring

    @property
    def score(self) -> Score:
        return self.item.score

    @property
    def breakdown(self) -> str:
        if self._breakdown is None:
            assert self._scoring is not None
            self._breakdown = explain(self.item.score, self._scoring)
        return self._breakdown

    def __repr__(self) -> str:
        return (
            f"RoadmapEntry(idea=#{self.idea.id}, rank={self.item.rank}, score={self.score.value})"
        )
