"""Submission of the idea modal: store the idea (and the proposer's estimate), post its card."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError

from prioritize.config import InvalidInput
from prioritize.models import Idea
from prioritize.parsing import parse_weeks

from ...services import NotAllowed
from ..blocks.kit import esc
from ..blocks.notices import notice
from ..deps import Deps
from ..forms import error_block, metadata, read_state
from ..ids import Block, View

__all__ = ["estimate_values", "register"]

log = logging.getLogger(__name__)


def estimate_values(
    values: dict[str, Any], tshirt: dict[str, float]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (impact, complexity, weeks) from a modal's state, and errors keyed by block."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {"impact": None, "complexity": None, "weeks": None}
    for block in (Block.IMPACT, Block.COMPLEXITY):
        raw = values.get(block)
        if raw:
            out[block.value] = int(raw)
    raw_weeks = values.get(Block.WEEKS)
    if raw_weeks:
        weeks = parse_weeks(raw_weeks, tshirt=tshirt)
        if weeks is None:
            sizes = "/".join(tshirt) or "S/M/L"
            errors[Block.WEEKS] = f"Write a duration like 3w, 10d or 2 months, or a size ({sizes})."
        out["weeks"] = weeks
    return out, errors


def not_allowed_block(error: NotAllowed) -> str:
    """Return the estimate field a NotAllowed refusal is about (it names the criterion)."""
    message = str(error)
    for block in (Block.IMPACT, Block.COMPLEXITY, Block.WEEKS):
        if message.startswith(block.value):
            return block
    return Block.IMPACT


def register(app: App, deps: Deps) -> None:
    """Register the idea modal submission."""

    def post_card(idea: Idea, user: str, channel: str | None) -> None:
        try:
            posted = deps.cards.post(idea)
        except SlackApiError as e:
            where = deps.config.slack.roadmap_channel
            log.warning("could not post the card of idea #%s: %s", idea.id, e.response["error"])
            deps.tell(
                user,
                notice(
                    f"I stored idea *#{idea.id}* but could not post its card in <#{where}> "
                    f"(`{esc(str(e.response['error']))}`). Invite me there with "
                    "`/invite @journeybot` and ask an admin to repost it."
                ),
                channel=channel,
            )
            return
        if channel and channel != posted.card_channel:
            link = deps.cards.permalink(posted)
            card = f"<{esc(link)}|its card>" if link else "its card"
            deps.tell(
                user,
                notice(
                    f":bulb: Posted idea *#{idea.id}* in <#{posted.card_channel}>: "
                    f"discuss and vote in {card}'s thread."
                ),
                channel=channel,
            )

    @app.view(View.IDEA)
    def idea_submitted(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        values = read_state(view)
        estimate, errors = estimate_values(values, deps.journey.scoring.tshirt_weeks)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        # Stored before the ack so that problems show inline on their field (see views/pain).
        try:
            with deps.store.transaction():
                if not deps.state.claim(f"view:{view['id']}", now=deps.now()):
                    ack()
                    return
                idea = deps.services.propose_idea(
                    context.team_id,
                    context.user_id,
                    values.get(Block.TITLE) or "",
                    description=values.get(Block.DESCRIPTION) or "",
                    owning_team=values.get(Block.OWNING_TEAM),
                    pain_point_ids=[int(v) for v in values.get(Block.PAIN_POINTS) or []],
                    **estimate,
                )
        except InvalidInput as e:
            ack(
                response_action="errors",
                errors={error_block(e, values, default=Block.TITLE): e.message},
            )
            return
        except NotAllowed as e:
            ack(response_action="errors", errors={not_allowed_block(e): str(e)})
            return
        ack()
        deps.runtime.later(post_card, idea, context.user_id, metadata(view).get("channel"))
