"""Submission of the idea modal: store the idea (and the proposer's estimate), post its card."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.parsing import parse_weeks

from ....services import NotAllowed
from ...deps import Deps
from ...forms import (
    PICK_PAIN_POINTS,
    REFUSALS,
    metadata,
    picked_ids,
    read_state,
    refusal,
)
from ...ids import Block, View

__all__ = ["estimate_values", "read_estimate", "register"]


def estimate_values(
    values: dict[str, Any], tshirt: dict[str, float]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (impact, complexity, weeks) from a modal's state, and errors keyed by block."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {"impact": None, "complexity": None, "weeks": None}
    for block in (Block.IMPACT, Block.COMPLEXITY):
        raw = values.get(block)
        if raw is None:
            continue
        if not (isinstance(raw, str) and raw in ("1", "2", "3", "4", "5")):
            errors[block] = "Choose a value from 1 to 5."
            continue
        out[block.value] = int(raw)
    raw_weeks = values.get(Block.WEEKS)
    if raw_weeks and not isinstance(raw_weeks, str):
        errors[Block.WEEKS] = "Write a duration like 3w, 10d or 2 months."
    elif raw_weeks:
        weeks = parse_weeks(raw_weeks, tshirt=tshirt)
        if weeks is None:
            sizes = "/".join(tshirt) or "S/M/L"
            errors[Block.WEEKS] = f"Write a duration like 3w, 10d or 2 months, or a size ({sizes})."
        out["weeks"] = weeks
    return out, errors


def read_estimate(
    deps: Deps, team_id: str, view: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Return a submitted modal's state, the estimate in it (`estimate_values`, with the
    workspace's t-shirt sizes) and the errors keyed by block."""
    values = read_state(view)
    estimate, errors = estimate_values(values, deps.journey_of(team_id).scoring.tshirt_weeks)
    return values, estimate, errors


def not_allowed_block(error: NotAllowed) -> str:
    """Return the estimate field a NotAllowed refusal is about (it names the criterion)."""
    message = str(error)
    for block in (Block.IMPACT, Block.COMPLEXITY, Block.WEEKS):
        if message.startswith(block.value):
            return block
    return Block.IMPACT


def estimate_refusal(error: Exception, values: dict[str, Any], *, default: str) -> dict[str, str]:
    """Like `refusal`, but a rater refused for a criterion sees it on that criterion."""
    if isinstance(error, NotAllowed):
        return {not_allowed_block(error): str(error)}
    return refusal(error, values, default=default)


def register(app: App, deps: Deps) -> None:
    """Register the idea modal submission."""

    @app.view(View.IDEA)
    def idea_submitted(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        values, estimate, errors = read_estimate(deps, context.team_id, view)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        # Stored before the ack so that problems show inline on their field (see views/pain).
        pain_ids = picked_ids(values, Block.PAIN_POINTS)
        if pain_ids is None:
            ack(response_action="errors", errors={Block.PAIN_POINTS: PICK_PAIN_POINTS})
            return
        # The card is posted from the outbox, after the ack; a second submission of the same
        # modal stores nothing twice.
        try:
            deps.services.propose_idea(
                context.team_id,
                context.user_id,
                values.get(Block.TITLE) or "",
                description=values.get(Block.DESCRIPTION) or "",
                owning_team=values.get(Block.OWNING_TEAM),
                pain_point_ids=pain_ids,
                channel=metadata(view).get("channel"),
                once=f"view:{view['id']}",
                **estimate,
            )
        except REFUSALS as e:
            ack(response_action="errors", errors=estimate_refusal(e, values, default=Block.TITLE))
            return
        ack()
