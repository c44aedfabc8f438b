"""Journey heat: where on the journey customers hurt most, and what is being done about it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .models import PainStatus
from .words import plural

__all__ = [
    "HEAT_COLUMNS",
    "SEVERITY_LOAD",
    "STAGE_COLUMN",
    "Heat",
    "HeatColumn",
    "PainFact",
    "StageHeat",
    "heat",
    "heat_legend",
    "weakest_sentence",
]


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
    unaddressed_pain_points: int = 0
    """How many open pain points no active idea addresses."""


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
    alone = {s: 0 for s in stages}
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
            alone[p.stage] += 1
    rows = tuple(
        StageHeat(s, counts[s], load[s], len(ideas[s]), unaddressed[s], alone[s]) for s in stages
    )
    order = {s: i for i, s in enumerate(stages)}
    candidates = [r for r in rows if r.unaddressed > 0]
    weakest = (
        min(candidates, key=lambda r: (-r.unaddressed, -r.severity_load, order[r.stage])).stage
        if candidates
        else None
    )
    return Heat(rows, weakest)


@dataclass(frozen=True, slots=True)
class HeatColumn:
    """One number column of the heat table, as the CLI, Slack and Notion all show it."""

    title: str
    short: str
    """The heading where space is tight (Slack's monospaced table)."""
    meaning: str
    """What the number is, in plain words, for the legend."""
    value: Callable[[StageHeat], int]


STAGE_COLUMN = "Stage"
SEVERITY_LOAD = HeatColumn(
    "Severity load", "Load", "their severities (1 to 5 each) added up", lambda r: r.severity_load
)
HEAT_COLUMNS: tuple[HeatColumn, ...] = (
    HeatColumn(
        "Open pain points",
        "Open",
        "pain points at that stage still open",
        lambda r: r.open_pain_points,
    ),
    SEVERITY_LOAD,
    HeatColumn(
        "Ideas addressing",
        "Ideas",
        "ideas on the roadmap linked to at least one of them",
        lambda r: r.ideas,
    ),
    HeatColumn(
        "Unaddressed severity",
        "Unaddr.",
        "the severity of those no idea is linked to yet",
        lambda r: r.unaddressed,
    ),
)
"""The heat table's columns after the stage, in order: the one definition every table uses."""


def heat_legend(*, short: bool = False) -> str:
    """Return one line saying what each heat column counts."""
    return "; ".join(f"{c.short if short else c.title}: {c.meaning}" for c in HEAT_COLUMNS) + "."


def weakest_sentence(h: Heat) -> str:
    """Return the weakest stage in plain words, agreeing with its row of the table."""
    if h.weakest is None:
        return "Every open pain point has at least one idea addressing it."
    r = h.row(h.weakest)
    alone = r.unaddressed_pain_points
    if r.open_pain_points == 1:
        which = "Its one open pain point has"
    else:
        verb = "has" if alone == 1 else "have"
        which = f"{alone} of its {r.open_pain_points} open pain points {verb}"
    line = (
        f"Weakest stage: {r.stage}. {which} no idea addressing {'it' if alone == 1 else 'them'}"
        f" yet (severity {r.unaddressed} of its load of {r.severity_load}), the most"
        " unaddressed severity of any stage."
    )
    if r.ideas:
        line += (
            f" {plural(r.ideas, 'idea')} {'addresses' if r.ideas == 1 else 'address'}"
            f" the other{'s' * (r.open_pain_points - alone != 1)}."
        )
    return line
