"""Block Kit limits: the errors Slack answers for messages and views that break them.

Messages follow https://docs.slack.dev/reference/block-kit/blocks and views
https://docs.slack.dev/reference/views; each problem reads as Slack writes it:
``[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["validate_message_blocks", "validate_view"]

_MAX_MESSAGE_BLOCKS = 50
_MAX_VIEW_BLOCKS = 100


_BLOCK_TYPES = frozenset(
    {
        "actions",
        "call",
        "context",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
_SELECT_PLACEHOLDER_TYPES = frozenset(
    {
        "channels_select",
        "conversations_select",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "external_select",
        "multi_channels_select",
        "multi_conversations_select",
        "multi_external_select",
        "multi_users_select",
        "number_input",
        "timepicker",
        "url_text_input",
        "users_select",
    }
)


class _Checker:
    """Collects Slack-style ``[ERROR] ... [json-pointer:...]`` messages for a payload."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def error(self, message: str, path: str) -> None:
        self.messages.append(f"[ERROR] {message} [json-pointer:{path}]")

    def max_len(self, value: Any, limit: int, path: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.error(f"must be less than {limit + 1} characters", path)

    def max_items(self, value: Any, limit: int, path: str) -> None:
        if isinstance(value, list) and len(value) > limit:
            self.error(f"no more than {limit} items allowed", path)

    def text(
        self,
        parent: Mapping[str, Any],
        key: str,
        path: str,
        limit: int,
        *,
        plain_only: bool = False,
        required: bool = False,
    ) -> None:
        """Check the text object ``parent[key]``, if present (or if required)."""
        obj = parent.get(key)
        if obj is None:
            if required:
                self.error(f"missing required field: {key}", path)
            return
        self.text_object(obj, f"{path}/{key}", limit, plain_only=plain_only)

    def text_object(self, obj: Any, path: str, limit: int, *, plain_only: bool = False) -> None:
        """Check a text object's type and the length of its text."""
        if not isinstance(obj, dict):
            self.error("must be an object", path)
            return
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if obj.get("type") not in allowed:
            self.error(f"must be one of [{', '.join(allowed)}]", f"{path}/type")
        value = obj.get("text")
        if not isinstance(value, str):
            self.error("missing required field: text", path)
        elif not value:
            self.error("must be more than 0 characters", f"{path}/text")
        else:
            self.max_len(value, limit, f"{path}/text")

    def blocks(self, blocks: Any, path: str, limit: int) -> None:
        """Check a list of blocks: count, unique block_ids, then each block."""
        if not isinstance(blocks, list):
            self.error("must be an array", path)
            return
        self.max_items(blocks, limit, path)
        seen: set[str] = set()
        for i, block in enumerate(blocks):
            where = f"{path}/{i}"
            if not isinstance(block, dict):
                self.error("must be an object", where)
                continue
            block_id = block.get("block_id")
            if isinstance(block_id, str):
                if block_id in seen:
                    self.error(f"duplicate block_id: {block_id}", f"{where}/block_id")
                seen.add(block_id)
            self.block(block, where)

    def block(self, block: Mapping[str, Any], path: str) -> None:
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            self.error(f"unsupported block type: {kind}", f"{path}/type")
            return
        self.max_len(block.get("block_id"), 255, f"{path}/block_id")
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.error("missing required field: text", path)
            self.text(block, "text", path, 3000)
            fields = block.get("fields")
            if fields is not None:
                self.max_items(fields, 10, f"{path}/fields")
                for i, item in enumerate(fields if isinstance(fields, list) else []):
                    self.text_object(item, f"{path}/fields/{i}", 2000)
            if isinstance(block.get("accessory"), dict):
                self.element(block["accessory"], f"{path}/accessory")
        elif kind == "header":
            self.text(block, "text", path, 150, plain_only=True, required=True)
        elif kind == "context":
            elements = self.elements(block, path, 10)
            for i, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") in ("plain_text", "mrkdwn"):
                    self.text_object(element, f"{path}/elements/{i}", 3000)
        elif kind == "actions":
            elements = self.elements(block, path, 25)
            action_ids: set[str] = set()
            for i, element in enumerate(elements):
                if not isinstance(element, dict):
                    continue
                action_id = element.get("action_id")
                if isinstance(action_id, str):
                    if action_id in action_ids:
                        self.error(
                            f"duplicate action_id: {action_id}",
                            f"{path}/elements/{i}/action_id",
                        )
                    action_ids.add(action_id)
                self.element(element, f"{path}/elements/{i}")
        elif kind == "input":
            self.text(block, "label", path, 2000, plain_only=True, required=True)
            self.text(block, "hint", path, 2000, plain_only=True)
            if not isinstance(block.get("element"), dict):
                self.error("missing required field: element", path)
            else:
                self.element(block["element"], f"{path}/element")
        elif kind == "image":
            self.max_len(block.get("image_url"), 3000, f"{path}/image_url")
            self.max_len(block.get("alt_text"), 2000, f"{path}/alt_text")
            self.text(block, "title", path, 2000, plain_only=True)
        elif kind == "markdown":
            self.max_len(block.get("text"), 12000, f"{path}/text")

    def elements(self, block: Mapping[str, Any], path: str, limit: int) -> list[Any]:
        """Return a context or actions block's elements, checking there are some and at
        most `limit` of them (none to check when they are missing)."""
        elements = block.get("elements")
        if not isinstance(elements, list):
            self.error("missing required field: elements", path)
            return []
        self.max_items(elements, limit, f"{path}/elements")
        return elements

    def element(self, element: Mapping[str, Any], path: str) -> None:
        kind = element.get("type")
        self.max_len(element.get("action_id"), 255, f"{path}/action_id")
        if isinstance(element.get("confirm"), dict):
            self.confirm(element["confirm"], f"{path}/confirm")
        if kind == "button":
            self.text(element, "text", path, 75, plain_only=True, required=True)
            self.max_len(element.get("value"), 2000, f"{path}/value")
            self.max_len(element.get("url"), 3000, f"{path}/url")
            self.max_len(element.get("accessibility_label"), 75, f"{path}/accessibility_label")
        elif kind in ("static_select", "multi_static_select"):
            self.text(element, "placeholder", path, 150, plain_only=True)
            if "options" not in element and "option_groups" not in element:
                self.error("missing required field: options", path)
            self.options(element.get("options"), f"{path}/options", 100)
            groups = element.get("option_groups")
            self.max_items(groups, 100, f"{path}/option_groups")
            for i, group in enumerate(groups if isinstance(groups, list) else []):
                if isinstance(group, dict):
                    where = f"{path}/option_groups/{i}"
                    self.text(group, "label", where, 75, plain_only=True, required=True)
                    self.options(group.get("options"), f"{where}/options", 100)
        elif kind == "overflow":
            self.options(element.get("options"), f"{path}/options", 5)
        elif kind in ("checkboxes", "radio_buttons"):
            self.options(element.get("options"), f"{path}/options", 10)
        elif kind == "plain_text_input":
            self.text(element, "placeholder", path, 150, plain_only=True)
            self.max_len(element.get("initial_value"), 3000, f"{path}/initial_value")
            max_length = element.get("max_length")
            if isinstance(max_length, int) and max_length > 3000:
                self.error("must be less than or equal to 3000", f"{path}/max_length")
        elif kind in _SELECT_PLACEHOLDER_TYPES:
            self.text(element, "placeholder", path, 150, plain_only=True)

    def options(self, options: Any, path: str, limit: int) -> None:
        if options is None:
            return
        if not isinstance(options, list):
            self.error("must be an array", path)
            return
        self.max_items(options, limit, path)
        for i, option in enumerate(options):
            if not isinstance(option, dict):
                continue
            where = f"{path}/{i}"
            self.text(option, "text", where, 75, required=True)
            self.max_len(option.get("value"), 150, f"{where}/value")
            self.text(option, "description", where, 75)

    def confirm(self, confirm: Mapping[str, Any], path: str) -> None:
        self.text(confirm, "title", path, 100, plain_only=True, required=True)
        self.text(confirm, "text", path, 300, required=True)
        self.text(confirm, "confirm", path, 30, plain_only=True, required=True)
        self.text(confirm, "deny", path, 30, plain_only=True, required=True)


def validate_message_blocks(blocks: Any) -> list[str]:
    """Return Slack's ``response_metadata.messages`` for message blocks; empty when valid."""
    checker = _Checker()
    checker.blocks(blocks, "/blocks", _MAX_MESSAGE_BLOCKS)
    return checker.messages


def validate_view(view: Any, *, expect: str | None = None) -> list[str]:
    """Return Slack's ``response_metadata.messages`` for a modal or home view; empty when valid."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.error("must be an object", "/view")
        return checker.messages
    kind = view.get("type")
    allowed = (expect,) if expect else ("modal", "home")
    if kind not in allowed:
        checker.error(f"must be one of [{', '.join(allowed)}]", "/view/type")
        return checker.messages
    if kind == "modal":
        checker.text(view, "title", "/view", 24, plain_only=True, required=True)
        checker.text(view, "submit", "/view", 24, plain_only=True)
        checker.text(view, "close", "/view", 24, plain_only=True)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and "submit" not in view:
            checker.error("must provide a submit property when using input blocks", "/view")
    checker.max_len(view.get("private_metadata"), 3000, "/view/private_metadata")
    checker.max_len(view.get("callback_id"), 255, "/view/callback_id")
    checker.max_len(view.get("external_id"), 255, "/view/external_id")
    if "blocks" not in view:
        checker.error("missing required field: blocks", "/view")
    else:
        checker.blocks(view["blocks"], "/view/blocks", _MAX_VIEW_BLOCKS)
    return checker.messages
