"""The one-click answers of the "Is this better now?" DM about a Done idea."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond

from prioritize.outcomes import SurveyAnswer

from ...blocks.kit import esc
from ...blocks.notices import notice
from ...blocks.questions import SURVEY_BUTTONS, survey_answered
from ...deps import Deps
from ...forms import REFUSALS, reason
from .buttons import one_click

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register the survey answers."""

    def thank(team_id: str, idea_id: int, said: SurveyAnswer, respond: Respond) -> None:
        idea = deps.services.idea(team_id, idea_id)
        respond(replace_original=True, **survey_answered(idea, said))

    def warn(respond: Respond, text: str) -> None:
        respond(replace_original=False, **notice(f":warning: {esc(text)}"))

    def answer(
        ack: Ack, context: BoltContext, respond: Respond, idea_id: int, said: SurveyAnswer
    ) -> None:
        # Stored before the answer to Slack: the thanks never precede the answer.
        try:
            deps.services.answer_if_better(context.team_id, context.user_id, idea_id, said)
        except REFUSALS as e:
            ack()
            deps.runtime.later(warn, respond, reason(e))
            return
        ack()
        deps.runtime.later(thank, context.team_id, idea_id, said, respond)

    one_click(app, SURVEY_BUTTONS, answer, prefix="survey")
