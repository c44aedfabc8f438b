"""The journey questions in Notion: the summary page's Journey questions section, and the
Outcome of a Done idea on its Roadmap page. Pure: answers in, Notion JSON out.

The section has a fixed layout (per question: a heading, its why, its top three; then the
outcomes of the most recently shipped ideas), so a sync rewrites only the blocks whose text
changed, like the rest of the summary page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from prioritize.outcomes import Outcome, Verdict
from prioritize.questions import (
    QUESTIONS,
    EffortRow,
    ImpactRow,
    JourneyAnswers,
    StageEvidence,
    StageRow,
    TouchpointRow,
)
from prioritize.words import figure, plural

from .render import Slot, rich_text
from .schema import IdeaProp

__all__ = ["OUTCOMES_SHOWN", "TOP", "outcome_figures", "outcome_properties", "question_slots"]

TOP = 3
"""Rows shown per question, as in Slack."""
OUTCOMES_SHOWN = 5
"""Outcomes listed on the summary page (the most recently shipped); all are in the Roadmap."""

Rich = list[dict[str, Any]]

_VERDICT_EMOJI = {
    Verdict.WORKED: "✅",
    Verdict.NO_CHANGE: "➖",
    Verdict.WORSE: "⚠️",
    Verdict.TOO_EARLY: "⏳",
}


def _date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _paragraph(rich: Rich) -> dict[str, Any]:
    return {"object": "block", "type": "paragraph", "paragraph": {"rich_text": rich}}


def _heading(text: str, level: int) -> dict[str, Any]:
    kind = f"heading_{level}"
    return {"object": "block", "type": kind, kind: {"rich_text": rich_text(text)}}


def _idea(idea_id: int, title: str, url: str | None) -> Rich:
    """Return an idea's title, bold and linked to its Roadmap page when it has one."""
    return [*rich_text(title, link=url, bold=True), *rich_text(f" (#{idea_id})")]


# ---------------------------------------------------------------- one row per question


def _impact(r: ImpactRow, urls: Mapping[int, str]) -> Rich:
    doubt = f" ({r.doubt})" if r.doubt else ""
    return [
        *_idea(r.idea_id, r.title, urls.get(r.idea_id)),
        *rich_text(
            f": impact {figure(r.impact)} × reach {r.reach} = {figure(r.weighted)}"
            f" · {r.certainty.value}{doubt}"
        ),
    ]


def _effort(r: EffortRow, urls: Mapping[int, str]) -> Rich:
    kind = f"{r.kind.value} · " if r.kind else ""
    return [
        *_idea(r.idea_id, r.title, urls.get(r.idea_id)),
        *rich_text(
            f": {kind}complexity {figure(r.complexity)},"
            f" {figure(r.weeks)} week{'s' * (r.weeks != 1)}"
        ),
    ]


def _obstacle(r: TouchpointRow) -> Rich:
    held = "; ".join(f"#{o.idea_id} {o.title} is {o.reasons[0]}" for o in r.obstacles[:2])
    return [
        *rich_text(r.touchpoint, bold=True),
        *rich_text(
            f": open severity {r.severity_load} across {plural(r.open_pain_points, 'pain point')}"
            f" · {plural(r.ideas, 'idea')} on it" + (f" · held up: {held}" if held else "")
        ),
    ]


def _stage(r: StageRow, a: JourneyAnswers) -> Rich:
    s = a.stages
    label = {s.weakest: " ← weakest", s.strongest: " ← strongest"}.get(r.stage, "")
    trend = f"{r.trend:+d}" if r.trend else "level"
    return [
        *rich_text(r.stage + label, bold=True),
        *rich_text(
            f": open severity {r.open_load} ({trend} on {s.period_days} days ago)"
            f" · {r.resolved_load} resolved · {r.in_flight} in flight"
        ),
    ]


def _say_do(r: StageEvidence) -> Rich:
    e = r.evidence
    return [
        *rich_text(r.stage, bold=True),
        *rich_text(
            f": said {e.said} · observed {e.observed} · internal {e.internal}"
            f" · unknown {e.unknown}"
            + (f" · gap: {r.gap.removeprefix(f'{r.stage}: ')}" if r.gap else "")
        ),
    ]


def _rows(a: JourneyAnswers, urls: Mapping[int, str]) -> list[list[Rich]]:
    """Return each question's top rows, as rich text."""
    return [
        [_impact(r, urls) for r in a.impact.rows[:TOP]],
        [_effort(r, urls) for r in a.effort.highlights(TOP)],
        [_obstacle(r) for r in a.obstacles.rows[:TOP]],
        [_stage(r, a) for r in a.stages.highlights(TOP)],
        [_say_do(r) for r in a.say_do.highlights(TOP)],
    ]


