"""The /pain confirmation's controls: detail pickers, the one-click evidence buttons,
"Evidence & more…", "+1 #7 instead"."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from prioritize.models import EvidenceSource, PainPoint
from prioritize.parsing import parse_id

from ....services import NotAllowed, NotFound, NotSaved
from ...blocks.everyday import pain_edit_modal
from ...blocks.kit import esc
from ...blocks.notices import notice
from ...blocks.pain import SOURCE_BUTTONS, pain_confirmation
from ...deps import Deps
from ...forms import REFUSALS, reason
from ...ids import Action
from .buttons import one_click

__all__ = ["register"]

_FIELDS = {
    Action.PAIN_STAGE: "stage",
    Action.PAIN_SEVERITY: "severity",
    Action.PAIN_TOUCHPOINT: "touchpoint",
    Action.PAIN_PERSONA: "persona",
}


def _pain_id(action: dict[str, Any]) -> int | None:
    _, _, tail = (action.get("block_id") or "").partition(":")
    return parse_id(tail)


def register(app: App, deps: Deps) -> None:
    """Register the pain point confirmation's actions."""

    def warn(respond: Respond, error: Exception) -> None:
        respond(
            response_type="ephemeral",
            replace_original=False,
            **notice(f":warning: {esc(reason(error))}"),
        )

    def redraw(team_id: str, pain: PainPoint, respond: Respond) -> None:
        similar = deps.services.similar_pain_points(team_id, pain.text, exclude=pain.id)
        respond(replace_original=True, **pain_confirmation(pain, similar, deps.journey_of(team_id)))

    def update(
        ack: Ack, context: BoltContext, respond: Respond, pain_id: int, **change: Any
    ) -> None:
        # Stored before the answer to Slack; the redrawn confirmation follows it.
        try:
            pain = deps.services.update_pain_point(
                context.team_id, context.user_id, pain_id, **change
            )
        except REFUSALS as e:
            ack()
            deps.runtime.later(warn, respond, e)
            return
        ack()
        deps.runtime.later(redraw, context.team_id, pain, respond)

    def detail_listener(field: str) -> Any:
        def listener(
            ack: Ack, context: BoltContext, action: dict[str, Any], respond: Respond
        ) -> None:
            pain_id = _pain_id(action)
            chosen = (action.get("selected_option") or {}).get("value")
            if pain_id is None or not isinstance(chosen, str):
                ack()
                return
            severity = parse_id(chosen) if field == "severity" else None
            if field == "severity" and severity is None:
                ack()
                return
            value: Any = severity if field == "severity" else chosen
            update(ack, context, respond, pain_id, **{field: value})

        listener.__name__ = f"pain_{field}"
        return listener

    for action_id, field in _FIELDS.items():
        app.action(action_id)(detail_listener(field))

    def set_source(
        ack: Ack, context: BoltContext, respond: Respond, pain_id: int, source: EvidenceSource
    ) -> None:
        update(ack, context, respond, pain_id, source=source)

    one_click(app, SOURCE_BUTTONS, set_source, prefix="pain_source")

    def open_details(team_id: str, trigger_id: str, pain_id: int, channel: str | None) -> None:
        try:
            pain = deps.services.pain_point(team_id, pain_id)
        except NotFound:
            return
        deps.open_view(
            trigger_id,
            pain_edit_modal(deps.journey_of(team_id), pain, metadata={"channel": channel}),
        )

    @app.action(Action.PAIN_DETAILS)
    def pain_details(
        ack: Ack, context: BoltContext, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        ack()
        pain_id = parse_id(str(action.get("value") or ""))
        if pain_id is not None:
            deps.runtime.later(
                open_details, context.team_id, body["trigger_id"], pain_id, context.channel_id
            )

    def counted(team_id: str, pain_id: int, instead_of: int, respond: Respond) -> None:
        people = deps.services.pain_people(team_id, pain_id)
        respond(
            replace_original=True,
            **notice(
                f":+1: Counted: you hit pain point *#{pain_id}* too ({people} people now). "
                f"Your #{instead_of} was closed as its duplicate."
            ),
        )

    @app.action(Action.PAIN_ME_TOO)
    def pain_me_too(
        ack: Ack, context: BoltContext, action: dict[str, Any], respond: Respond
    ) -> None:
        raw_other, _, raw_new = str(action.get("value") or "").partition(":")
        other, new = parse_id(raw_other), parse_id(raw_new)
        if other is None or new is None:
            ack()
            return
        try:
            deps.services.me_too(context.team_id, context.user_id, other, instead_of=new)
        except (NotAllowed, NotFound, NotSaved) as e:
            ack()
            deps.runtime.later(warn, respond, e)
            return
        ack()
        deps.runtime.later(counted, context.team_id, other, new, respond)
