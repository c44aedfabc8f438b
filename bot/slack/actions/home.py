"""App Home settings (team, DMs) and link buttons, which only need an ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from ..deps import Deps
from ..ids import Action

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register the App Home actions and the link-button ack."""

    # Each use case records the redraw of the person's App Home with its change.
    def set_team(team_id: str, user: str, team: str) -> None:
        deps.services.set_team(team_id, user, team)

    def set_notify(team_id: str, user: str, on: bool) -> None:
        deps.services.set_notify(team_id, user, on)

    @app.action(Action.HOME_TEAM)
    def home_team(ack: Ack, context: BoltContext, action: dict[str, Any]) -> None:
        ack()
        team = (action.get("selected_option") or {}).get("value")
        if not isinstance(team, str):
            return
        deps.runtime.later(set_team, context.team_id, context.user_id, team)

    @app.action(Action.HOME_NOTIFY)
    def home_notify(ack: Ack, context: BoltContext, action: dict[str, Any]) -> None:
        ack()
        on = action.get("value") == "on"
        deps.runtime.later(set_notify, context.team_id, context.user_id, on)

    @app.action(Action.OPEN_LINK)
    def open_link(ack: Ack) -> None:
        # Slack opens the URL itself; without an ack the person sees a warning icon.
        ack()
