"""Submission of the admin modal: change status, pin a bucket, merge into another idea."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.config import InvalidInput
from prioritize.models import Bucket, IdeaStatus
from prioritize.parsing import parse_id

from ....services import NotAllowed, NotFound, NotSaved
from ...deps import Deps
from ...forms import form_id, not_saved, read_state
from ...ids import Block, View

__all__ = ["NOT_ADMIN", "register"]

NOT_ADMIN = "Only journeybot admins and workspace admins can change this idea."

_STATUSES = {s.value for s in IdeaStatus}
_BUCKETS = {b.value for b in Bucket} | {"auto"}


def register(app: App, deps: Deps) -> None:
    """Register the admin modal submission."""

    @app.view(View.ADMIN)
    def admin_submitted(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        values = read_state(view)
        idea_id = form_id(view, "idea_id")
        status, bucket, target = (
            values.get(Block.STATUS),
            values.get(Block.BUCKET),
            values.get(Block.MERGE_INTO),
        )
        # Values a Slack client cannot send are refused, never coerced.
        if idea_id is None or (status is not None and status not in _STATUSES):
            ack(response_action="errors", errors={Block.STATUS: "Choose a status from the list."})
            return
        if bucket is not None and bucket not in _BUCKETS:
            ack(response_action="errors", errors={Block.BUCKET: "Choose a bucket from the list."})
            return
        merge_into = parse_id(str(target)) if target else None
        if target and merge_into is None:
            ack(response_action="errors", errors={Block.MERGE_INTO: "Pick an idea from the list."})
            return
        try:
            # Applied before the ack so a refused merge shows on its field. Thread replies,
            # DMs and card redraws are recorded with the change and delivered after it.
            deps.services.manage(
                context.team_id,
                idea_id,
                context.user_id,
                status=status,
                bucket=bucket or "auto",
                merge_into=merge_into,
                once=f"view:{view['id']}:{view.get('hash', '')}",
            )
        except NotAllowed:
            ack(response_action="errors", errors={Block.STATUS: NOT_ADMIN})
            return
        except InvalidInput as e:
            block = Block.MERGE_INTO if target and e.field == "idea" else Block.STATUS
            ack(response_action="errors", errors={block: e.message})
            return
        except NotFound as e:
            ack(response_action="errors", errors={Block.MERGE_INTO: str(e)})
            return
        except NotSaved as e:
            ack(response_action="errors", errors={Block.STATUS: not_saved(e)})
            return
        ack()
