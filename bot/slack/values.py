"""Button values journeybot never sends: refused with 400 before any listener runs.

A button's value comes back exactly as journeybot built it (an idea id, "7:12" for
"+1 #7 instead of #12"). A value of another shape was crafted: it is refused, never
coerced, and nothing is stored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse

from .ids import Action

__all__ = ["SHAPES", "refuse_impossible_values"]

log = logging.getLogger(__name__)

_ID = re.compile(r"\d{1,18}")
SHAPES: dict[str, re.Pattern[str]] = {
    Action.IDEA_SUPPORT: _ID,
    Action.IDEA_ESTIMATE: _ID,
    Action.IDEA_WHY: _ID,
    Action.PAIN_DETAILS: _ID,
    Action.PAIN_PLUS_ONE: _ID,
    Action.HOME_REPOST: _ID,
    Action.PAIN_ME_TOO: re.compile(r"\d{1,18}:\d{1,18}"),
    Action.HOME_NOTIFY: re.compile(r"on|off"),
}
"""The only shape each button's value can have, as journeybot's builders write it."""


def refuse_impossible_values(
    req: BoltRequest, context: BoltContext, next: Callable[[], Any]
) -> Any:
    """Bolt middleware: answer 400 to a button whose value journeybot never built."""
    body = req.body if isinstance(req.body, dict) else {}
    if body.get("type") != "block_actions":
        return next()
    for action in body.get("actions") or []:
        if not isinstance(action, dict):
            return BoltResponse(status=400, body="invalid action")
        shape = SHAPES.get(str(action.get("action_id")))
        if shape is None or action.get("type") != "button":
            continue
        value = action.get("value")
        if not isinstance(value, str) or not shape.fullmatch(value):
            log.warning(
                "refused a %s button with a value journeybot never sends", action["action_id"]
            )
            return BoltResponse(status=400, body=f"invalid value for {action['action_id']}")
    return next()
