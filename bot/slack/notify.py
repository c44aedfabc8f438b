"""Closing the loop: when an idea's status changes, say so in its thread and tell its people."""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from prioritize.models import Idea
from storage.slack_state import SlackState

from ..services import NotFound, Services, StatusChange
from .blocks.notices import Why, status_dm, status_thread_reply
from .cards import Cards

__all__ = ["Notifier"]

log = logging.getLogger(__name__)

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
"""Slack user ids; reporters like "import" (from a CSV) have no DM to send to."""


class Notifier:
    """Posts the status-change thread reply and the DMs, each at most once per change."""

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
        self.client = client
        self.state = state
        self.cards = cards
        self.per_day = per_day

    def status_changed(self, change: StatusChange) -> None:
        """Reply in the card's thread and DM the reporters and supporters (once per change)."""
        store = self.services.store
        try:
            idea = store.idea(change.team_id, change.idea_id)
        except NotFound:
            return
        rows = [
            r
            for r in store.status_changes(change.idea_id)
            if r["old"] == change.old.value and r["new"] == change.new.value
        ]
        # The history row identifies this change, so being told twice notifies once.
        key = f"status:{change.idea_id}:{rows[-1]['id'] if rows else change.new.value}"
        if not self.state.claim(key, now=self.services.clock()):
            return
        if idea.card_channel and idea.card_ts:
            try:
                self.client.chat_postMessage(
                    channel=idea.card_channel,
                    thread_ts=idea.card_ts,
                    **status_thread_reply(idea, change.old, change.new, change.source),
                )
            except SlackApiError as e:
                log.warning("status reply for idea #%s failed: %s", idea.id, e.response["error"])
        link = self.cards.permalink(idea)
        for user, why in self.recipients(change, idea).items():
            self._dm(change, idea, link=link, user=user, why=why)

    def recipients(self, change: StatusChange, idea: Idea) -> dict[str, str]:
        """Return who hears about the change and why: reporters and supporters, minus the actor
        and the people who turned DMs off."""
        store = self.services.store
        people: dict[str, str] = {}
        for pain in store.pain_points(change.team_id, ids=idea.pain_point_ids):
            people.setdefault(pain.reporter, Why.REPORTED)
        for user in store.supporters(idea.id):
            people[user] = Why.SUPPORTED
        return {
            user: why
            for user, why in people.items()
            if user != change.by and _USER_ID.match(user) and store.wants_dms(change.team_id, user)
        }

    def _dm(
        self, change: StatusChange, idea: Idea, *, link: str | None, user: str, why: str
    ) -> None:
        if self.per_day <= 0:
            return
        now = self.services.clock()
        if not self.state.claim_dm(
            change.team_id, user, change.idea_id, now=now, per_day=self.per_day
        ):
            return
        try:
            # Posting to a user id lands in the app's DM with them (the Messages tab),
            # which needs chat:write only, not im:write.
            self.client.chat_postMessage(
                channel=user,
                **status_dm(idea, change.old, change.new, why=why, link=link),
            )
        except SlackApiError as e:
            log.warning("status DM to %s failed: %s", user, e.response["error"])
