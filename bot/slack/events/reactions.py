"""A :+1: reaction on an idea card is a +1; removing it takes the +1 back."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from ...services import NotFound
from ..deps import Deps
from ..ids import Event

__all__ = ["SUPPORT_REACTIONS", "register"]

SUPPORT_REACTIONS = frozenset({"+1", "thumbsup"})


def _is_support(name: str) -> bool:
    # Skin tones arrive as "+1::skin-tone-3".
    return name.split("::")[0] in SUPPORT_REACTIONS


def register(app: App, deps: Deps) -> None:
    """Register the reaction listeners."""

    def react(team_id: str, body: dict[str, Any], added: bool) -> None:
        event = body["event"]
        item = event.get("item") or {}
        if item.get("type") != "message" or not _is_support(event.get("reaction", "")):
            return
        idea = deps.services.idea_by_card(team_id, item.get("channel", ""), item.get("ts", ""))
        if idea is None:
            return
        once = f"event:{body.get('event_id') or (event['type'], item['ts'], event['user'])}"
        try:
            if added:
                deps.services.support(team_id, idea.id, event["user"], once=once)
            else:
                deps.services.retract_support(team_id, idea.id, event["user"], once=once)
        except NotFound:
            return

    @app.event(Event.REACTION_ADDED)
    def reaction_added(ack: Ack, context: BoltContext, body: dict[str, Any]) -> None:
        ack()
        deps.runtime.later(react, context.team_id, body, True)

    @app.event(Event.REACTION_REMOVED)
    def reaction_removed(ack: Ack, context: BoltContext, body: dict[str, Any]) -> None:
        ack()
        deps.runtime.later(react, context.team_id, body, False)
