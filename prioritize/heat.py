"""Journey heat: where on the journey customers hurt most, and what is being done about it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .models import PainStatus

__all__ = ["Heat", "PainFact", "StageHeat", "heat"]


@dataclass(frozen=True, slots=True)
class PainFact:
    """The part of a pain point that heat looks at."""

    id: int
    stage: str
    severity: int
    status: PainStatus = PainStatus.OPEN


@dataclass(frozen=True, slots=True)
class StageHeat:
    stage: str
    open_pain_points: int
    severity_load: int
    """Sum of the severities of the open pain points."""
    ideas: int
    """Active ideas linked to at least one open pain point of this stage."""
    unaddressed: int
    """Severity of the open pain points that no active idea addresses."""


@dataclass(frozen=True, slots=True)
class Heat:
    stages: tuple[StageHeat, ...]
    weakest: str | None
    """The stage with the most unaddressed severity, or None when nothing is unaddressed."""

    def row(self, stage: str) -> StageHeat:
        """Return the row of `stage`; raises KeyError for a stage not in the table."""
        for row in self.stages:
            if row.stage == stage:
                return row
        raise KeyError(stage)


def heat(
    stages: Sequence[str],
    pain_points: Iterable[PainFact],
    links: Mapping[int, Iterable[int]],
) -> Heat:
    """Return the heat of every stage, in journey order, and the weakest stage.

    `links` maps each active idea's id to the pain point ids it addresses. Ties for the
    weakest stage go to the heavier severity load, then to the earlier stage.
    """
    addressed_by: dict[int, set[int]] = {}
    for idea_id, pain_ids in links.items():
        for pain_id in pain_ids:
            addressed_by.setdefault(pain_id, set()).add(idea_id)
    counts = {s: 0 for s in stages}
    load = {s: 0 for s in stages}
    unaddressed = {s: 0 for s in stages}
    ideas: dict[str, set[int]] = {s: set() for s in stages}
    for p in pain_points:
        if p.status is not PainStatus.OPEN or p.stage not in counts:
            continue
        counts[p.stage] += 1
        load[p.stage] += p.severity
        linked = addressed_by.get(p.id)
        if linked:
            ideas[p.stage] |= linked
        else:
            unaddressed[p.stage] += p.severity
    rows = tuple(StageHeat(s, counts[s], load[s], len(ideas[s]), unaddressed[s]) for s in stages)
    order = {s: i for i, s in enumerate(stages)}
    candidates = [r for r in rows if r.unaddressed > 0]
    weakest = (
        min(candidates, key=lambda r: (-r.unaddressed, -r.severity_load, order[r.stage])).stage
        if candidates
        else None
    )
    return Heat(rows, weakest)
