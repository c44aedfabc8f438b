"""Submissions of the idea edit form and the pain point search form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.errors import InvalidInput, NotAllowed, NotFound, NotSaved
from prioritize.parsing import parse_id

from ...blocks.everyday import fingerprint, found_view
from ...deps import Deps
from ...forms import error_block, metadata, not_saved, read_state
from ...ids import Block, View

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register the idea edit and pain search submissions."""

    @app.view(View.IDEA_EDIT)
    def idea_edited(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        values = read_state(view)
        meta = metadata(view)
        idea_id = parse_id(str(meta.get("idea_id", "")))
        if idea_id is None:
            ack(response_action="errors", errors={Block.TITLE: "This form is not for an idea."})
            return
        pain_ids = [parse_id(str(v)) for v in values.get(Block.PAIN_POINTS) or []]
        if None in pain_ids:
            ack(
                response_action="errors",
                errors={Block.PAIN_POINTS: "Pick pain points from the list."},
            )
            return
        # Only what changed: a description Slack had to shorten is kept whole.
        changes: dict[str, Any] = {"title": values.get(Block.TITLE) or ""}
        description = values.get(Block.DESCRIPTION) or ""
        if fingerprint(description) != meta.get("shown_description"):
            changes["description"] = description
        if sorted(i for i in pain_ids if i is not None) != meta.get("shown_pains"):
            changes["pain_point_ids"] = [i for i in pain_ids if i is not None]
        try:
            deps.services.editing.edit_idea(
                context.team_id, context.user_id, idea_id, once=f"view:{view['id']}", **changes
            )
        except InvalidInput as e:
            ack(
                response_action="errors",
                errors={error_block(e, values, default=Block.TITLE): e.message},
            )
            return
        except (NotAllowed, NotFound) as e:
            ack(response_action="errors", errors={Block.TITLE: str(e)})
            return
        except NotSaved as e:
            ack(response_action="errors", errors={Block.TITLE: not_saved(e)})
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
