"""`/idea [text]`: open the idea modal, prefilled with the text and matching pain points."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from ...blocks.everyday import similar_ideas_block
from ...blocks.idea import idea_modal
from ...blocks.kit import unmarkup
from ...deps import Deps
from ...ids import Command

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register /idea."""

    def open_modal(team_id: str, trigger_id: str, text: str, channel: str | None) -> None:
        suggested = deps.services.similar_pain_points(team_id, text, limit=5)
        view = idea_modal(
            deps.journey_of(team_id), title=text, suggested=suggested, metadata={"channel": channel}
        )
        # Suggest, never block: ideas that read alike are shown above the form.
        view["blocks"][0:0] = similar_ideas_block(
            deps.services.editing.similar_ideas(team_id, text)
        )
        deps.open_view(trigger_id, view)

    @app.command(Command.IDEA)
    def idea_command(ack: Ack, command: dict[str, Any]) -> None:
        if deps.services.roadmap_channel(command["team_id"]) is None:
            ack(response_type="ephemeral", text=deps.services.no_channel_message())
            return
        ack()
        deps.runtime.later(
            open_modal,
            command["team_id"],
            command["trigger_id"],
            unmarkup(command.get("text") or "").strip(),
            command.get("channel_id"),
        )
