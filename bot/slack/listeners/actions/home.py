"""App Home settings (team, DMs) and link buttons, which only need an ack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.errors import NotSaved

from ...blocks.kit import esc
from ...blocks.notices import notice
from ...deps import Deps
from ...forms import REFUSALS, button_id, reason
from ...ids import Action

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    """Register the App Home actions and the link-button ack."""

    # Stored before the answer to Slack; each use case records the redraw of the
    # person's App Home with its change, which shows them it worked.

    def warn(user: str, error: Exception) -> None:
        deps.runtime.later(deps.tell, user, notice(f":warning: {esc(reason(error))}"))

    def attempt(user: str, change: Callable[[], object]) -> None:
        """Make the change; if it is refused or not saved, tell `user` why."""
        try:
            change()
        except REFUSALS as e:
            log.info("App Home change refused: %s", e)
            warn(user, e)

    @app.action(Action.HOME_TEAM)
    def home_team(ack: Ack, context: BoltContext, action: dict[str, Any]) -> None:
        team = (action.get("selected_option") or {}).get("value")
        if isinstance(team, str):
            # The picker already shows the new team: a refusal says why it did not take.
            attempt(
                context.user_id,
                lambda: deps.services.set_team(context.team_id, context.user_id, team),
            )
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
            attempt(
                context.user_id,
                lambda: deps.services.set_roadmap_channel(
                    context.team_id, channel, by=context.user_id
                ),
            )
        ack()

    @app.action(Action.HOME_REPOST)
    def home_repost(ack: Ack, context: BoltContext, action: dict[str, Any]) -> None:
        idea_id = button_id(action)
        if idea_id is not None:
            attempt(
                context.user_id,
                lambda: deps.services.repost_card(context.team_id, idea_id, by=context.user_id),
            )
        ack()

    @app.action(Action.OPEN_LINK)
    def open_link(ack: Ack) -> None:
        # Slack opens the URL itself; without an ack the person sees a warning icon.
        ack()
