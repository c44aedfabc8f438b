"""Reading what people entered in modals, and putting validation errors on the right field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack

from prioritize.errors import InvalidInput, NotAllowed, NotFound, NotSaved
from prioritize.parsing import parse_id

from .ids import Block

__all__ = [
    "PICK_PAIN_POINTS",
    "REFUSALS",
    "button_id",
    "error_block",
    "form_id",
    "form_item",
    "metadata",
    "not_saved",
    "picked_ids",
    "read_state",
    "reason",
    "refusal",
]

PICK_PAIN_POINTS = "Pick pain points from the list."
REFUSALS = (InvalidInput, NotAllowed, NotFound, NotSaved)
"""What a use case raises when a submission is refused; `refusal` says it on a field."""


def read_state(view: Mapping[str, Any]) -> dict[str, Any]:
    """Return {block_id: value} from a submitted view's state.

    A text input gives its string (or None), a select its option value, a multi-select the
    list of values. Each of our input blocks holds exactly one element.
    """
    values: dict[str, Any] = {}
    for block_id, elements in (view.get("state") or {}).get("values", {}).items():
        for element in elements.values():
            values[block_id] = _value(element)
    return values


def _value(element: Mapping[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("multi_static_select", "multi_external_select"):
        return [o["value"] for o in element.get("selected_options") or []]
    if kind in ("static_select", "external_select", "radio_buttons"):
        chosen = element.get("selected_option")
        return chosen["value"] if chosen else None
    value = element.get("value")
    return (value.strip() or None) if isinstance(value, str) else value


def metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    """Return the JSON we put in a view's private_metadata ({} when empty or not ours)."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


_FIELD_BLOCKS = {b.value: b.value for b in Block}
_FIELD_BLOCKS.update({"pain_points": Block.PAIN_POINTS, "team": Block.OWNING_TEAM})


def error_block(error: InvalidInput, blocks: Mapping[str, Any], *, default: str) -> str:
    """Return the block_id a validation error belongs on, among the view's input `blocks`.

    The error names a field (`stage`, `link`, ...); when it names none we know ("input"),
    the first field its message mentions wins, else `default`.
    """
    field = error.field.split(".")[-1]
    block = _FIELD_BLOCKS.get(field)
    if block in blocks:
        return block
    message = error.message.casefold()
    for block_id in blocks:
        if block_id.replace("_", " ") in message:
            return block_id
    return default


def not_saved(error: Exception) -> str:
    """Return what a person is told when their change could not be stored."""
    return f"Not saved: {error}. Nothing was changed; please try again in a moment."


def refusal(error: Exception, values: Mapping[str, Any], *, default: str) -> dict[str, str]:
    """Return the inline errors of a refused submission: on the field `error` names, else
    on `default` (the form's first field)."""
    if isinstance(error, InvalidInput):
        return {error_block(error, values, default=default): error.message}
    return {default: reason(error)}


def reason(error: Exception) -> str:
    """Return what a person is told about a refused change: why it was not saved, or the
    use case's own message (who may, what is missing)."""
    return not_saved(error) if isinstance(error, NotSaved) else str(error)


def button_id(action: Mapping[str, Any]) -> int | None:
    """Return the record id a button carries as its value; None if it carries none."""
    return parse_id(str(action.get("value") or ""))


def form_id(view: Mapping[str, Any], key: str) -> int | None:
    """Return the id journeybot put in the form's metadata under `key`; None if it is not one."""
    return parse_id(str(metadata(view).get(key, "")))


def form_item(ack: Ack, view: Mapping[str, Any], key: str, *, block: str, what: str) -> int | None:
    """Return the id of the item an edit form is for (`form_id`); if there is none, refuse the
    submission with "This form is not for `what`." on `block` and return None."""
    item_id = form_id(view, key)
    if item_id is None:
        ack(response_action="errors", errors={block: f"This form is not for {what}."})
    return item_id


def picked_ids(values: Mapping[str, Any], block: str) -> list[int] | None:
    """Return the ids picked in the multi-select `block`; None if one is not an id.

    Slack sends back only the options journeybot offered, so anything else is a crafted
    request and is refused, never coerced.
    """
    ids = [parse_id(str(v)) for v in values.get(block) or []]
    return None if None in ids else [i for i in ids if i is not None]
