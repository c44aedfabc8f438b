"""Question 3: what are the biggest obstacles to improving each touchpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..config import JourneyConfig
from ..models import PainStatus
from ..words import plural
from .facts import NO_TOUCHPOINT, JourneyIdea, JourneyPain

__all__ = ["Obstacle", "ObstacleAnswer", "TouchpointRow", "obstacles"]


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
    active = [idea for idea in ideas if idea.status.is_active]
    linked = {i for idea in active for i in idea.pain_ids}
    touchpoint_of: dict[int, str] = {}  # only of pain points an active idea addresses
    counts: dict[str, list[int]] = {}
    for p in pains:
        if p.status is not PainStatus.OPEN:
            continue
        spot = p.touchpoint or NO_TOUCHPOINT
        if p.id in linked:
            touchpoint_of[p.id] = spot
        tally = counts.get(spot)
        if tally is None:
            tally = counts[spot] = [0, 0, 0, 0, 0]
        tally[5 - p.severity] += 1
    addressing: dict[str, list[JourneyIdea]] = {}
    reasons_of: dict[int, tuple[str, ...]] = {}
    for idea in active:
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
        missing.append(
            f"{plural(sum(counts[NO_TOUCHPOINT]), 'open pain point')} without a touchpoint"
        )
    if not rows:
        why = "no open pain points: nothing stands in the way"
    else:
        top = rows[0]
        if top.obstacles:
            first = top.obstacles[0]
            held = f"#{first.idea_id} {first.title} is {first.reasons[0]}"
            others = len(top.obstacles) - 1
            if others:
                held += f" (and {plural(others, 'more idea')})"
        elif top.ideas:
            held = f"{plural(top.ideas, 'idea')} addressing it, none held up"
        else:
            held = "no idea addresses it yet"
        why = (
            f"{top.touchpoint}: open severity {top.severity_load} across"
            f" {plural(top.open_pain_points, 'pain point')}; {held}"
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
