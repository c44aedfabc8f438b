"""Submission of the estimate modal: impact, complexity, time to deliver."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from ...deps import Deps
from ...forms import REFUSALS, form_item
from ...ids import Block, View
from .idea import estimate_refusal, read_estimate

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register the estimate modal submission."""

    @app.view(View.ESTIMATE)
    def estimate_submitted(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        values, estimate, errors = read_estimate(deps, context.team_id, view)
        if not errors and all(v is None for v in estimate.values()):
            errors[Block.IMPACT] = "Rate at least one of impact, complexity or time to deliver."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        # Stored before the ack so refusals (raters limited to some teams) show inline;
        # a repeated submission replaces the estimate with itself.
        idea_id = form_item(ack, view, "idea_id", block=Block.IMPACT, what="an idea")
        if idea_id is None:
            return
        try:
            deps.services.record_estimate(context.team_id, idea_id, context.user_id, **estimate)
        except REFUSALS as e:
            ack(response_action="errors", errors=estimate_refusal(e, values, default=Block.IMPACT))
            return
        ack()
