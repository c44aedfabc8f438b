"""The weekly roadmap digest: what leaders should look at this week. Pure: data in, text out.

It leads with what changed in the journey answers since last week (a new weakest stage,
ideas that became quick wins, new say-versus-do gaps, outcomes of ideas shipped), then
top ideas, new pain points by journey stage, the biggest movers since the last digest,
ideas still waiting for estimates, and the weakest stage of the journey.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prioritize.heat import Heat, StageHeat
from prioritize.models import PainPoint
from prioritize.outcomes import Verdict
from prioritize.questions import JourneyAnswers
from prioritize.scoring import RoadmapEntry

__all__ = ["Digest", "Mover", "answer_changes", "answers_snapshot", "build_digest"]

Snapshot = Mapping[int, tuple[int, float, str | None]]
"""Idea id -> (rank, score, bucket) as of the previous digest."""


@dataclass(frozen=True, slots=True)
class Mover:
    idea_id: int
    title: str
    rank_before: int
    rank_now: int
    score_before: float
    score_now: float

    @property
    def climbed(self) -> int:
        """Places gained (negative when the idea fell)."""
        return self.rank_before - self.rank_now


@dataclass(frozen=True, slots=True)
class Digest:
    top: tuple[RoadmapEntry, ...]
    new_pains: dict[str, int]
    """Journey stage -> pain points logged since the last digest, in journey order."""
    movers: tuple[Mover, ...]
    needing_estimates: tuple[RoadmapEntry, ...]
    weakest: StageHeat | None
    first: bool
    """No earlier snapshot: there is nothing to compare movers with yet."""
    changes: tuple[str, ...] | None
    """What changed in the journey answers since the last digest (None: nothing to compare)."""
    text: str
    """The digest as Slack mrkdwn."""


def build_digest(
    entries: Sequence[RoadmapEntry],
    new_pains: Iterable[PainPoint],
    heat: Heat,
    previous: Snapshot | None,
    *,
    now: datetime,
    min_estimates: int = 3,
    roadmap_url: str | None = None,
    top: int = 5,
    movers: int = 3,
    needing: int = 5,
    changes: Sequence[str] | None = None,
) -> Digest:
    """Return the digest of one workspace.

    `entries` is the current roadmap in rank order, `new_pains` the pain points logged since
    the last digest, `previous` the snapshot taken then (None for the first digest),
    `changes` what changed in the journey answers since then (see `answer_changes`).
    """
    active = [e for e in entries if e.idea.status.is_active]
    best = tuple(active[:top])
    counted = Counter(p.stage for p in new_pains)
    order = [row.stage for row in heat.stages]
    by_stage = {s: counted[s] for s in order if counted[s]}
    by_stage.update({s: n for s, n in sorted(counted.items()) if s not in by_stage})
    moved = _movers(active, previous or {}, movers)
    waiting = tuple(e for e in active if e.score.needs_estimates)
    weakest = heat.row(heat.weakest) if heat.weakest else None
    lines = [f"*Weekly roadmap digest* · {now:%A %d %B %Y}", "", "*What changed in the journey*"]
    if changes is None:
        lines.append("The first digest with the journey answers: next week shows what changed.")
    elif not changes:
        lines.append("No change in the journey answers since last week.")
    lines += [f"• {_escape(line)}" for line in changes or ()]
    lines += ["", f"*Top {len(best)}*"]
    if not best:
        lines.append("No ideas on the roadmap yet. Propose one with /idea.")
    for i, entry in enumerate(best, start=1):
        lines.append(_idea_line(i, entry))
    lines += ["", "*New pain points*"]
    if by_stage:
        total = sum(by_stage.values())
        parts = ", ".join(f"{_escape(stage)} {n}" for stage, n in by_stage.items())
        lines.append(f"{total} logged since the last digest: {parts}")
    else:
        lines.append("None logged since the last digest.")
    lines += ["", "*Biggest movers*"]
    if previous is None:
        lines.append("This is the first digest; next week shows who moved.")
    elif not moved:
        lines.append("No idea changed places.")
    for m in moved:
        arrow = "↑" if m.climbed > 0 else "↓"
        lines.append(
            f"{arrow} #{m.idea_id} {_escape(m.title)}: rank {m.rank_before} → {m.rank_now}"
            f" (score {m.score_before:g} → {m.score_now:g})"
        )
    lines += ["", "*Still needing estimates*"]
    if not waiting:
        lines.append("Every idea on the roadmap has enough estimates.")
    for entry in waiting[:needing]:
        count = entry.score.facts.consensus.count
        lines.append(f"• #{entry.idea.id} {_escape(entry.idea.title)} ({count} of {min_estimates})")
    if len(waiting) > needing:
        lines.append(f"…and {len(waiting) - needing} more.")
    lines += ["", "*Weakest stage*"]
    if weakest is None:
        lines.append("Every open pain point has an idea addressing it.")
    else:
        lines.append(
            f"{_escape(weakest.stage)}: {weakest.unaddressed} severity unaddressed across"
            f" {weakest.open_pain_points} open pain point"
            f"{'s' * (weakest.open_pain_points != 1)}, {weakest.ideas} idea"
            f"{'s' * (weakest.ideas != 1)} on it."
        )
    if roadmap_url:
        lines += ["", f"<{roadmap_url}|Open the roadmap in Notion>"]
    return Digest(
        top=best,
        new_pains=by_stage,
        movers=moved,
        needing_estimates=waiting,
        weakest=weakest,
        first=previous is None,
        changes=tuple(changes) if changes is not None else None,
        text="\n".join(lines),
    )


def answers_snapshot(answers: JourneyAnswers) -> dict[str, Any]:
    """Return what next week's digest compares the journey answers with (JSON-ready)."""
    return {
        "weakest": answers.stages.weakest,
        "quick_wins": [r.idea_id for r in answers.effort.quick_wins],
        "gaps": {r.stage: r.gap for r in answers.say_do.rows if r.gap},
        "outcomes": {str(o.idea_id): o.verdict.value for o in answers.stages.outcomes},
    }


