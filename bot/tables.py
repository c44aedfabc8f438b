"""Rich tables for the terminal: the ranked roadmap and the journey heat."""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from prioritize.heat import Heat

from .services import RoadmapEntry

__all__ = ["heat_table", "roadmap_table"]

_BUCKET_STYLE = {"Now": "bold green", "Next": "yellow", "Later": "dim"}


def roadmap_table(entries: Sequence[RoadmapEntry], *, title: str = "Roadmap") -> Table:
    """Return the ranked roadmap as a table."""
    table = Table(title=title, title_justify="left", expand=False, show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("Score", justify="right")
    table.add_column("Bucket")
    table.add_column("Quadrant")
    table.add_column("Status")
    table.add_column("Idea", max_width=40)
    table.add_column("Teams", max_width=24)
    table.add_column("Why", max_width=70)
    for entry in entries:
        s = entry.score
        bucket = entry.item.bucket.value if entry.item.bucket else "-"
        score = f"{s.value:g}" + ("*" if s.needs_estimates else "")
        table.add_row(
            str(entry.item.rank),
            score,
            f"[{_BUCKET_STYLE.get(bucket, '')}]{bucket}[/]" if bucket != "-" else bucket,
            s.quadrant.value if s.quadrant else "-",
            entry.idea.status.value,
            # Titles and team names are people's text, not Rich markup: "[/]" must print.
            escape(f"#{entry.idea.id} {entry.idea.title}"),
            escape(", ".join(s.facts.consensus.teams) or "-"),
            escape(entry.breakdown),
        )
    if any(e.score.needs_estimates for e in entries):
        table.caption = "* needs estimates: ranked after the ideas that have enough"
    return table


def heat_table(h: Heat, *, title: str = "Journey heat") -> Table:
    """Return the stage heat table with the weakest stage called out."""
    table = Table(title=title, title_justify="left")
    table.add_column("Stage")
    table.add_column("Open pain points", justify="right")
    table.add_column("Severity load", justify="right")
    table.add_column("Unaddressed", justify="right")
    table.add_column("Ideas addressing", justify="right")
    peak = max((row.severity_load for row in h.stages), default=0) or 1
    for row in h.stages:
        bar = "█" * round(10 * row.severity_load / peak)
        stage = escape(row.stage)
        name = f"[bold red]{stage} ← weakest[/]" if row.stage == h.weakest else stage
        table.add_row(
            name,
            str(row.open_pain_points),
            f"{row.severity_load:>3} [red]{bar}[/]",
            str(row.unaddressed),
            str(row.ideas),
        )
    return table
