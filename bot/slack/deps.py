"""What every listener gets: the use cases, the Web API client and the bot's helpers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from prioritize.config import JourneyConfig
from storage.slack_state import SlackState
from storage.store import Store

from ..config import AppConfig
from ..services import Change, Services, StatusChange
from .admins import Admins
from .cards import Cards
from .notify import Notifier
from .runtime import Runtime

__all__ = ["Deps"]

log = logging.getLogger(__name__)


@dataclass
class Deps:
    """Dependencies passed to each surface's `register(app, deps)`; no globals."""

    services: Services
    config: AppConfig
    client: WebClient
    runtime: Runtime
    state: SlackState
    cards: Cards
    notifier: Notifier
    admins: Admins

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def journey(self) -> JourneyConfig:
        return self.services.journey

    def now(self) -> datetime:
        return self.services.clock()

    def on_change(self, event: Change | StatusChange) -> None:
        """Subscriber of Services: schedule card redraws and closing-the-loop notices.

        Runs in whichever thread made the change (a listener, the Notion sync), so it only
        queues work and returns.
        """
        if isinstance(event, StatusChange):
            self.cards.changed(event.team_id, [event.idea_id])
            self.runtime.later(self.notifier.status_changed, event)
            return
        if event.idea_ids:
            self.cards.changed(event.team_id, event.idea_ids)
        if event.pain_ids:
            # A pain point's severity or status moves the score of the ideas linked to it.
            self.runtime.later(self._pains_changed, event.team_id, event.pain_ids)

    def _pains_changed(self, team_id: str, pain_ids: tuple[int, ...]) -> None:
        linked = self.store.ideas_for_pain_points(pain_ids)
        self.cards.changed(team_id, [i for ids in linked.values() for i in ids])

    def tell(
        self,
        user: str,
        message: dict[str, Any],
        *,
        channel: str | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Show `user` a message only they see: ephemeral in `channel`, else in their DM.

        Ephemeral messages fail in channels the bot is not in; the DM always works.
        """
        if channel and not channel.startswith("D"):
            try:
                kwargs: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
                self.client.chat_postEphemeral(channel=channel, user=user, **message, **kwargs)
                return
            except SlackApiError as e:
                log.info("ephemeral in %s failed (%s); sending a DM", channel, e.response["error"])
        try:
            self.client.chat_postMessage(channel=user, **message)
        except SlackApiError as e:
            log.warning("could not tell %s: %s", user, e.response["error"])

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a modal; an expired trigger (a slow start) is logged, not raised."""
        try:
            self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as e:
            log.warning("views.open failed: %s", e.response["error"])
