"""Idea cards in the roadmap channel: posted once, then updated in place, coalesced per card."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from prioritize.models import Idea

from ..services import NotFound, Services
from .blocks.idea import idea_card, merged_card
from .runtime import Runtime

__all__ = ["Cards"]

log = logging.getLogger(__name__)

_REMEMBERED = 2000
"""Cards whose last drawing is kept; an older card is simply redrawn once more."""


class Cards:
    """Posts idea cards and keeps them current with at most one update per card per burst."""

    def __init__(
        self,
        services: Services,
        client: WebClient,
        runtime: Runtime,
        *,
        channel: str,
        delay: float,
    ) -> None:
        self.services = services
        self.client = client
        self.runtime = runtime
        self.channel = channel
        self.delay = delay
        self._links: dict[tuple[str, str], str] = {}
        self._shown: dict[tuple[str, str], str] = {}
        """What each card shows (as JSON), so a redraw that changes nothing is not sent."""
        self._lock = threading.Lock()

    def render(self, idea: Idea) -> dict[str, Any]:
        """Return the card message (text and blocks) of `idea` as it stands now."""
        store = self.services.store
        if idea.merged_into is not None:
            into = store.idea(idea.team_id, idea.merged_into)
            link = self.permalink(into)
            return merged_card(idea, into, link=link)
        entry = self.services.entry(idea.team_id, idea.id)
        return idea_card(
            entry.idea,
            entry.score,
            entry.item.bucket,
            min_estimates=self.services.journey.scoring.min_estimates,
        )

    def post(self, idea: Idea) -> Idea:
        """Post the idea's card in the roadmap channel and remember where; raises SlackApiError."""
        message = self.render(idea)
        response = self.client.chat_postMessage(channel=self.channel, **message)
        channel, ts = response["channel"], response["ts"]
        self.services.store.set_card(idea.id, channel=channel, ts=ts)
        self._remember((channel, ts), json.dumps(message, sort_keys=True))
        return idea.model_copy(update={"card_channel": channel, "card_ts": ts})

    def _remember(self, key: tuple[str, str], shown: str) -> None:
        with self._lock:
            self._shown.pop(key, None)
            self._shown[key] = shown
            if len(self._shown) > _REMEMBERED:
                del self._shown[next(iter(self._shown))]  # the least recently drawn card

    def changed(self, team_id: str, idea_ids: Iterable[int]) -> None:
        """Schedule a refresh of each idea's card; a burst of changes makes one update."""
        for idea_id in dict.fromkeys(idea_ids):
            self.runtime.coalesce(
                ("card", team_id, idea_id),
                partial(self.refresh, team_id, idea_id),
                delay=self.delay,
            )

    def refresh(self, team_id: str, idea_id: int) -> None:
        """Redraw the idea's card from the database, if it has one."""
        try:
            idea = self.services.store.idea(team_id, idea_id)
        except NotFound:
            return
        if not (idea.card_channel and idea.card_ts):
            return
        message = self.render(idea)
        key = (idea.card_channel, idea.card_ts)
        shown = json.dumps(message, sort_keys=True)
        with self._lock:
            if self._shown.get(key) == shown:
                return
        try:
            self.client.chat_update(channel=idea.card_channel, ts=idea.card_ts, **message)
        except SlackApiError as e:
            log.warning("could not update the card of idea #%s: %s", idea_id, e.response["error"])
            return
        self._remember(key, shown)

    def permalink(self, idea: Idea) -> str | None:
        """Return a link to the idea's card (None without a card or when Slack says no)."""
        if not (idea.card_channel and idea.card_ts):
            return None
        key = (idea.card_channel, idea.card_ts)
        with self._lock:
            if key in self._links:
                return self._links[key]
        try:
            link = self.client.chat_getPermalink(channel=key[0], message_ts=key[1])["permalink"]
        except SlackApiError as e:
            log.info("no permalink for idea #%s: %s", idea.id, e.response["error"])
            return None
        with self._lock:
            self._links[key] = link
        return link
