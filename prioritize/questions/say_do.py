"""Question 5: where customers' words and their behaviour diverge."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..config import JourneyConfig
from ..models import EvidenceSource, PainStatus
from ..words import plural
from .facts import NO_TOUCHPOINT, JourneyPain, _and

__all__ = ["DOMINANT_SHARE", "EvidenceCount", "SayDoAnswer", "StageEvidence", "say_do"]

DOMINANT_SHARE = 0.8
"""One kind of customer evidence at or above this share of a stage's dominates it (4 to 1)."""


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

    def highlights(self, top: int = 3) -> list[StageEvidence]:
        """Return the stages with a gap first, then by customer evidence, most first."""
        rows = sorted(
            (r for r in self.rows if r.evidence.customer or r.evidence.unknown),
            key=lambda r: (r.gap is None, -r.evidence.customer),
        )
        return rows[:top]


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
            f"{plural(unknown, 'open pain point')} without an evidence type (counted as unknown)"
        )
    if not tallies:
        why = "no open pain points yet: log one with /pain"
    elif gaps:
        why = gaps[0] + (f" (and {plural(len(gaps) - 1, 'more gap')})" if len(gaps) > 1 else "")
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
