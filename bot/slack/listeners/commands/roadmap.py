"""`/roadmap`: the top 10 ideas, the weakest journey stage and the Notion roadmap link."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from ...blocks.reports import TOP, roadmap_message
from ...deps import Deps
from ...ids import Command

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register /roadmap."""

    def answer(team_id: str, respond: Respond) -> None:
        # The top from the ranking index: the same cost whatever the roadmap's size.
        message = roadmap_message(
            deps.services.top(team_id, TOP),
            weakest=deps.services.weakest_stage(team_id),
            notion_url=deps.services.notion_url(team_id),
            total=deps.services.on_roadmap(team_id),
        )
        respond(response_type="ephemeral", **message)

    @app.command(Command.ROADMAP)
    def roadmap_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        deps.runtime.later(answer, command["team_id"], respond)