def _why(why: str, missing: tuple[str, ...]) -> Rich:
    rich = rich_text(why)
    if missing:
        rich += rich_text(" Missing: " + "; ".join(missing) + ".", italic=True)
    return rich


# ---------------------------------------------------------------- outcomes


def outcome_figures(o: Outcome) -> str:
    """Return the figures behind an outcome in words that stay true as days pass.

    Dates instead of "3 days ago", so a Notion property is rewritten only when a figure
    changes (a pain point logged, a survey answered, the verdict due), not every day.
    """
    parts = [f"shipped {_date(o.shipped_at)}"]
    if o.verdict is Verdict.TOO_EARLY and o.area:
        parts.append(f"compared after {_date(o.shipped_at + timedelta(weeks=o.weeks))}")
    if o.area:
        parts.append(
            f"{plural(o.after, 'new pain point')} since shipping against {o.before} in the"
            f" {plural(o.weeks, 'week')} before ({figure(o.after_per_week)} against"
            f" {figure(o.before_per_week)} a week) at {', '.join(o.area)}"
        )
    else:
        parts.append("no linked pain points to watch")
    said = ", ".join(f"{n} {answer.value}" for answer, n in o.answers.items() if n)
    parts.append(f"asked: {said}" if said else "no survey answers yet")
    return "; ".join(parts)


def outcome_properties(o: Outcome | None) -> dict[str, Any]:
    """Return the Roadmap page's Outcome and Outcome figures (empty for ideas not Done)."""
    return {
        IdeaProp.OUTCOME: {"select": {"name": o.verdict.value} if o else None},
        IdeaProp.OUTCOME_FIGURES: {"rich_text": rich_text(outcome_figures(o)) if o else []},
    }


def _outcome_line(o: Outcome, titles: Mapping[int, str], urls: Mapping[int, str]) -> Rich:
    title = titles.get(o.idea_id, f"Idea #{o.idea_id}")
    return [
        *rich_text(f"{_VERDICT_EMOJI[o.verdict]} "),
        *_idea(o.idea_id, title, urls.get(o.idea_id)),
        *rich_text(f": {o.verdict.value} · {outcome_figures(o)}"),
    ]


# ---------------------------------------------------------------- the section


def question_slots(
    answers: JourneyAnswers,
    *,
    titles: Mapping[int, str],
    page_urls: Mapping[int, str],
) -> list[Slot]:
    """Return the summary page's Journey questions section, one slot per block.

    `titles` names the ideas (Done ones too); `page_urls` links them to their Roadmap pages.
    """
    slots = [Slot("h:questions", _heading("Journey questions", 2))]
    sections = [
        (answers.impact.why, answers.impact.missing),
        (answers.effort.why, answers.effort.missing),
        (answers.obstacles.why, answers.obstacles.missing),
        (answers.stages.why, answers.stages.missing),
        (answers.say_do.why, answers.say_do.missing),
    ]
    for n, (question, (why, missing), rows) in enumerate(
        zip(QUESTIONS, sections, _rows(answers, page_urls), strict=True), 1
    ):
        slots.append(Slot(f"q{n}", _heading(f"{n}. {question}", 3)))
        slots.append(Slot(f"q{n}:why", _paragraph(_why(why, missing))))
        for i in range(TOP):
            rich = [*rich_text(f"{i + 1}. "), *rows[i]] if i < len(rows) else []
            slots.append(Slot(f"q{n}:{i + 1}", _paragraph(rich)))
    slots.append(Slot("h:outcomes", _heading("Did it work? Outcomes of Done ideas", 3)))
    shipped = answers.stages.outcomes  # the most recently shipped first
    for i in range(OUTCOMES_SHOWN):
        if i < len(shipped):
            rich = _outcome_line(shipped[i], titles, page_urls)
        elif i == 0:
            rich = rich_text("No idea is Done yet.", italic=True)
        else:
            rich = []
        slots.append(Slot(f"outcome:{i + 1}", _paragraph(rich)))
    more = len(shipped) - OUTCOMES_SHOWN
    rest = (
        rich_text(
            f"And {plural(more, 'more Done idea')}: see the Outcome column of the Roadmap.",
            italic=True,
        )
        if more > 0
        else []
    )
    slots.append(Slot("outcome:more", _paragraph(rest)))
    return slots
