"""Votes written in the thread of an idea card: `+1`, `i4 c2 t3w`, `impact: high`, `effort L`.

Only replies in threads of our own cards are read; everything else is dropped unread.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError

from prioritize.config import InvalidInput
from prioritize.parsing import parse_vote

from ...services import NotAllowed, NotFound, NotSaved
from ..blocks.kit import esc, unmarkup
from ..blocks.notices import notice
from ..deps import Deps
from ..ids import Event

__all__ = ["ACK_REACTION", "register"]

log = logging.getLogger(__name__)

ACK_REACTION = "white_check_mark"
"""The reaction that tells someone their thread vote was counted."""

_REPLY_SUBTYPES = (None, "thread_broadcast")


def _is_reply(event: dict[str, Any]) -> bool:
    thread_ts = event.get("thread_ts")
    return (
        bool(thread_ts)
        and thread_ts != event.get("ts")
        and event.get("subtype") in _REPLY_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


def register(app: App, deps: Deps) -> None:
    """Register the thread reply listener."""

    def vote(team_id: str, event: dict[str, Any]) -> None:
        channel, ts, user = event["channel"], event["ts"], event["user"]
        idea = deps.services.idea_by_card(team_id, channel, event["thread_ts"])
        if idea is None:
            return
        parsed = parse_vote(
            unmarkup(event.get("text") or ""), tshirt=deps.journey.scoring.tshirt_weeks
        )
        if parsed is None:
            return  # not a vote: people talk in these threads too
        # One message is one vote: redeliveries (same event_id, X-Slack-Retry-Num) and any
        # other copy of the event carry the same channel and ts.
        once = f"reply:{channel}:{ts}"
        try:
            if parsed.support:
                counted = deps.services.support(team_id, idea.id, user, once=once)
            else:
                counted = deps.services.record_estimate(
                    team_id,
                    idea.id,
                    user,
                    impact=parsed.impact,
                    complexity=parsed.complexity,
                    weeks=parsed.weeks,
                    once=once,
                )
        except (NotAllowed, InvalidInput, NotFound, NotSaved) as e:
            deps.tell(
                user,
                notice(f":warning: Your vote was not counted: {esc(str(e))}"),
                channel=channel,
                thread_ts=event["thread_ts"],
            )
            return
        if counted.replayed:
            return
        try:
            deps.client.reactions_add(channel=channel, timestamp=ts, name=ACK_REACTION)
        except SlackApiError as e:
            if e.response["error"] != "already_reacted":
                log.warning("could not acknowledge a thread vote: %s", e.response["error"])

    @app.event(Event.MESSAGE)
    def thread_reply(ack: Ack, context: BoltContext, body: dict[str, Any]) -> None:
        ack()
        event = body.get("event") or {}
        if _is_reply(event):
            deps.runtime.later(vote, context.team_id, event)
