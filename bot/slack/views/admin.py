"""Submission of the admin modal: change status, pin a bucket, merge into another idea."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.config import InvalidInput
from prioritize.models import Bucket, IdeaStatus

from ...services import NotFound
from ..deps import Deps
from ..forms import metadata, read_state
from ..ids import Block, View

__all__ = ["NOT_ADMIN", "register"]

NOT_ADMIN = "Only journeybot admins and workspace admins can change this idea."


def register(app: App, deps: Deps) -> None:
    """Register the admin modal submission."""

    @app.view(View.ADMIN)
    def admin_submitted(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        team_id, user = context.team_id, context.user_id
        values = read_state(view)
        idea_id = int(metadata(view)["idea_id"])
        # Checked again on submit: the modal may have been opened before a demotion.
        # The role was looked up (and cached) when the modal opened, so this is fast.
        if not deps.admins.is_admin(user):
            ack(response_action="errors", errors={Block.STATUS: NOT_ADMIN})
            return
        target = values.get(Block.MERGE_INTO)
        try:
            idea = deps.store.idea(team_id, idea_id)
            # Applied before the ack so a refused merge shows on its field. Thread replies,
            # DMs and card redraws are queued by the change subscriber, after the ack.
            if target:
                deps.services.merge(team_id, idea_id, int(target), by=user)
            status = IdeaStatus(values.get(Block.STATUS) or idea.status.value)
            if status is not idea.status:
                deps.services.change_status(team_id, idea_id, status, by=user)
            wanted = values.get(Block.BUCKET)
            pinned = Bucket(wanted) if wanted and wanted != "auto" else None
            if pinned != idea.pinned_bucket and not target:
                deps.services.pin_bucket(team_id, idea_id, pinned, by=user)
        except InvalidInput as e:
            block = Block.MERGE_INTO if target and e.field == "idea" else Block.STATUS
            ack(response_action="errors", errors={block: e.message})
            return
        except NotFound as e:
            ack(response_action="errors", errors={Block.MERGE_INTO: str(e)})
            return
        ack()
