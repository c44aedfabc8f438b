"""`app_home_opened`: draw the person's App Home."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from ...deps import Deps
from ...ids import Event

__all__ = ["register"]


def register(app: App, deps: Deps) -> None:
    """Register the App Home listener."""

    @app.event(Event.APP_HOME_OPENED)
    def home_opened(ack: Ack, context: BoltContext, event: dict[str, Any]) -> None:
        ack()
        if event.get("tab", "home") == "home":
            deps.runtime.later(deps.services.refresh_home, context.team_id, event["user"])
