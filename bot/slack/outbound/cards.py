"""Idea cards in the roadmap channel: posted once, then updated in place."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from prioritize.errors import NotSaved
from prioritize.models import Bucket, Idea, IdeaStatus

from ...services import Services
from .. import clients
from ..blocks.idea import idea_card, merged_card
from .courier import Undeliverable

__all__ = ["Cards"]

_REMEMBERED = 2000
"""Cards whose last drawing is kept; an older card is simply redrawn once more."""


class Cards:
    """Draws idea cards from the database; the outbox decides when (one update per burst)."""

    def __init__(self, services: Services, client: WebClient) -> None:
        self.services = services
        self._client = client
        self._links: dict[tuple[str, str], str] = {}
        self._shown: dict[tuple[str, str], str] = {}
        """What each card shows (as JSON), so a redraw that changes nothing is not sent."""
        self._lock = threading.Lock()

    @property
    def client(self) -> WebClient:
        """The client of the workspace whose card is being drawn."""
        return clients.current(self._client)

    def render(self, idea: Idea) -> dict[str, Any]:
        """Return the card message (text and blocks) of `idea` as it stands now."""
        return self._render(idea)[0]

    def _render(self, idea: Idea) -> tuple[dict[str, Any], Bucket | None]:
        if idea.merged_into is not None:
            into = self.services.idea(idea.team_id, idea.merged_into)
            return merged_card(idea, into, link=self.permalink(into)), None
        entry = self.services.entry(idea.team_id, idea.id)
        outcome = (
            self.services.outcome(idea.team_id, idea.id)
            if entry.idea.status is IdeaStatus.DONE
            else None
        )
        card = idea_card(
            entry.idea,
            entry.score,
            entry.item.bucket,
            min_estimates=self.services.journey_of(idea.team_id).scoring.min_estimates,
            outcome=outcome,
        )
        return card, entry.item.bucket

    def post(self, idea: Idea) -> Idea:
        """Post the idea's card in the roadmap channel and remember where.

        Raises SlackApiError, or Undeliverable while no roadmap channel is set.
        """
        channel = self.services.roadmap_channel(idea.team_id)
        if channel is None:
            raise Undeliverable("no_roadmap_channel")
        message, bucket = self._render(idea)
        response = self.client.chat_postMessage(channel=channel, **message)
        channel, ts = response["channel"], response["ts"]
        self._remember_card(idea, channel, ts)
        self.services.card_drawn(idea.team_id, idea.id, bucket)
        self._remember((channel, ts), json.dumps(message, sort_keys=True))
        return idea.model_copy(update={"card_channel": channel, "card_ts": ts})

    def _remember_card(self, idea: Idea, channel: str, ts: str) -> None:
        # The card is in Slack now: forgetting where would post it a second time on the
        # retry, so a busy database is waited for (a while) rather than given up on.
        for attempt in range(30):
            try:
                self.services.card_posted(idea.team_id, idea.id, channel=channel, ts=ts)
                return
            except NotSaved:
                time.sleep(min(2.0, 0.2 * (attempt + 1)))
        self.services.card_posted(idea.team_id, idea.id, channel=channel, ts=ts)

    def _remember(self, key: tuple[str, str], shown: str) -> None:
        with self._lock:
            self._shown.pop(key, None)
            self._shown[key] = shown
            if len(self._shown) > _REMEMBERED:
                del self._shown[next(iter(self._shown))]  # the least recently drawn card

    def refresh(self, idea: Idea) -> None:
        """Redraw the idea's card from the database, if it has one; raises SlackApiError."""
        if not (idea.card_channel and idea.card_ts):
            return
        message, bucket = self._render(idea)
        key = (idea.card_channel, idea.card_ts)
        shown = json.dumps(message, sort_keys=True)
        with self._lock:
            if self._shown.get(key) == shown:
                return
        self.client.chat_update(channel=idea.card_channel, ts=idea.card_ts, **message)
        self._remember(key, shown)
        self.services.card_drawn(idea.team_id, idea.id, bucket)

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
        except SlackApiError:
            return None
        with self._lock:
            self._links[key] = link
        return link
