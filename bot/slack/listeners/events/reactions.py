"""A :+1: reaction on an idea card is a +1; removing it takes the +1 back."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext

from ....services import NotFound, NotSaved
from ...blocks.kit import esc
from ...blocks.notices import notice
from ...deps import Deps
from ...forms import not_saved
from ...ids import Event

__all__ = ["SUPPORT_REACTIONS", "register"]

log = logging.getLogger(__name__)

SUPPORT_REACTIONS = frozenset({"+1", "thumbsup"})


def _is_support(name: str) -> bool:
    # Skin tones arrive as "+1::skin-tone-3".
    return name.split("::")[0] in SUPPORT_REACTIONS


def register(app: App, deps: Deps) -> None:
    """Register the reaction listeners."""

    def react(ack: Ack, team_id: str, body: dict[str, Any], added: bool) -> None:
        # Stored before the answer to Slack, so an acknowledged +1 is never lost.
        event = body.get("event") or {}
        item = event.get("item") or {}
        if item.get("type") != "message" or not _is_support(str(event.get("reaction", ""))):
            ack()
            return
        idea = deps.services.idea_by_card(team_id, item.get("channel", ""), item.get("ts", ""))
        if idea is None or not event.get("user"):
            ack()
            return
        once = f"event:{body.get('event_id') or (event.get('type'), item['ts'], event['user'])}"
        try:
            if added:
                deps.services.support(team_id, idea.id, event["user"], once=once)
            else:
                deps.services.retract_support(team_id, idea.id, event["user"], once=once)
        except NotFound:
            pass
        except NotSaved as e:
            log.warning("a +1 by reaction on idea #%s was not stored: %s", idea.id, e)
            deps.runtime.later(
                deps.tell,
                event["user"],
                notice(f":warning: Your :+1: on idea #{idea.id}: {esc(not_saved(e))}"),
                channel=item.get("channel"),
            )
        ack()

    @app.event(Event.REACTION_ADDED)
    def reaction_added(ack: Ack, context: BoltContext, body: dict[str, Any]) -> None:
        react(ack, context.team_id, body, True)

    @app.event(Event.REACTION_REMOVED)
    def reaction_removed(ack: Ack, context: BoltContext, body: dict[str, Any]) -> None:
        react(ack, context.team_id, body, False)
