"""What every listener gets: the use cases, the Web API client and the bot's helpers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from prioritize.config import JourneyConfig

from ..config import AppConfig
from ..services import Services
from .admins import Admins
from .outbound import Outbound, tell
from .runtime import Runtime

__all__ = ["Deps"]

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """Dependencies passed to each surface's `register(app, deps)`; no globals.

    Listeners reach the database only through `services`.
    """

    services: Services
    config: AppConfig
    client: WebClient
    runtime: Runtime
    outbound: Outbound
    admins: Admins

    @property
    def journey(self) -> JourneyConfig:
        return self.services.journey

    def now(self) -> datetime:
        return self.services.clock()

    def tell(
        self,
        user: str,
        message: dict[str, Any],
        *,
        channel: str | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Show `user` a message only they see: ephemeral in `channel`, else in their DM."""
        tell(self.client, user, message, channel=channel, thread_ts=thread_ts)

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> bool:
        """Open a modal; False (logged) when Slack refuses, for example an expired trigger."""
        try:
            self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as e:
            log.warning("views.open failed: %s", e.response["error"])
            return False
        return True
