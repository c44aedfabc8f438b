"""`/pain [text]`: log a pain point at once, or open the modal when there is no text."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from prioritize.config import InvalidInput
from prioritize.models import MAX_TEXT

from ....services import LoggedPain, NotSaved
from ...blocks.kit import esc, unmarkup
from ...blocks.pain import pain_confirmation, pain_modal
from ...deps import Deps
from ...forms import not_saved
from ...ids import Command
from .pain_find import answer_find

__all__ = ["register", "too_long"]


def too_long(length: int) -> str:
    """Return the answer to a pain point over the length limit."""
    return (
        f":warning: That is {length:,} characters; a pain point holds at most {MAX_TEXT:,}. "
        "Nothing was stored. Keep the problem itself short and put the long part (a "
        "transcript, a thread) in a link: `/pain` with no text opens a form with an "
        "evidence link field."
    )


def register(app: App, deps: Deps) -> None:
    """Register /pain."""

    def confirm(logged: LoggedPain, respond: Respond) -> None:
        respond(
            response_type="ephemeral",
            **pain_confirmation(logged.pain, logged.similar, deps.journey_of(logged.pain.team_id)),
        )

    @app.command(Command.PAIN)
    def pain_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        text = unmarkup(command.get("text") or "").strip()
        if not text:
            ack()
            deps.runtime.later(
                deps.open_view,
                command["trigger_id"],
                pain_modal(
                    deps.journey_of(command["team_id"]),
                    metadata={"channel": command.get("channel_id")},
                ),
            )
            return
        if answer_find(deps, ack, command, text, respond):
            return
        # Checked before the ack so the person learns at once and nothing is queued.
        if len(text) > MAX_TEXT:
            ack(response_type="ephemeral", text=too_long(len(text)))
            return
        # Stored before the ack (one small transaction, within a bounded wait), so the
        # person is never told "logged" about something that was not. The same request
        # sent twice (a replay) carries the same trigger_id and stores one pain point.
        try:
            logged = deps.services.log_pain_point(
                command["team_id"],
                command["user_id"],
                text,
                once=f"trigger:{command.get('trigger_id') or ''}"
                if command.get("trigger_id")
                else None,
            )
        except InvalidInput as e:
            ack(response_type="ephemeral", text=f":warning: {esc(str(e))}. Nothing was stored.")
            return
        except NotSaved as e:
            ack(response_type="ephemeral", text=f":warning: {esc(not_saved(e))}")
            return
        ack()
        deps.runtime.later(confirm, logged, respond)
