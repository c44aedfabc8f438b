"""The App Home menu that opens a workspace settings modal (admins only)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext

from ...blocks.notices import notice
from ...blocks.workspace import KINDS, settings_modal
from ...deps import Deps
from ...ids import Action

__all__ = ["register"]

log = logging.getLogger(__name__)

NOT_ADMIN = ":warning: Only this workspace's journeybot admins can change its settings."


def register(app: App, deps: Deps) -> None:
    """Register the settings menu of App Home."""

    def open_settings(team_id: str, user: str, trigger_id: str, kind: str) -> None:
        settings = deps.services.workspace
        if not settings.is_admin(team_id, user):
            deps.tell(user, notice(NOT_ADMIN))
            return
        deps.open_view(trigger_id, settings_modal(kind, settings.of(team_id)))

    @app.action(Action.HOME_WORKSPACE)
    def home_workspace(
        ack: Ack, context: BoltContext, action: dict[str, Any], body: dict[str, Any]
    ) -> None:
        ack()
        kind = (action.get("selected_option") or {}).get("value")
        if kind in KINDS:
            deps.runtime.later(
                open_settings, context.team_id, context.user_id, body["trigger_id"], kind
            )
