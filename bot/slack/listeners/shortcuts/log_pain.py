"""Message shortcut "Log as pain point": the pain modal prefilled with the message, its
author's name and its permalink (Slack is asked after the ack, never before it)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from prioritize.models import EvidenceSource

from ....people import display_name
from ...blocks.kit import unmarkup
from ...blocks.pain import pain_modal
from ...deps import Deps
from ...ids import Shortcut

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    """Register the "Log as pain point" message shortcut."""

    def author(message: dict[str, Any], reporter: str) -> str:
        """Return the name of whoever wrote the quoted message ("" if Slack will not say).

        Nothing when the reporter quotes themselves: the pain point names its reporter.
        """
        user = message.get("user")
        if not user or user == reporter:
            return ""
        try:
            return display_name(deps.client.users_info(user=user)["user"])
        except SlackApiError as e:
            log.info("no name for the shortcut's author: %s", e.response["error"])
            return ""

    def open_modal(
        team_id: str, trigger_id: str, channel: str, message: dict[str, Any], reporter: str
    ) -> None:
        link = None
        try:
            # The quote already lives in Slack: its permalink is the evidence.
            link = deps.client.chat_getPermalink(channel=channel, message_ts=message["ts"])[
                "permalink"
            ]
        except SlackApiError as e:
            log.info("no permalink for the shortcut's message: %s", e.response["error"])
        text = unmarkup(message.get("text") or "")
        said_by = author(message, reporter)
        if said_by and text:
            # Who said it matters as much as where: kept in the pain point's own words.
            text = f"{text}\n— {said_by}"
        view = pain_modal(
            deps.journey_of(team_id),
            text=text,
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
            shortcut["user"]["id"],
        )
