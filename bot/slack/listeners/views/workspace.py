"""Submission of a workspace settings modal: checked, then stored whole, or not at all."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from prioritize.errors import InvalidInput, NotAllowed, NotSaved

from ....workspace_settings import Workspace
from ...blocks.workspace import KINDS
from ...deps import Deps
from ...forms import metadata, not_saved, read_state
from ...ids import Block, View

__all__ = ["register"]

_FIRST = {
    "admins": Block.ADMINS,
    "journey": Block.STAGES,
    "scoring": Block.WEIGHT_IMPACT,
    "digest": Block.CRON,
    "notion": Block.NOTION_TOKEN,
}
"""Where an error goes when it names no field of the modal."""


def _lines(value: Any) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def register(app: App, deps: Deps) -> None:
    """Register the settings modal submission."""

    @app.view(View.WORKSPACE_SETTINGS)
    def settings_submitted(ack: Ack, context: BoltContext, view: dict[str, Any]) -> None:
        kind = str(metadata(view).get("kind", ""))
        if kind not in KINDS:
            ack()  # not a modal journeybot opened: nothing to save
            return
        values = read_state(view)
        team_id, user = context.team_id, context.user_id
        settings = deps.services.workspace
        try:
            # Stored before the ack: the person sees the error on its field, or knows
            # the change is saved when the modal closes.
            _save(settings, kind, team_id, user, view, values)
        except InvalidInput as e:
            block = e.field if any(b == e.field for b in Block) else _FIRST[kind]
            if kind == "scoring" and e.field in ("weights", "capacity"):
                block = Block.WEIGHT_IMPACT if e.field == "weights" else Block.CAPACITY_NOW
            ack(response_action="errors", errors={block: e.message})
            return
        except NotAllowed as e:
            ack(response_action="errors", errors={_FIRST[kind]: str(e)})
            return
        except NotSaved as e:
            ack(response_action="errors", errors={_FIRST[kind]: not_saved(e)})
            return
        ack()


def _save(
    settings: Any, kind: str, team_id: str, user: str, view: dict[str, Any], values: dict[str, Any]
) -> Workspace:
    if kind == "admins":
        state = view.get("state", {}).get("values", {}).get(Block.ADMINS, {})
        chosen = next(iter(state.values()), {}).get("selected_users") or []
        return settings.set_admins(team_id, chosen, by=user)
    if kind == "journey":
        return settings.set_journey(
            team_id,
            stages=_lines(values.get(Block.STAGES)),
            teams=_lines(values.get(Block.TEAMS)),
            touchpoints=_lines(values.get(Block.TOUCHPOINTS)),
            personas=_lines(values.get(Block.PERSONAS)),
            by=user,
        )
    if kind == "scoring":
        return settings.set_scoring(
            team_id,
            weights={b.split(".")[1]: values.get(b) or "" for b in _WEIGHTS},
            capacity={b.split(".")[1]: values.get(b) or "" for b in _CAPACITY},
            by=user,
        )
    if kind == "digest":
        return settings.set_digest(
            team_id,
            cron=str(values.get(Block.CRON) or ""),
            timezone=str(values.get(Block.TIMEZONE) or ""),
            by=user,
        )
    return settings.connect_notion(
        team_id,
        token=str(values.get(Block.NOTION_TOKEN) or ""),
        parent_page_id=str(values.get(Block.NOTION_PAGE) or ""),
        by=user,
    )


_WEIGHTS = (Block.WEIGHT_IMPACT, Block.WEIGHT_REACH, Block.WEIGHT_EASE, Block.WEIGHT_SPEED)
_CAPACITY = (Block.CAPACITY_NOW, Block.CAPACITY_NEXT)
