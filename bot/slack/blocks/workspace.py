"""The workspace settings on an admin's App Home, and the modals that change them."""

from __future__ import annotations

import json
from typing import Any

from ...workspace_settings import Workspace
from ..ids import Action, Block, View
from .kit import LIMITS, Blocks, esc, input_block, plain, section, select

__all__ = ["KINDS", "settings_blocks", "settings_modal"]

KINDS: dict[str, str] = {
    "admins": "Admins",
    "journey": "Journey map",
    "scoring": "Scoring weights and capacity",
    "digest": "Digest schedule",
    "notion": "Notion connection",
}
"""Each settings modal, by the value the App Home menu sends."""

TITLES = {
    "admins": "Admins",
    "journey": "Journey map",
    "scoring": "Weights and capacity",
    "digest": "Digest schedule",
    "notion": "Notion",
}


def settings_blocks(ws: Workspace) -> Blocks:
    """Return the summary of the workspace's settings, with the menu that changes them."""
    j = ws.journey
    own = " (set here)"
    notion = (
        f"{ws.notion.masked}, page `{esc(ws.notion.parent_page_id)}`"
        + (own if ws.notion.own else " (from the environment)")
        if ws.notion is not None
        else "not connected"
    )
    lines = [
        "*Workspace settings*",
        f"Admins: {', '.join(f'<@{a}>' for a in sorted(ws.admins)) or 'workspace admins'}"
        + (own if "admins" in ws.own else ""),
        f"Journey stages: {esc(', '.join(j.stages))}" + (own if "journey" in ws.own else ""),
        f"Weights: impact {j.scoring.weights.impact:g}, reach {j.scoring.weights.reach:g},"
        f" ease {j.scoring.weights.ease:g}, speed {j.scoring.weights.speed:g};"
        f" capacity {j.scoring.capacity.now:g}/{j.scoring.capacity.next:g} team-weeks"
        + (own if "weights" in ws.own else ""),
        f"Digest: `{esc(ws.digest.cron)}` ({esc(ws.digest.timezone)})"
        + (own if "digest" in ws.own else ""),
        f"Notion: {notion}",
    ]
    menu = select(
        Action.HOME_WORKSPACE,
        [(label, kind) for kind, label in KINDS.items()],
        placeholder="Change a setting",
    )
    return [section("\n".join(lines), accessory=menu)]


def _text(
    block_id: str,
    label: str,
    value: str,
    *,
    hint: str | None = None,
    multiline: bool = False,
    optional: bool = False,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": block_id}
    if value:
        element["initial_value"] = value[: LIMITS.SECTION]
    if multiline:
        element["multiline"] = True
    return input_block(block_id, label, element, hint=hint, optional=optional)


def settings_modal(kind: str, ws: Workspace) -> dict[str, Any]:
    """Return the modal that changes one kind of setting, filled with today's values."""
    j = ws.journey
    if kind == "admins":
        users: dict[str, Any] = {"type": "multi_users_select", "action_id": Block.ADMINS}
        if ws.admins:
            users["initial_users"] = sorted(ws.admins)
        blocks = [
            input_block(
                Block.ADMINS,
                "journeybot admins of this workspace",
                users,
                hint="Workspace admins and owners are journeybot admins too.",
            )
        ]
    elif kind == "journey":
        blocks = [
            _text(b, label, "\n".join(values), multiline=True, hint=hint, optional=optional)
            for b, label, values, hint, optional in (
                (
                    Block.STAGES,
                    "Journey stages",
                    j.stages,
                    "One per line, in journey order.",
                    False,
                ),
                (Block.TEAMS, "Teams", j.teams, "One per line.", False),
                (Block.TOUCHPOINTS, "Touchpoints", j.touchpoints, "One per line.", True),
                (Block.PERSONAS, "Personas", j.personas, "One per line.", True),
            )
        ]
    elif kind == "scoring":
        w, c = j.scoring.weights, j.scoring.capacity
        blocks = [
            _text(Block.WEIGHT_IMPACT, "Weight of impact", f"{w.impact:g}"),
            _text(Block.WEIGHT_REACH, "Weight of reach", f"{w.reach:g}"),
            _text(Block.WEIGHT_EASE, "Weight of ease", f"{w.ease:g}"),
            _text(Block.WEIGHT_SPEED, "Weight of speed", f"{w.speed:g}"),
            _text(Block.CAPACITY_NOW, "Team-weeks in Now", f"{c.now:g}"),
            _text(Block.CAPACITY_NEXT, "Team-weeks in Next", f"{c.next:g}"),
        ]
    elif kind == "digest":
        blocks = [
            _text(
                Block.CRON,
                "When the weekly digest is posted",
                ws.digest.cron,
                hint="minute hour day month day-of-week, like 0 9 * * mon",
            ),
            _text(Block.TIMEZONE, "Time zone", ws.digest.timezone, hint="like Europe/Paris"),
        ]
    elif kind == "notion":
        now = (
            f"Now: {ws.notion.masked}" + ("" if ws.notion.own else " (from the environment)")
            if ws.notion is not None
            else "Not connected."
        )
        blocks = [
            section(esc(now)),
            _text(
                Block.NOTION_TOKEN,
                "Integration secret",
                "",
                hint="From notion.so/profile/integrations; stored encrypted, shown masked.",
            ),
            _text(
                Block.NOTION_PAGE,
                "Parent page",
                ws.notion.parent_page_id if ws.notion is not None and ws.notion.own else "",
                hint="The link of a page shared with the integration.",
            ),
        ]
    else:
        raise ValueError(f"unknown settings kind {kind!r}")
    return {
        "type": "modal",
        "callback_id": View.WORKSPACE_SETTINGS,
        "title": plain(TITLES[kind], LIMITS.MODAL_TITLE),
        "submit": plain("Save", LIMITS.MODAL_BUTTON),
        "close": plain("Cancel", LIMITS.MODAL_BUTTON),
        "private_metadata": json.dumps({"kind": kind}),
        "blocks": blocks,
    }
