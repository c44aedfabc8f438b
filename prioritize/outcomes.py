"""Did it work? The outcome of a Done idea, from pain points logged since and survey answers.

Pure: the pain point timeline, the answers and `now` are passed in.

An idea's *area* is the stage and touchpoint of each pain point it addressed (the whole
stage when a pain point has no touchpoint). New pain points per week in that area during
the `weeks` after it shipped are compared with the same number of weeks before; the
people asked "Is this better now?" answer yes, not yet or worse. Until the weeks after
have passed, the outcome is *too early to tell*.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .words import figure

__all__ = [
    "BETTER_RATIO",
    "MIN_CHANGE",
    "WORSE_RATIO",
    "Outcome",
    "PainTimeline",
    "SurveyAnswer",
    "Verdict",
    "outcome",
]

BETTER_RATIO = 0.7
"""At most this share of the pain points logged before, after shipping: fewer problems."""
WORSE_RATIO = 1.3
"""At least this share of the pain points logged before, after shipping: more problems."""
MIN_CHANGE = 2
"""A change of fewer pain points than this is noise, whatever the ratio."""


class Verdict(StrEnum):
    WORKED = "worked"
    NO_CHANGE = "no change"
    WORSE = "worse"
    TOO_EARLY = "too early to tell"


class SurveyAnswer(StrEnum):
    YES = "yes"
    NOT_YET = "not yet"
    WORSE = "worse"


Area = tuple[str, str | None]
"""A stage and a touchpoint; a touchpoint of None stands for the whole stage."""


class PainTimeline:
    """When pain points were logged, per stage and touchpoint, for counting by date."""

    __slots__ = ("_by_spot", "_by_stage")

    def __init__(self, logged: Iterable[tuple[str, str | None, datetime]]) -> None:
        """`logged` holds each pain point's stage, touchpoint and creation time."""
        # POSIX timestamps: floats sort and compare many times faster than datetimes.
        by_spot: dict[Area, list[float]] = {}  # a touchpoint of None: only in its stage
        for stage, touchpoint, created in logged:
            times = by_spot.get((stage, touchpoint))
            if times is None:
                times = by_spot[(stage, touchpoint)] = []
            times.append(created.timestamp())
        by_stage: dict[str, list[float]] = {}
        for (stage, _), times in by_spot.items():
            times.sort()
            by_stage.setdefault(stage, []).extend(times)
        for times in by_stage.values():
            times.sort()  # a merge of sorted runs: timsort does it in one linear pass
        self._by_spot = by_spot
        self._by_stage = by_stage

    def count(self, area: Iterable[Area], start: datetime, end: datetime) -> int:
        """Return how many pain points in `area` were logged in [start, end)."""
        whole = {stage for stage, touchpoint in area if touchpoint is None}
        spots = {(s, t) for s, t in area if t is not None and s not in whole}
        lists = [self._by_stage.get(s, []) for s in whole]
        lists += [self._by_spot.get(spot, []) for spot in spots]
        low, high = start.timestamp(), end.timestamp()
        return sum(bisect_left(times, high) - bisect_left(times, low) for times in lists)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Whether a Done idea worked, with the figures behind the verdict."""

    idea_id: int
    verdict: Verdict
    why: str
    shipped_at: datetime
    weeks: int
    before: int
    """Pain points logged in the area during the `weeks` before shipping."""
    after: int
    """Pain points logged in the area since shipping, up to `weeks` after."""
    answers: Mapping[SurveyAnswer, int]
    area: tuple[str, ...]
    """The watched stages and touchpoints, as "Stage / Touchpoint" (or just "Stage")."""

    @property
    def before_per_week(self) -> float:
        return self.before / self.weeks

    @property
    def after_per_week(self) -> float:
        return self.after / self.weeks


def outcome(
    idea_id: int,
    *,
    shipped_at: datetime,
    area: Iterable[Area],
    timeline: PainTimeline,
    answers: Iterable[SurveyAnswer] = (),
    now: datetime,
    weeks: int = 4,
) -> Outcome:
    """Return the outcome of an idea that reached Done at `shipped_at`.

    Pain points are a signal when they fall to BETTER_RATIO of before or rise to
    WORSE_RATIO of it, by at least MIN_CHANGE; answers are a signal when more than half
    say yes (or worse). Signals that point both ways make *no change*.
    """
    watched = sorted(set(area), key=lambda a: (a[0], a[1] or ""))
    window = timedelta(weeks=weeks)
    before = timeline.count(watched, shipped_at - window, shipped_at) if watched else 0
    after = timeline.count(watched, shipped_at, min(now, shipped_at + window)) if watched else 0
    tally = {answer: 0 for answer in SurveyAnswer}
    for answer in answers:
        tally[answer] += 1
    labels = tuple(f"{s} / {t}" if t else s for s, t in watched)
    figures = _figures(before, after, weeks, tally, watched=bool(watched))

    def result(verdict: Verdict, why: str) -> Outcome:
        return Outcome(idea_id, verdict, why, shipped_at, weeks, before, after, tally, labels)

    if now < shipped_at + window:
        return result(
            Verdict.TOO_EARLY,
            f"too early to tell: shipped {_ago(now - shipped_at)}, the comparison needs"
            f" {weeks} week{'s' * (weeks != 1)}; {figures}",
        )
    if not watched and not sum(tally.values()):
        return result(
            Verdict.TOO_EARLY,
            "too early to tell: no linked pain points to watch and no survey answers yet",
        )
    counted = _count_signal(before, after) if watched else None
    signals = {s for s in (counted, _survey_signal(tally)) if s is not None}
    if signals == {Verdict.WORKED, Verdict.WORSE}:
        return result(Verdict.NO_CHANGE, f"no change: the signals disagree; {figures}")
    if Verdict.WORSE in signals:
        return result(Verdict.WORSE, f"worse: {figures}")
    if Verdict.WORKED in signals:
        return result(Verdict.WORKED, f"worked: {figures}")
    return result(Verdict.NO_CHANGE, f"no change: {figures}")


def _count_signal(before: int, after: int) -> Verdict | None:
    if before - after >= MIN_CHANGE and after <= BETTER_RATIO * before:
        return Verdict.WORKED
    if after - before >= MIN_CHANGE and after >= WORSE_RATIO * before:
        return Verdict.WORSE
    return None


def _survey_signal(tally: Mapping[SurveyAnswer, int]) -> Verdict | None:
    total = sum(tally.values())
    if tally[SurveyAnswer.YES] * 2 > total:
        return Verdict.WORKED
    if tally[SurveyAnswer.WORSE] * 2 > total:
        return Verdict.WORSE
    return None


def _figures(
    before: int, after: int, weeks: int, tally: Mapping[SurveyAnswer, int], *, watched: bool
) -> str:
    if watched:
        counts = (
            f"{_rate(after, weeks)} new pain points a week since shipping"
            f" against {_rate(before, weeks)} before"
        )
    else:
        counts = "no linked pain points to watch"
    total = sum(tally.values())
    if not total:
        return f"{counts}; no survey answers yet"
    said = ", ".join(f"{n} {answer.value}" for answer, n in tally.items() if n)
    return f"{counts}; asked, {said}"


def _rate(count: int, weeks: int) -> str:
    return figure(count / weeks)


def _ago(delta: timedelta) -> str:
    days = max(0, delta.days)
    if days == 0:
        return "today"
    if days < 14:
        return f"{days} day{'s' * (days != 1)} ago"
    return f"{days // 7} weeks ago"
