"""One-click buttons: a row of buttons that each apply one value to the record they carry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext, Respond

from ...forms import button_id

__all__ = ["OnClick", "one_click"]

V = TypeVar("V", bound=Enum)

OnClick = Callable[[Ack, BoltContext, Respond, int, V], None]
"""What a click does: given ack, the context, respond, the record's id and the value."""


def one_click(
    app: App, buttons: Mapping[V, tuple[str, str]], on_click: OnClick[V], *, prefix: str
) -> None:
    """Register a listener for each of `buttons` (value: (action id, label)).

    A button that carries no record id is acked and ignored; otherwise `on_click` acks.
    Each listener is named `<prefix>_<value name>`, for Bolt's logs.
    """

    def listener_for(value: V) -> Any:
        def listener(
            ack: Ack, context: BoltContext, action: dict[str, Any], respond: Respond
        ) -> None:
            record_id = button_id(action)
            if record_id is None:
                ack()
                return
            on_click(ack, context, respond, record_id, value)

        listener.__name__ = f"{prefix}_{value.name.lower()}"
        return listener

    for value, (action_id, _) in buttons.items():
        app.action(action_id)(listener_for(value))
