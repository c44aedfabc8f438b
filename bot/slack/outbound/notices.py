"""Closing the loop: an idea's status change said in its thread and to its people."""

from __future__ import annotations

import logging
from datetime import UTC

from slack_sdk import WebClient

from prioritize.models import Idea, IdeaStatus
from storage.slack_state import SlackState

from ...services import Services, Why
from .. import clients
from ..blocks.notices import Why as WhyText
from ..blocks.notices import bucket_thread_reply, day_end_dm, status_dm, status_thread_reply
from .cards import Cards

__all__ = ["Notices"]

log = logging.getLogger(__name__)

_WHY = {
    Why.REPORTED: WhyText.REPORTED,
    Why.SUPPORTED: WhyText.SUPPORTED,
    Why.ESTIMATED: WhyText.ESTIMATED,
    Why.PROPOSED: WhyText.PROPOSED,
}


class Notices:
    """Posts the status-change thread reply and DMs recorded in the outbox."""

    def __init__(
        self,
        services: Services,
        client: WebClient,
        state: SlackState,
        cards: Cards,
        *,
        per_day: int,
    ) -> None:
        self.services = services
        self._client = client
        self.state = state
        self.cards = cards
        self.per_day = per_day

    @property
    def client(self) -> WebClient:
        """The client of the workspace whose idea changed."""
        return clients.current(self._client)

    def thread(self, idea: Idea, old: IdeaStatus, new: IdeaStatus, source: str) -> None:
        """Reply in the card's thread; raises SlackApiError."""
        if not (idea.card_channel and idea.card_ts):
            return
        self.client.chat_postMessage(
            channel=idea.card_channel,
            thread_ts=idea.card_ts,
            **status_thread_reply(idea, old, new, source),
        )

    def bucket(self, idea: Idea, old: str | None, new: str | None, by: str) -> None:
        """Say in the card's thread that a leader moved it; raises SlackApiError."""
        if idea.card_channel and idea.card_ts:
            self.client.chat_postMessage(
                channel=idea.card_channel,
                thread_ts=idea.card_ts,
                **bucket_thread_reply(idea, old, new, by),
            )

    def day_end(self, idea: Idea, *, user: str, why: str) -> None:
        """Send the one end-of-day DM about an idea; raises SlackApiError."""
        self.client.chat_postMessage(
            channel=user,
            **day_end_dm(idea, why=_WHY.get(why, why), link=self.cards.permalink(idea)),
        )

    def dm(self, idea: Idea, old: IdeaStatus, new: IdeaStatus, *, user: str, why: str) -> bool:
        """DM one person about the change, within the daily cap; raises SlackApiError.

        Returns False when the cap (per person, idea and day) is spent: the day's last
        status then goes in one end-of-day DM instead of being dropped.
        """
        if self.per_day <= 0:
            return False
        now = self.services.clock()
        day = now.astimezone(UTC).date().isoformat()
        if self.state.dms_sent(idea.team_id, user, idea.id, day=day) >= self.per_day:
            log.info(
                "DM cap reached for %s about idea #%s today; one at the day's end", user, idea.id
            )
            self.services.defer_status_dm(idea.team_id, idea.id, user, why)
            return False
        # Posting to a user id lands in the app's DM with them (the Messages tab),
        # which needs chat:write only, not im:write.
        self.client.chat_postMessage(
            channel=user,
            **status_dm(idea, old, new, why=_WHY.get(why, why), link=self.cards.permalink(idea)),
        )
        # Counted once Slack took it: a send that failed and is retried is not a DM spent.
        self.state.count_dm(idea.team_id, user, idea.id, now=now)
        return True