def answer_changes(
    previous: Mapping[str, Any] | None,
    answers: JourneyAnswers,
    *,
    titles: Mapping[int, str],
) -> list[str] | None:
    """Return, one line each, what changed in the answers since `previous` (None without)."""
    if previous is None:
        return None
    lines = []
    weakest = answers.stages.weakest
    if weakest is not None and weakest != previous.get("weakest"):
        row = next(r for r in answers.stages.rows if r.stage == weakest)
        was = previous.get("weakest")
        lines.append(
            f"New weakest stage: {weakest} (open severity {row.open_load},"
            f" {row.resolved_load} resolved lately)" + (f"; it was {was}" if was else "")
        )
    before = set(previous.get("quick_wins", ()))
    for r in answers.effort.quick_wins:
        if r.idea_id not in before:
            lines.append(
                f"#{r.idea_id} {r.title} became a quick win (complexity {r.complexity:g},"
                f" {r.weeks:g} weeks)"
            )
    gaps = previous.get("gaps", {})
    for r in answers.say_do.rows:
        if r.gap and r.stage not in gaps:
            lines.append(f"New say-versus-do gap: {r.gap}")
    verdicts = previous.get("outcomes", {})
    for o in answers.stages.outcomes:
        was = verdicts.get(str(o.idea_id))
        if was == o.verdict.value:
            continue
        title = titles.get(o.idea_id, "")
        name = f"#{o.idea_id} {title}".rstrip()
        if was is None:
            lines.append(f"{name} shipped: {o.why}")
        elif o.verdict is not Verdict.TOO_EARLY:
            lines.append(f"{name}: {o.why}")
    return lines


def _idea_line(rank: int, entry: RoadmapEntry) -> str:
    s = entry.score
    parts = [f"score {s.value:g}"]
    if entry.item.bucket:
        parts.append(entry.item.bucket.value)
    if s.quadrant:
        parts.append(s.quadrant.value)
    if s.needs_estimates:
        parts.append("needs estimates")
    return f"{rank}. *{_escape(entry.idea.title)}* (#{entry.idea.id}) · " + " · ".join(parts)


def _movers(active: Sequence[RoadmapEntry], previous: Snapshot, limit: int) -> tuple[Mover, ...]:
    # Ranks among active ideas now, compared with the ranks stored at the last digest.
    found = []
    for rank, entry in enumerate(active, start=1):
        idea_id = entry.idea.id
        if idea_id is None or idea_id not in previous:
            continue
        before_rank, before_score, _ = previous[idea_id]
        if before_rank != rank:
            found.append(
                Mover(idea_id, entry.idea.title, before_rank, rank, before_score, entry.score.value)
            )
    found.sort(key=lambda m: (-abs(m.climbed), m.rank_now))
    return tuple(found[:limit])


def _escape(text: str) -> str:
    """Return `text` on one line with the three characters Slack mrkdwn controls escaped."""
    # A title may hold newlines; one would break its digest line (and its *bold*) apart.
    line = " ".join(text.split())
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
