"""The weekly roadmap digest: what leaders should look at this week. Pure: data in, text out.

Top ideas, new pain points by journey stage, the biggest movers since the last digest,
ideas still waiting for estimates, and the weakest stage of the journey.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from prioritize.heat import Heat, StageHeat
from prioritize.models import PainPoint
from prioritize.scoring import RoadmapEntry

__all__ = ["Digest", "Mover", "build_digest"]

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
) -> Digest:
    """Return the digest of one workspace.

    `entries` is the current roadmap in rank order, `new_pains` the pain points logged since
    the last digest, `previous` the snapshot taken then (None for the first digest).
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
    lines = [f"*Weekly roadmap digest* · {now:%A %d %B %Y}", "", f"*Top {len(best)}*"]
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
        text="\n".join(lines),
    )


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
