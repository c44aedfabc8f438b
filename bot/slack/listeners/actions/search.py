"""Options for the external selects: pain points to link to an idea, ideas to merge into."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from ...blocks.idea import idea_option, pain_option
from ...blocks.kit import LIMITS
from ...deps import Deps
from ...forms import metadata
from ...ids import Action

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register the options listeners (answered in the ack: Slack waits for them)."""

    @app.options(Action.PAIN_SEARCH)
    def pain_search(ack: Ack, context: BoltContext, body: dict[str, Any]) -> None:
        found = deps.services.search_pain_points(
            context.team_id, body.get("value") or "", limit=LIMITS.OPTIONS
        )
        ack(options=[pain_option(p) for p in found])

    @app.options(Action.IDEA_SEARCH)
    def idea_search(ack: Ack, context: BoltContext, body: dict[str, Any]) -> None:
        itself = metadata(body.get("view") or {}).get("idea_id")
        found = deps.services.idea_options(
            context.team_id, body.get("value") or "", limit=LIMITS.OPTIONS + 1
        )
        ack(options=[idea_option(i) for i in found if i.id != itself][: LIMITS.OPTIONS])
