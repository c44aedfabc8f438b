"""Votes written in the thread of an idea card: `+1`, `i4 c2 t3w`, `impact: high`, `effort L`.

Only replies in threads of our own cards are read; everything else is dropped unread.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.config import InvalidInput
from prioritize.parsing import parse_vote

from ....services import NotAllowed, NotFound, NotSaved
from ...blocks.kit import esc, unmarkup
from ...blocks.notices import notice
from ...deps import Deps
from ...forms import reason
from ...ids import Event

__all__ = ["register"]

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

    def refused(team_id: str, user: str, channel: str, thread_ts: str, why: str) -> None:
        deps.tell(
            user,
            notice(f":warning: Your vote was not counted: {esc(why)}"),
            channel=channel,
            thread_ts=thread_ts,
        )

    @app.event(Event.MESSAGE)
    def thread_reply(ack: Ack, context: BoltContext, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        if not _is_reply(event):
            ack()
            return
        channel, ts, user = event["channel"], event["ts"], event["user"]
        idea = deps.services.idea_by_card(context.team_id, channel, event["thread_ts"])
        parsed = (
            parse_vote(
                unmarkup(event.get("text") or ""),
                tshirt=deps.journey_of(context.team_id).scoring.tshirt_weeks,
            )
            if idea is not None
            else None
        )
        if idea is None or parsed is None:
            ack()
            return  # not a vote: people talk in these threads too
        # Stored before the answer to Slack, so an acknowledged vote is never lost; the
        # check mark that says "counted" is recorded with it. One message is one vote:
        # redeliveries (same event_id, X-Slack-Retry-Num) carry the same channel and ts.
        once, receipt = f"reply:{channel}:{ts}", (channel, ts)
        try:
            if parsed.support:
                deps.services.support(context.team_id, idea.id, user, once=once, receipt=receipt)
            else:
                deps.services.record_estimate(
                    context.team_id,
                    idea.id,
                    user,
                    impact=parsed.impact,
                    complexity=parsed.complexity,
                    weeks=parsed.weeks,
                    once=once,
                    receipt=receipt,
                )
        except (NotAllowed, InvalidInput, NotFound, NotSaved) as e:
            ack()
            why = reason(e)
            deps.runtime.later(refused, context.team_id, user, channel, event["thread_ts"], why)
            return
        ack()
