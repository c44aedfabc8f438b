"""The idea card's buttons: +1, Estimate, Why this score, and the admin menu."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.parsing import parse_id

from ....services import NotAllowed, NotFound, NotSaved
from ...blocks.idea import admin_modal, estimate_modal, why_modal
from ...blocks.kit import esc
from ...blocks.notices import notice
from ...deps import Deps
from ...forms import reason
from ...ids import Action

__all__ = ["refusal", "register"]


def refusal(admins: list[str]) -> dict[str, Any]:
    """Return the polite answer to someone who may not take admin actions."""
    ask = (
        "Ask " + ", ".join(f"<@{esc(a)}>" for a in admins[:5]) + " or a workspace admin."
        if admins
        else "Ask a workspace admin."
    )
    return notice(
        ":lock: Sorry, only journeybot admins and workspace admins can change an idea's "
        f"status, pin it to a bucket or merge it. {ask} Your +1 and estimate still count."
    )


def _idea_id(action: dict[str, Any]) -> int | None:
    raw = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
    tail = raw.rpartition(":")[2]
    return parse_id(tail)


def _where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """Return (channel, thread_ts) of the card a button was pressed on, if it was a message."""
    channel = (body.get("channel") or {}).get("id")
    message = body.get("message") or {}
    return channel, message.get("thread_ts")


def register(app: App, deps: Deps) -> None:
    """Register the idea card's actions."""

    @app.action(Action.IDEA_SUPPORT)
    def idea_support(
        ack: Ack, context: BoltContext, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        idea_id = _idea_id(action)
        if idea_id is None:
            ack()
            return
        # Stored before the answer to Slack; the card redraw (coalesced) is the
        # confirmation, and a second click changes nothing.
        try:
            deps.services.support(context.team_id, idea_id, context.user_id)
        except (NotFound, NotSaved) as e:
            channel, _ = _where(body)
            said = reason(e)
            deps.runtime.later(
                deps.tell, context.user_id, notice(f":warning: {esc(said)}"), channel=channel
            )
        ack()

    def opens(name: str, modal: Callable[[str, str, int], dict[str, Any] | None]) -> Any:
        """A listener that acks, then opens the modal `modal` builds (None: nothing to open)."""

        def open_modal(context: BoltContext, body: dict[str, Any], _: Any, idea_id: int) -> None:
            team_id, user, trigger_id = context.team_id, context.user_id, body["trigger_id"]

            def later() -> None:
                view = modal(team_id, user, idea_id)
                if view is not None:
                    deps.open_view(trigger_id, view)

            deps.runtime.later(later)

        return _acked_with_idea(name, open_modal)

    def estimate(team_id: str, user: str, idea_id: int) -> dict[str, Any] | None:
        try:
            idea, previous = deps.services.estimate_of(team_id, idea_id, user)
        except NotFound:
            return None
        return estimate_modal(idea, previous)

    def why(team_id: str, user: str, idea_id: int) -> dict[str, Any] | None:
        try:
            entry, estimates = deps.services.why(team_id, idea_id)
        except NotFound:
            return None
        return why_modal(entry.idea, entry.score, entry.breakdown, estimates, entry.item.bucket)

    app.action(Action.IDEA_ESTIMATE)(opens("idea_estimate", estimate))
    app.action(Action.IDEA_WHY)(opens("idea_why", why))

    def open_admin(
        team_id: str, user: str, idea_id: int, focus: str, trigger_id: str, channel: str | None
    ) -> None:
        try:
            idea = deps.services.manageable(team_id, idea_id, user)
        except NotAllowed:
            deps.tell(user, refusal(deps.admins.named()), channel=channel)
            return
        except NotFound as e:
            deps.tell(user, notice(esc(str(e))), channel=channel)
            return
        deps.open_view(trigger_id, admin_modal(idea, focus=focus))

    def idea_admin(
        context: BoltContext, body: dict[str, Any], action: dict[str, Any], idea_id: int
    ) -> None:
        raw = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
        channel, _ = _where(body)
        deps.runtime.later(
            open_admin,
            context.team_id,
            context.user_id,
            idea_id,
            raw.partition(":")[0],
            body["trigger_id"],
            channel,
        )

    app.action(Action.IDEA_ADMIN)(_acked_with_idea("idea_admin", idea_admin))


def _acked_with_idea(
    name: str, handle: Callable[[BoltContext, dict[str, Any], dict[str, Any], int], None]
) -> Any:
    """A listener named `name` that acks at once, then, if the button carries an idea id,
    calls `handle(context, body, action, idea_id)`."""

    def listener(
        ack: Ack, context: BoltContext, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        ack()
        idea_id = _idea_id(action)
        if idea_id is not None:
            handle(context, body, action, idea_id)

    listener.__name__ = name
    return listener
