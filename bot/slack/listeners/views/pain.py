"""Submissions of the pain point modal (new, and editing an existing one)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.models import PainPoint

from ...blocks.everyday import fingerprint
from ...blocks.pain import pain_confirmation
from ...deps import Deps
from ...forms import (
    REFUSALS,
    form_item,
    metadata,
    read_state,
    refusal,
)
from ...ids import Block, View

__all__ = ["register"]


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    severity = values.get(Block.SEVERITY)
    return {
        "stage": values.get(Block.STAGE),
        "severity": int(severity) if isinstance(severity, str) and severity.isdigit() else None,
        "touchpoint": values.get(Block.TOUCHPOINT),
        "persona": values.get(Block.PERSONA),
        "owning_team": values.get(Block.OWNING_TEAM),
        "source": values.get(Block.SOURCE),
        "link": values.get(Block.LINK),
    }


def register(app: App, deps: Deps) -> None:
    """Register the pain modal submissions."""

    def confirm(team_id: str, user: str, pain: PainPoint, channel: str | None) -> None:
        similar = deps.services.similar_pain_points(team_id, pain.text, exclude=pain.id)
        deps.tell(user, pain_confirmation(pain, similar, deps.journey_of(team_id)), channel=channel)

    # Storing happens before the ack on purpose: a problem must come back as an inline
    # error on its field (response_action "errors"), which only the ack can carry. It is
    # one local SQLite transaction; everything that talks to Slack waits for `later`.

    @app.view(View.PAIN)
    def pain_submitted(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        values = read_state(view)
        text = values.get(Block.TEXT) or ""
        try:
            # A second submission of the same modal stores nothing twice.
            logged = deps.services.log_pain_point(
                context.team_id, context.user_id, text, once=f"view:{view['id']}", **_fields(values)
            )
        except REFUSALS as e:
            ack(response_action="errors", errors=refusal(e, values, default=Block.TEXT))
            return
        ack()
        deps.runtime.later(
            confirm, context.team_id, context.user_id, logged.pain, metadata(view).get("channel")
        )

    @app.view(View.PAIN_EDIT)
    def pain_edited(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        values = read_state(view)
        meta = metadata(view)
        pain_id = form_item(ack, view, "pain_id", block=Block.TEXT, what="a pain point")
        if pain_id is None:
            return
        # Only what the person changed is saved: a text or link Slack had to shorten in the
        # form comes back shortened, and must not overwrite the whole one.
        changes = _fields(values)
        text = values.get(Block.TEXT) or ""
        if fingerprint(text) != meta.get("shown_text"):
            changes["text"] = text
        if fingerprint(values.get(Block.LINK)) == meta.get("shown_link"):
            changes.pop("link")
        try:
            edited = deps.services.editing.edit_pain(
                context.team_id, context.user_id, pain_id, once=f"view:{view['id']}", **changes
            )
        except REFUSALS as e:
            ack(response_action="errors", errors=refusal(e, values, default=Block.TEXT))
            return
        ack()
        pain = edited.item
        assert isinstance(pain, PainPoint)
        deps.runtime.later(confirm, context.team_id, context.user_id, pain, meta.get("channel"))
