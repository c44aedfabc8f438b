"""The journey questions in Slack: `/journey questions`, the App Home section, and the
"Is this better now?" DM about a Done idea. Pure: answers in, Block Kit out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prioritize.models import Idea
from prioritize.outcomes import Outcome, SurveyAnswer, Verdict
from prioritize.questions import QUESTIONS, EffortRow, JourneyAnswers, StageRow
from prioritize.words import figure

from ..ids import Action, Block
from .kit import LIMITS, Blocks, actions, button, clip, context, divider, esc, header, section

__all__ = [
    "QUESTIONS",
    "SURVEY_BUTTONS",
    "VERDICT_EMOJI",
    "outcome_line",
    "questions_home_blocks",
    "questions_message",
    "survey_answered",
    "survey_block_id",
    "survey_dm",
]

TOP = 3
"""Rows shown per question: the answer fits one screen."""

SURVEY_BUTTONS = {
    SurveyAnswer.YES: (Action.SURVEY_YES, "Yes"),
    SurveyAnswer.NOT_YET: (Action.SURVEY_NOT_YET, "Not yet"),
    SurveyAnswer.WORSE: (Action.SURVEY_WORSE, "Worse"),
}
"""The one-click answers of the survey DM, by the answer each records."""

VERDICT_EMOJI = {
    Verdict.WORKED: ":white_check_mark:",
    Verdict.NO_CHANGE: ":heavy_minus_sign:",
    Verdict.WORSE: ":warning:",
    Verdict.TOO_EARLY: ":hourglass_flowing_sand:",
}


def _title(idea_id: int, title: str) -> str:
    return f"#{idea_id} *{esc(clip(title, 120))}*"


def outcome_line(outcome: Outcome, title: str | None = None) -> str:
    """Return a Done idea's outcome as one mrkdwn line: verdict and the figures behind it."""
    name = _title(outcome.idea_id, title) if title else f"#{outcome.idea_id}"
    return f"{VERDICT_EMOJI[outcome.verdict]} {name}: {esc(outcome.why)}"


def _impact(a: JourneyAnswers) -> list[str]:
    return [
        f"{_title(r.idea_id, r.title)} · impact {figure(r.impact)} × reach {r.reach}"
        f" = {figure(r.weighted)} · {r.certainty.value}" + (f" ({esc(r.doubt)})" if r.doubt else "")
        for r in a.impact.rows[:TOP]
    ]


def _effort_row(r: EffortRow) -> str:
    kind = f" · {r.kind.value}" if r.kind else ""
    return (
        f"{_title(r.idea_id, r.title)}{kind} · complexity {figure(r.complexity)},"
        f" {figure(r.weeks)} week{'s' * (r.weeks != 1)}"
    )


def _effort(a: JourneyAnswers) -> list[str]:
    return [_effort_row(r) for r in a.effort.highlights(TOP)]


def _obstacles(a: JourneyAnswers) -> list[str]:
    lines = []
    for r in a.obstacles.rows[:TOP]:
        held = "; ".join(
            f"#{o.idea_id} {esc(clip(o.title, 80))} is {esc(o.reasons[0])}" for o in r.obstacles[:2]
        )
        lines.append(
            f"*{esc(r.touchpoint)}* · open severity {r.severity_load} across"
            f" {r.open_pain_points} · {r.ideas} idea{'s' * (r.ideas != 1)} on it"
            + (f" · held up: {held}" if held else "")
        )
    return lines


def _stage_row(r: StageRow, days: int) -> str:
    trend = f"{r.trend:+d}" if r.trend else "level"
    return (
        f"*{esc(r.stage)}* · open severity {r.open_load} ({trend} on {days} days ago)"
        f" · {r.resolved_load} resolved · {r.in_flight} in flight"
    )


def _stages(a: JourneyAnswers, titles: dict[int, str]) -> list[str]:
    s = a.stages
    lines = []
    for r in s.highlights(TOP):
        label = {s.weakest: " ← weakest", s.strongest: " ← strongest"}.get(r.stage, "")
        lines.append(_stage_row(r, s.period_days) + label)
    lines += [outcome_line(o, titles.get(o.idea_id)) for o in s.outcomes[:TOP]]
    return lines


