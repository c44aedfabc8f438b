"""`/pain list [filters]` and `/pain search WORDS [filters]`: find pain points again, privately."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, Respond

from prioritize.errors import InvalidInput

from ...blocks.everyday import found_message
from ...blocks.kit import esc
from ...deps import Deps

__all__ = ["answer_find", "find_request"]

_LIST = re.compile(
    r"^list(?:\s+((?:mine|\w+:\S+|\w+:\"[^\"]*\")(?:\s+.*)?))?$", re.IGNORECASE | re.DOTALL
)
_SEARCH = re.compile(r"^search(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)


def find_request(text: str) -> tuple[bool, str] | None:
    """Return (is_search, query) when `text` asks to list or search, else None.

    `list` followed by anything but filters is a pain point that starts with "list".
    """
    if match := _SEARCH.match(text):
        return True, (match.group(1) or "").strip()
    if match := _LIST.match(text):
        return False, (match.group(1) or "").strip()
    return None


def answer_find(deps: Deps, ack: Ack, command: dict[str, Any], text: str, respond: Respond) -> bool:
    """Answer `/pain list` or `/pain search` privately; False when `text` is neither."""
    request = find_request(text)
    if request is None:
        return False
    search, query = request
    try:
        found = deps.services.editing.find(
            command["team_id"], command["user_id"], query, search=search
        )
    except InvalidInput as e:
        ack(response_type="ephemeral", text=f":warning: {esc(e.message)}. Nothing was searched.")
        return True
    ack()
    deps.runtime.later(respond, response_type="ephemeral", **found_message(found, search=search))
    return True
