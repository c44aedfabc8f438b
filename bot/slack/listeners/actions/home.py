"""App Home settings (team, DMs) and link buttons, which only need an ack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.errors import InvalidInput, NotAllowed, NotFound, NotSaved

from ...blocks.kit import esc
from ...blocks.notices import notice
from ...deps import Deps
from ...forms import button_id, reason
from ...ids import Action

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    """Register the App Home actions and the link-button ack."""

    # Stored before the answer to Slack; each use case records the redraw of the
    # person's App Home with its change, which shows them it worked.

    def warn(user: str, error: Exception) -> None:
        deps.runtime.later(deps.tell, user, notice(f":warning: {esc(reason(error))}"))

    @app.action(Action.HOME_TEAM)
    def home_team(ack: Ack, context: BoltContext, action: dict[str, Any]) -> None:
        team = (action.get("selected_option") or {}).get("value")
        if isinstance(team, str):
            try:
                deps.services.set_team(context.team_id, context.user_id, team)
            except (InvalidInput, NotAllowed, NotSaved) as e:
                log.info("App Home team change refused: %s", e)
                # The picker already shows the new team: say why it did not take.
                warn(context.user_id, e)
        ack()

    @app.action(Action.HOME_NOTIFY)
    def home_notify(ack: Ack, context: BoltContext, action: dict[str, Any]) -> None:
        on = action.get("value") == "on"
        try:
            deps.services.set_notify(context.team_id, context.user_id, on)
        except NotSaved as e:
            log.info("App Home DM setting not stored: %s", e)
        ack()

    @app.action(Action.HOME_CHANNEL)
    def home_channel(ack: Ack, context: BoltContext, action: dict[str, Any]) -> None:
        channel = action.get("selected_conversation")
        if isinstance(channel, str):
            try:
                deps.services.set_roadmap_channel(context.team_id, channel, by=context.user_id)
            except (InvalidInput, NotAllowed, NotSaved) as e:
                warn(context.user_id, e)
        ack()

    @app.action(Action.HOME_REPOST)
    def home_repost(ack: Ack, context: BoltContext, action: dict[str, Any]) -> None:
        idea_id = button_id(action)
        if idea_id is not None:
            try:
                deps.services.repost_card(context.team_id, idea_id, by=context.user_id)
            except (NotFound, NotAllowed, NotSaved) as e:
                warn(context.user_id, e)
        ack()

    @app.action(Action.OPEN_LINK)
    def open_link(ack: Ack) -> None:
        # Slack opens the URL itself; without an ack the person sees a warning icon.
        ack()
