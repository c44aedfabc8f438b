"""The one-click answers of the "Is this better now?" DM about a Done idea."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from prioritize.outcomes import SurveyAnswer

from ...blocks.kit import esc
from ...blocks.notices import notice
from ...blocks.questions import SURVEY_BUTTONS, survey_answered
from ...deps import Deps
from ...forms import REFUSALS, button_id, reason

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register the survey answers."""

    def thank(team_id: str, idea_id: int, said: SurveyAnswer, respond: Respond) -> None:
        idea = deps.services.idea(team_id, idea_id)
        respond(replace_original=True, **survey_answered(idea, said))

    def warn(respond: Respond, text: str) -> None:
        respond(replace_original=False, **notice(f":warning: {esc(text)}"))

    def answer_listener(said: SurveyAnswer) -> Any:
        def listener(
            ack: Ack, context: BoltContext, action: dict[str, Any], respond: Respond
        ) -> None:
            idea_id = button_id(action)
            if idea_id is None:
                ack()
                return
            # Stored before the answer to Slack: the thanks never precede the answer.
            try:
                deps.services.answer_if_better(context.team_id, context.user_id, idea_id, said)
            except REFUSALS as e:
                ack()
                deps.runtime.later(warn, respond, reason(e))
                return
            ack()
            deps.runtime.later(thank, context.team_id, idea_id, said, respond)

        listener.__name__ = f"survey_{said.name.lower()}"
        return listener

    for said, (action_id, _) in SURVEY_BUTTONS.items():
        app.action(action_id)(answer_listener(said))
