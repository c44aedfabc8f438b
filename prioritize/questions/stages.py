"""Question 4: where the lifecycle is weakest and strongest, with the outcomes of Done ideas."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter

from ..config import JourneyConfig
from ..models import IdeaStatus, PainStatus
from ..outcomes import Area, Outcome, PainTimeline, SurveyAnswer, Verdict, outcome
from ..words import plural
from .facts import JourneyIdea, JourneyPain, _and

__all__ = ["StageAnswer", "StageRow", "outcomes", "stages"]


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

    def highlights(self, top: int = 3) -> list[StageRow]:
        """Return the weakest stage, the strongest, then the others with pain points, weakest
        first."""
        by_name = {r.stage: r for r in self.rows}
        named = [by_name[n] for n in (self.weakest, self.strongest) if n]
        rest = sorted(
            (r for r in self.rows if r not in named and r.pain_points), key=lambda r: r.health
        )
        return [*named, *rest][:top]


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
    moving = (IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS, IdeaStatus.DONE)
    linked = {i for idea in ideas if idea.status in moving for i in idea.pain_ids}
    stage_of: dict[int, str] = {}  # only of pain points an idea in flight or Done addresses
    open_ids: set[int] = set()
    for p in pains:
        s = p.stage
        total[s] += 1
        is_open = p.status is PainStatus.OPEN
        if p.id in linked:
            stage_of[p.id] = s
            if is_open:
                open_ids.add(p.id)
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
            f"{plural(undated, 'resolved pain point')} without a resolution date,"
            " left out of the trend"
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


_LOGGED = itemgetter(*map(JourneyPain._fields.index, ("stage", "touchpoint", "created_at")))
"""A JourneyPain's stage, touchpoint and created_at, picked in C (100,000 of them)."""


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
    timeline = PainTimeline(map(_LOGGED, pains))
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