def _say_do(a: JourneyAnswers) -> list[str]:
    lines = []
    for r in a.say_do.highlights(TOP):
        e = r.evidence
        lines.append(
            f"*{esc(r.stage)}* · said {e.said} · observed {e.observed} · internal {e.internal}"
            f" · unknown {e.unknown}" + (" · :mag: gap" if r.gap else "")
        )
    return lines


def _sections(a: JourneyAnswers, titles: dict[int, str]) -> list[tuple[str, str, list[str], tuple]]:
    return [
        (QUESTIONS[0], a.impact.why, _impact(a), a.impact.missing),
        (QUESTIONS[1], a.effort.why, _effort(a), a.effort.missing),
        (QUESTIONS[2], a.obstacles.why, _obstacles(a), a.obstacles.missing),
        (QUESTIONS[3], a.stages.why, _stages(a, titles), a.stages.missing),
        (QUESTIONS[4], a.say_do.why, _say_do(a), a.say_do.missing),
    ]


def questions_message(
    answers: JourneyAnswers, *, titles: dict[int, str] | None = None
) -> dict[str, Any]:
    """Return the ephemeral `/journey questions` answer: per question its top three and why.

    `titles` names Done ideas, whose outcomes are part of question 4.
    """
    blocks: Blocks = [header("The journey questions")]
    for n, (question, why, lines, missing) in enumerate(_sections(answers, titles or {}), 1):
        blocks.append(section(f"*{n}. {question}*\n{esc(why)}"))
        if lines:
            blocks.append(section(clip("\n".join(lines), LIMITS.SECTION)))
        if missing:
            blocks.append(context(esc(clip("Missing: " + "; ".join(missing), LIMITS.SECTION))))
    blocks.append(context("`journeybot questions` prints every row; the digest says what changed."))
    return {
        "text": "The five journey questions, answered",
        "blocks": blocks[: LIMITS.MESSAGE_BLOCKS],
    }


def questions_home_blocks(answers: JourneyAnswers) -> Blocks:
    """Return the App Home's Journey questions section: each question and its one-line why."""
    blocks: Blocks = [divider(), header("Journey questions")]
    for n, (question, why, _, _) in enumerate(_sections(answers, {}), 1):
        blocks.append(section(f"*{n}. {question}*\n{esc(why)}"))
    blocks.append(context("Top three of each, privately: `/journey questions`."))
    return blocks


def survey_block_id(idea_id: int) -> str:
    """Return the block_id of the survey buttons, which carries the idea's id."""
    return f"{Block.SURVEY}:{idea_id}"


def _survey_buttons(idea_id: int, said: SurveyAnswer | None) -> dict[str, Any]:
    buttons = []
    for answer, (action_id, label) in SURVEY_BUTTONS.items():
        chosen = answer is said
        buttons.append(
            button(
                f":white_check_mark: {label}" if chosen else label,
                action_id,
                str(idea_id),
                style="primary" if chosen else None,
            )
        )
    return actions(buttons, block_id=survey_block_id(idea_id))


def survey_dm(idea: Idea, *, shipped_at: datetime | None, now: datetime) -> dict[str, Any]:
    """Return the "Is this better now?" DM about a Done idea, with its one-click answers."""
    assert idea.id is not None
    when = ""
    if shipped_at is not None:
        days = max(0, (now - shipped_at).days)
        when = f" {days} day{'s' * (days != 1)} ago"
    text = (
        f":wave: Idea {_title(idea.id, idea.title)} shipped{when}. You reported or hit a"
        " pain point it set out to fix.\n*Is this better now?*"
    )
    return {
        "text": clip(f"Is this better now? #{idea.id} {esc(idea.title)}", LIMITS.MESSAGE_TEXT),
        "blocks": [
            section(text),
            _survey_buttons(idea.id, None),
            context("One click; you can change your answer. `/journey notify off` stops these."),
        ],
    }


def survey_answered(idea: Idea, said: SurveyAnswer) -> dict[str, Any]:
    """Return the survey DM once answered: what was recorded, the buttons to change it."""
    assert idea.id is not None
    text = (
        f":pray: Thanks: you said *{said.value}* about idea {_title(idea.id, idea.title)}."
        " It counts towards whether it worked."
    )
    return {
        "text": clip(f"You said {said.value} about idea #{idea.id}", LIMITS.MESSAGE_TEXT),
        "blocks": [section(text), _survey_buttons(idea.id, said)],
    }
