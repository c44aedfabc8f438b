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

from prioritize.scoring import RoadmapEntry

__all__ = ["ChartPoint", "chart_points", "impact_effort_png"]

_BUCKET_COLORS = {"Now": "#2e7d32", "Next": "#f9a825", "Later": "#757575", None: "#90a4ae"}


@dataclass(frozen=True, slots=True)
class ChartPoint:
    idea_id: int
    impact: float
    """Median impact, 1 to 5."""
    effort: float
    """Median complexity, 1 to 5 (or time to deliver mapped onto it when unrated)."""
    bucket: str | None
    supporters: int


def chart_points(entries: Sequence[RoadmapEntry]) -> list[ChartPoint]:
    """Return a point for every active idea rated for impact and for effort."""
    points = []
    for entry in entries:
        c = entry.score.facts.consensus
        if not entry.idea.status.is_active or entry.idea.id is None or c.impact is None:
            continue
        if c.complexity is not None:
            effort = c.complexity
        elif c.weeks is not None:
            effort = 1 + 4 * min(1.0, c.weeks / 12)  # 12 weeks or more is the most effort
        else:
            continue
        points.append(
            ChartPoint(
                entry.idea.id,
                c.impact,
                effort,
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
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.axvline(3, color="#bdbdbd", linewidth=1)
    ax.axhline(3, color="#bdbdbd", linewidth=1)
    for x, y, name in (
        (1.0, 5.3, "Quick wins"),
        (4.0, 5.3, "Big bets"),
        (1.0, 0.7, "Fill-ins"),
        (4.0, 0.7, "Money pits"),
    ):
        ax.text(x, y, name, color="#9e9e9e", fontsize=9, va="center")
    for bucket, color in _BUCKET_COLORS.items():
        mine = [p for p in points if p.bucket == bucket]
        if not mine:
            continue
        ax.scatter(
            [p.effort for p in mine],
            [p.impact for p in mine],
            s=[40 + 12 * min(p.supporters, 20) for p in mine],
            c=color,
            alpha=0.75,
            edgecolors="white",
            label=bucket or "Off the roadmap",
        )
    # Label the most supported ideas only, so a busy chart stays legible.
    for p in sorted(points, key=lambda p: -p.supporters)[:label_top]:
        ax.annotate(f"#{p.idea_id}", (p.effort, p.impact), fontsize=8, xytext=(4, 4),
                    textcoords="offset points")  # fmt: skip
    ax.set_xlabel("Effort (median complexity, 1-5)")
    ax.set_ylabel("Impact (median, 1-5)")
    ax.set_title(title if points else f"{title}: no rated ideas yet")
    if points:
        ax.legend(loc="center right", fontsize=8, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
