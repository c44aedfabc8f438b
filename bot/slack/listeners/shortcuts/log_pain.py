"""Message shortcut "Log as pain point": the pain modal prefilled with the message."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from prioritize.models import EvidenceSource

from ...blocks.kit import unmarkup
from ...blocks.pain import pain_modal
from ...deps import Deps
from ...ids import Shortcut

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    """Register the "Log as pain point" message shortcut."""

    def open_modal(team_id: str, trigger_id: str, channel: str, message: dict[str, Any]) -> None:
        link = None
        try:
            # The quote already lives in Slack: its permalink is the evidence.
            link = deps.client.chat_getPermalink(channel=channel, message_ts=message["ts"])[
                "permalink"
            ]
        except SlackApiError as e:
            log.info("no permalink for the shortcut's message: %s", e.response["error"])
        view = pain_modal(
            deps.journey_of(team_id),
            text=unmarkup(message.get("text") or ""),
            link=link,
            source=EvidenceSource.CUSTOMER_SAID,
            metadata={"channel": channel},
        )
        deps.open_view(trigger_id, view)

    @app.shortcut(Shortcut.LOG_PAIN)
    def log_pain_shortcut(ack: Ack, shortcut: dict[str, Any]) -> None:
        ack()
        deps.runtime.later(
            open_modal,
            shortcut["team"]["id"],
            shortcut["trigger_id"],
            shortcut["channel"]["id"],
            shortcut["message"],
        )
