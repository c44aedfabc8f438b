"""`/pain [text]`: log a pain point at once, or open the modal when there is no text."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from prioritize.config import InvalidInput
from prioritize.models import MAX_TEXT

from ..blocks.kit import esc, unmarkup
from ..blocks.notices import notice
from ..blocks.pain import pain_confirmation, pain_modal
from ..deps import Deps
from ..ids import Command

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

    def log_it(team_id: str, user: str, text: str, respond: Respond) -> None:
        try:
            logged = deps.services.log_pain_point(team_id, user, text)
        except InvalidInput as e:
            respond(
                response_type="ephemeral", **notice(f":warning: {esc(str(e))}. Nothing was stored.")
            )
            return
        respond(
            response_type="ephemeral",
            **pain_confirmation(logged.pain, logged.similar, deps.journey),
        )

    @app.command(Command.PAIN)
    def pain_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        text = unmarkup(command.get("text") or "").strip()
        if not text:
            ack()
            deps.runtime.later(
                deps.open_view,
                command["trigger_id"],
                pain_modal(deps.journey, metadata={"channel": command.get("channel_id")}),
            )
            return
        # Checked before the ack so the person learns at once and nothing is queued.
        if len(text) > MAX_TEXT:
            ack(response_type="ephemeral", text=too_long(len(text)))
            return
        ack()
        deps.runtime.later(log_it, command["team_id"], command["user_id"], text, respond)
