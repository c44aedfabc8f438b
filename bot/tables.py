"""Rich tables for the terminal: the ranked roadmap, the journey heat, the journey questions."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from prioritize.heat import (
    HEAT_COLUMNS,
    SEVERITY_LOAD,
    STAGE_COLUMN,
    Heat,
    heat_legend,
    weakest_sentence,
)
from prioritize.outcomes import Outcome
from prioritize.questions import (
    EffortAnswer,
    ImpactAnswer,
    JourneyAnswers,
    ObstacleAnswer,
    SayDoAnswer,
    StageAnswer,
)
from prioritize.scoring import RoadmapEntry
from prioritize.words import figure

__all__ = ["WIDE", "heat_table", "questions_tables", "roadmap", "roadmap_table"]

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
    """Return the stage heat table (columns of `HEAT_COLUMNS`), the weakest stage called out."""
    table = Table(
        title=title,
        title_justify="left",
        caption=f"{weakest_sentence(h)}\n{heat_legend()}",
        caption_justify="left",
    )
    table.add_column(STAGE_COLUMN, no_wrap=True)
    for column in HEAT_COLUMNS:
        table.add_column(column.title, justify="right")
    peak = max((row.severity_load for row in h.stages), default=0) or 1
    for row in h.stages:
        stage = escape(row.stage)
        name = f"[bold red]{stage} ← weakest[/]" if row.stage == h.weakest else stage
        bar = "█" * round(8 * row.severity_load / peak)
        cells = [
            # The load's bar: where it hurts, at a glance.
            f"{row.severity_load} [red]{bar:<8}[/]"
            if column is SEVERITY_LOAD
            else str(column.value(row))
            for column in HEAT_COLUMNS
        ]
        table.add_row(name, *cells)
    return table


# ---------------------------------------------------------------- the journey questions


def questions_tables(a: JourneyAnswers, *, top: int = 10) -> RenderableType:
    """Return the five answers as tables, each with its why and what data is missing."""
    parts: list[RenderableType] = [
        _impact_table(a.impact, top),
        _notes(a.impact.why, a.impact.missing),
        _effort_table(a.effort, top),
        _notes(a.effort.why, a.effort.missing),
        _obstacles_table(a.obstacles, top),
        _notes(a.obstacles.why, a.obstacles.missing),
        _stages_table(a.stages),
        _notes(a.stages.why, a.stages.missing),
    ]
    if a.stages.outcomes:
        parts += [_outcomes_table(a.stages.outcomes, top), Text()]
    parts.append(_say_do_table(a.say_do))
    parts.append(_notes(a.say_do.why, a.say_do.missing, gaps=a.say_do.gaps[1:]))
    return Group(*parts)


def _notes(why: str, missing: Sequence[str], *, gaps: Sequence[str] = ()) -> Text:
    text = Text()
    text.append("Why: ", style="bold")
    text.append(why + "\n")
    for line in gaps:
        text.append("Gap: ", style="red")
        text.append(line + "\n")
    for line in missing:
        text.append("Missing: ", style="yellow")
        text.append(line + "\n")
    return text


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", title_style="bold", expand=False)


def _impact_table(answer: ImpactAnswer, top: int) -> Table:
    table = _table("1. Which improvements have the biggest impact?")
    table.add_column("Idea", max_width=30)
    table.add_column("Impact", justify="right")
    table.add_column("Reach", justify="right")
    table.add_column("×", justify="right")
    table.add_column("How sure", max_width=24)
    for row in answer.rows[:top]:
        sure = row.certainty.value + (f": {row.doubt}" if row.doubt else "")
        table.add_row(
            escape(f"#{row.idea_id} {row.title}"),
            figure(row.impact),
            str(row.reach),
            figure(row.weighted),
            escape(sure),
        )
    return table


def _effort_table(answer: EffortAnswer, top: int) -> Table:
    table = _table("2. Which are the most complex, the shortest, the longest?")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Idea", max_width=34)
    table.add_column("Complexity", justify="right")
    table.add_column("Weeks", justify="right")
    shown = [
        *answer.quick_wins[:top],
        *answer.long_poles[:top],
        *answer.surprising[:top],
    ]
    extremes = (
        ("shortest", answer.rows[:1]),
        ("longest", answer.longest[:1]),
        ("most complex", answer.most_complex[:1]),
    )
    for row in shown:
        assert row.kind is not None
        kind = row.kind.value + (" ?" if row.kind.surprising else "")
        table.add_row(
            kind, escape(f"#{row.idea_id} {row.title}"), figure(row.complexity), figure(row.weeks)
        )
    for label, rows in extremes:
        for row in rows:
            table.add_row(
                f"[dim]{label}[/]",
                escape(f"#{row.idea_id} {row.title}"),
                figure(row.complexity),
                figure(row.weeks),
            )
    if answer.surprising:
        table.caption = "? estimates worth a second look"
        table.caption_justify = "left"
    return table


def _obstacles_table(answer: ObstacleAnswer, top: int) -> Table:
    table = _table("3. What are the biggest obstacles at each touchpoint?")
    table.add_column("Touchpoint", max_width=16)
    table.add_column("Open", justify="right")
    table.add_column("Load", justify="right")
    table.add_column("5·4·3·2·1", no_wrap=True)
    table.add_column("Held up", max_width=36)
    for row in answer.rows[:top]:
        held = "; ".join(f"#{o.idea_id} {', '.join(o.reasons)}" for o in row.obstacles[:3]) or (
            "none held up" if row.ideas else "no idea yet"
        )
        if len(row.obstacles) > 3:
            held += f"; +{len(row.obstacles) - 3} more"
        table.add_row(
            escape(row.touchpoint),
            str(row.open_pain_points),
            str(row.severity_load),
            "·".join(map(str, row.by_severity)),
            escape(held),
        )
    return table


def _trend(delta: int) -> str:
    if delta > 0:
        return f"[red]↑ {delta}[/]"
    if delta < 0:
        return f"[green]↓ {-delta}[/]"
    return "="


def _stages_table(answer: StageAnswer) -> Table:
    table = _table("4. Where is the lifecycle weakest and strongest?")
    table.add_column("Stage", no_wrap=True)
    table.add_column("Open load", justify="right")
    table.add_column("Trend", justify="right")
    table.add_column(f"Resolved {answer.period_days}d", justify="right")
    table.add_column("In flight", justify="right")
    table.add_column("Outcomes", max_width=20)
    for row in answer.rows:
        stage = escape(row.stage)
        if row.stage == answer.weakest:
            stage = f"[bold red]{stage} ← weakest[/]"
        elif row.stage == answer.strongest:
            stage = f"[bold green]{stage} ← strongest[/]"
        outcomes = ", ".join(f"{n} {verdict.value}" for verdict, n in row.outcomes.items())
        table.add_row(
            stage,
            str(row.open_load),
            _trend(row.trend) if row.pain_points else "-",
            str(row.resolved_load),
            str(row.in_flight),
            escape(outcomes) or "-",
        )
    table.caption = f"Trend: open severity now against {answer.period_days} days ago"
    table.caption_justify = "left"
    return table


def _outcomes_table(outcomes: Sequence[Outcome], top: int) -> Table:
    table = _table("Did it work?")
    table.add_column("Idea", justify="right")
    table.add_column("Outcome", no_wrap=True)
    table.add_column("Per week before → after", justify="right")
    table.add_column("Answers", max_width=24)
    for o in outcomes[:top]:
        said = ", ".join(f"{n} {a.value}" for a, n in o.answers.items() if n) or "-"
        table.add_row(
            f"#{o.idea_id}",
            o.verdict.value,
            f"{o.before_per_week:.1f} → {o.after_per_week:.1f}",
            said,
        )
    return table


def _say_do_table(answer: SayDoAnswer) -> Table:
    table = _table("5. Where do customers' words and behaviour diverge?")
    table.add_column("Stage / touchpoint", max_width=24)
    table.add_column("Said", justify="right")
    table.add_column("Seen", justify="right")
    table.add_column("Int.", justify="right")
    table.add_column("Unkn.", justify="right")
    for row in answer.rows:
        e = row.evidence
        stage = escape(row.stage)
        table.add_row(
            f"[bold red]{stage} ← gap[/]" if row.gap else f"[bold]{stage}[/]",
            str(e.said),
            str(e.observed),
            str(e.internal),
            str(e.unknown),
        )
        for spot, t in row.touchpoints.items():
            if t.customer:
                table.add_row(f"  {escape(spot)}", str(t.said), str(t.observed), "", "")
    table.caption = "Said: customers said it · Seen: observed behaviour · Unkn.: no type given"
    table.caption_justify = "left"
    return table
