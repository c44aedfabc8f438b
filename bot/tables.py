"""Rich tables for the terminal: the ranked roadmap and the journey heat."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from prioritize.heat import Heat
from prioritize.scoring import RoadmapEntry

__all__ = ["WIDE", "heat_table", "roadmap", "roadmap_table"]

WIDE = 140
"""Terminal width from which the breakdown fits in the table as a column."""

_BUCKET_STYLE = {"Now": "bold green", "Next": "yellow", "Later": "dim"}


def roadmap(
    entries: Sequence[RoadmapEntry], *, width: int, title: str = "Roadmap"
) -> RenderableType:
    """Return the roadmap for a terminal `width` columns wide.

    Wide terminals get the breakdown as the table's last column; narrow ones get the table
    without it and one numbered "why" line per idea underneath, which reads better than a
    column wrapped into a dozen short lines.
    """
    if width >= WIDE:
        return roadmap_table(entries, title=title)
    lines = Text()
    for entry in entries:
        teams = ", ".join(entry.score.facts.consensus.teams) or "no estimates yet"
        lines.append(f"{entry.item.rank:>3}. #{entry.idea.id} ", style="bold")
        lines.append(f"({teams}) ", style="cyan")
        lines.append(f"{entry.breakdown}\n")
    return Group(roadmap_table(entries, title=title, narrow=True), Text("Why:"), lines)


def roadmap_table(
    entries: Sequence[RoadmapEntry], *, title: str = "Roadmap", narrow: bool = False
) -> Table:
    """Return the ranked roadmap as a table; `narrow` leaves out the teams and breakdown."""
    table = Table(title=title, title_justify="left", expand=False, show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("Score", justify="right")
    table.add_column("Bucket")
    table.add_column("Quadrant")
    table.add_column("Status")
    table.add_column("Idea", max_width=40)
    if not narrow:
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
            *(
                []
                if narrow
                else [escape(", ".join(s.facts.consensus.teams) or "-"), escape(entry.breakdown)]
            ),
        )
    if any(e.score.needs_estimates for e in entries):
        table.caption = "* needs estimates: ranked after the ideas that have enough"
    return table


def heat_table(h: Heat, *, title: str = "Journey heat") -> Table:
    """Return the stage heat table with the weakest stage called out."""
    table = Table(
        title=title,
        title_justify="left",
        caption="Open: open pain points · Ideas: ideas addressing them",
        caption_justify="left",
    )
    table.add_column("Stage", no_wrap=True)
    table.add_column("Open", justify="right")
    table.add_column("Severity load", justify="left", no_wrap=True)
    table.add_column("Unaddressed", justify="right")
    table.add_column("Ideas", justify="right")
    peak = max((row.severity_load for row in h.stages), default=0) or 1
    for row in h.stages:
        bar = "█" * round(8 * row.severity_load / peak)
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
