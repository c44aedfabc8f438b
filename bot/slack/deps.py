"""What every listener gets: the use cases, the Web API client and the bot's helpers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from prioritize.config import JourneyConfig

from ..config import AppConfig
from ..services import Services
from . import clients
from .admins import Admins
from .outbound import Outbound, tell
from .runtime import Runtime

__all__ = ["Deps", "remember_requester"]

log = logging.getLogger(__name__)

_REQUESTER: ContextVar[tuple[str | None, str | None]] = ContextVar(
    "journeybot_requester", default=(None, None)
)
"""(user, channel) of the request being served; work handed to `runtime.later` keeps it."""

TRY_AGAIN = (
    ":hourglass: Slack did not let me open that form in time ({error})."
    " Nothing was lost; please try again."
)
CANNOT_OPEN = ":warning: Slack would not open that form ({error}). Please try again."
_LATE = frozenset({"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"})


def remember_requester(context: BoltContext, next: Callable[[], None]) -> None:
    """Bolt middleware: remember who asked, for answers given after the ack.

    Bolt runs the listener after the middleware returns, on the same thread, so the value
    is set, not reset: each request on the thread sets its own.
    """
    _REQUESTER.set((context.user_id, context.channel_id))
    next()


@dataclass
class Deps:
    """Dependencies passed to each surface's `register(app, deps)`; no globals.

    Listeners reach the database only through `services`.
    """

    services: Services
    config: AppConfig
    default_client: WebClient
    """The one-workspace client; installed in many, it has no token (see `client`)."""
    runtime: Runtime
    outbound: Outbound
    admins: Admins

    @property
    def client(self) -> WebClient:
        """The client of the workspace whose request is being served."""
        return clients.current(self.default_client)

    @property
    def journey(self) -> JourneyConfig:
        """The config file's journey map (a workspace may have its own: `journey_of`)."""
        return self.services.journey

    def journey_of(self, team_id: str) -> JourneyConfig:
        """The journey map the workspace runs with: its admins' own, else the config's."""
        return self.services.journey_of(team_id)

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
        """Open a modal; False when Slack refuses (an expired trigger, a busy Slack).

        The person who asked is told to try again: a modal that silently never opens
        looks like a click that did nothing.
        """
        try:
            self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as e:
            error = e.response.get("error") or "error"
            log.warning("views.open failed: %s", error)
            user, channel = _REQUESTER.get()
            if user:
                message = {
                    "text": (TRY_AGAIN if error in _LATE else CANNOT_OPEN).format(error=error)
                }
                self.tell(user, message, channel=channel)
            return False
        return True
