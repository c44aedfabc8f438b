"""The five journey questions, answered from the pain points, the ideas and the config.

1. Which improvements have the biggest impact?           `impact`
2. Which are the most complex, the shortest, the longest? `effort`
3. What are the biggest obstacles at each touchpoint?     `obstacles`
4. Where is the lifecycle weakest and strongest?          `stages`
5. Where do customers' words and behaviour diverge?       `say_do`

Pure: facts and `now` in, answers out. Every answer has a one-line `why` and says in
`missing` what data it lacks, so an empty workspace still gets five answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..config import JourneyConfig
from ..outcomes import SurveyAnswer
from .facts import NO_TOUCHPOINT, JourneyIdea, JourneyPain
from .impact import (
    HIGH_COMPLEXITY,
    LOW_COMPLEXITY,
    Certainty,
    EffortAnswer,
    EffortKind,
    EffortRow,
    ImpactAnswer,
    ImpactRow,
    biggest_impact,
    effort,
)
from .obstacles import Obstacle, ObstacleAnswer, TouchpointRow, obstacles
from .say_do import DOMINANT_SHARE, EvidenceCount, SayDoAnswer, StageEvidence, say_do
from .stages import StageAnswer, StageRow, outcomes, stages

__all__ = [
    "DOMINANT_SHARE",
    "HIGH_COMPLEXITY",
    "LOW_COMPLEXITY",
    "NO_TOUCHPOINT",
    "QUESTIONS",
    "Certainty",
    "EffortAnswer",
    "EffortKind",
    "EffortRow",
    "EvidenceCount",
    "ImpactAnswer",
    "ImpactRow",
    "JourneyAnswers",
    "JourneyIdea",
    "JourneyPain",
    "Obstacle",
    "ObstacleAnswer",
    "SayDoAnswer",
    "StageAnswer",
    "StageEvidence",
    "StageRow",
    "TouchpointRow",
    "answer",
    "biggest_impact",
    "effort",
    "obstacles",
    "outcomes",
    "say_do",
    "stages",
]


# ---------------------------------------------------------------- all five

QUESTIONS = (
    "Which improvements have the biggest impact?",
    "Which are the most complex, the quickest and the longest?",
    "What are the biggest obstacles at each touchpoint?",
    "Where is the journey weakest and strongest?",
    "Where do customers' words and behaviour diverge?",
)
"""The five questions as Slack, Notion and the terminal ask them, in order."""


@dataclass(frozen=True, slots=True)
class JourneyAnswers:
    impact: ImpactAnswer
    effort: EffortAnswer
    obstacles: ObstacleAnswer
    stages: StageAnswer
    say_do: SayDoAnswer
    now: datetime = field(compare=False)


def answer(
    pains: Sequence[JourneyPain],
    ideas: Sequence[JourneyIdea],
    config: JourneyConfig,
    *,
    now: datetime,
    answers: Mapping[int, Sequence[SurveyAnswer]] | None = None,
) -> JourneyAnswers:
    """Return the answers to all five questions, outcomes of Done ideas included."""
    done = outcomes(pains, ideas, config, now=now, answers=answers)
    return JourneyAnswers(
        biggest_impact(ideas, config),
        effort(ideas, config),
        obstacles(pains, ideas, config, now=now),
        stages(pains, ideas, config, now=now, done_outcomes=done),
        say_do(pains, config),
        now,
    )
