"""Submissions of the idea edit form and the pain point search form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.errors import InvalidInput

from ...blocks.everyday import fingerprint, found_view
from ...deps import Deps
from ...forms import (
    PICK_PAIN_POINTS,
    REFUSALS,
    form_item,
    metadata,
    picked_ids,
    read_state,
    refusal,
)
from ...ids import Block, View

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register the idea edit and pain search submissions."""

    @app.view(View.IDEA_EDIT)
    def idea_edited(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        values = read_state(view)
        meta = metadata(view)
        idea_id = form_item(ack, view, "idea_id", block=Block.TITLE, what="an idea")
        if idea_id is None:
            return
        pain_ids = picked_ids(values, Block.PAIN_POINTS)
        if pain_ids is None:
            ack(response_action="errors", errors={Block.PAIN_POINTS: PICK_PAIN_POINTS})
            return
        # Only what changed: a description Slack had to shorten is kept whole.
        changes: dict[str, Any] = {"title": values.get(Block.TITLE) or ""}
        description = values.get(Block.DESCRIPTION) or ""
        if fingerprint(description) != meta.get("shown_description"):
            changes["description"] = description
        if sorted(pain_ids) != meta.get("shown_pains"):
            changes["pain_point_ids"] = pain_ids
        try:
            deps.services.editing.edit_idea(
                context.team_id, context.user_id, idea_id, once=f"view:{view['id']}", **changes
            )
        except REFUSALS as e:
            ack(response_action="errors", errors=refusal(e, values, default=Block.TITLE))
            return
        ack()

    @app.view(View.PAIN_SEARCH)
    def pain_searched(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        query = read_state(view).get(Block.SEARCH) or ""
        try:
            found = deps.services.editing.find(
                context.team_id, context.user_id, query, search=False
            )
        except InvalidInput as e:
            ack(response_action="errors", errors={Block.SEARCH: e.message})
            return
        ack(response_action="update", view=found_view(found, search=False))
