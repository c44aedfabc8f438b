"""The impact-versus-effort chart of the weekly digest, drawn with matplotlib into a PNG.

Uses the object-oriented API on the Agg canvas (no pyplot), so it needs no display and
keeps no global figure state between digests or threads.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from prioritize.scoring import RoadmapEntry, quadrant_axes, reach_share

__all__ = ["ChartPoint", "chart_points", "impact_effort_png"]

_BUCKET_COLORS = {"Now": "#2e7d32", "Next": "#f9a825", "Later": "#757575", None: "#90a4ae"}


@dataclass(frozen=True, slots=True)
class ChartPoint:
    idea_id: int
    value: float
    """Value, 0 to 1: three parts median impact, one part reach (as the quadrant weighs it)."""
    effort: float
    """Effort, 0 to 1: half median complexity, half time to deliver (as the quadrant)."""
    bucket: str | None
    supporters: int


def chart_points(entries: Sequence[RoadmapEntry]) -> list[ChartPoint]:
    """Return a point for every active idea that has a quadrant, on the quadrant's own axes."""
    points = []
    for entry in entries:
        facts = entry.score.facts
        if not entry.idea.status.is_active or entry.idea.id is None:
            continue
        axes = quadrant_axes(facts.consensus, reach=reach_share(facts))
        if axes is None:
            continue
        value, effort = axes
        points.append(
            ChartPoint(
                entry.idea.id,
                round(value, 3),
                round(effort, 3),
                entry.item.bucket.value if entry.item.bucket else None,
                entry.score.facts.supporters,
            )
        )
    return points


def impact_effort_png(
    points: Sequence[ChartPoint], *, title: str = "Impact vs effort", label_top: int = 15
) -> bytes:
    """Return a PNG: effort across, impact up, one dot per idea coloured by bucket."""
    figure = Figure(figsize=(8, 6), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    # The same axes and midlines that decide each idea's quadrant (quadrant_axes).
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    ax.axvline(0.5, color="#bdbdbd", linewidth=1)
    ax.axhline(0.5, color="#bdbdbd", linewidth=1)
    for x, y, name in (
        (0.02, 1.0, "Quick wins"),
        (0.75, 1.0, "Big bets"),
        (0.02, 0.0, "Fill-ins"),
        (0.75, 0.0, "Money pits"),
    ):
        ax.text(x, y, name, color="#9e9e9e", fontsize=9, va="center")
    for bucket, color in _BUCKET_COLORS.items():
        mine = [p for p in points if p.bucket == bucket]
        if not mine:
            continue
        ax.scatter(
            [p.effort for p in mine],
            [p.value for p in mine],
            s=[40 + 12 * min(p.supporters, 20) for p in mine],
            c=color,
            alpha=0.75,
            edgecolors="white",
            label=bucket or "Off the roadmap",
        )
    # Label the most supported ideas only, so a busy chart stays legible.
    for p in sorted(points, key=lambda p: -p.supporters)[:label_top]:
        ax.annotate(f"#{p.idea_id}", (p.effort, p.value), fontsize=8, xytext=(4, 4),
                    textcoords="offset points")  # fmt: skip
    ax.set_xlabel("Effort (half complexity, half time; 12 weeks or more is the most)")
    ax.set_ylabel("Value (three parts impact, one part reach)")
    ax.set_title(title if points else f"{title}: no rated ideas yet")
    if points:
        ax.legend(loc="center right", fontsize=8, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
