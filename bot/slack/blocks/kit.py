"""Block Kit primitives: escaping, truncation and Slack's limits, in one place.

Every builder goes through these, so no user text reaches Slack unescaped and nothing is
longer than Slack accepts. Reference: https://docs.slack.dev/reference/block-kit
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "ELLIPSIS",
    "LIMITS",
    "Blocks",
    "actions",
    "button",
    "cap_blocks",
    "clip",
    "context",
    "divider",
    "esc",
    "header",
    "input_block",
    "mrkdwn",
    "option",
    "options",
    "plain",
    "section",
    "select",
    "unmarkup",
]

Blocks = list[dict[str, Any]]

ELLIPSIS = "…"


class LIMITS:
    """Slack's documented maximums (characters unless said otherwise)."""

    MESSAGE_BLOCKS = 50
    VIEW_BLOCKS = 100
    MESSAGE_TEXT = 3000
    """We keep the fallback `text` to a section's length, well under Slack's 40,000."""
    SECTION = 3000
    FIELD = 2000
    FIELDS = 10
    HEADER = 150
    CONTEXT_ELEMENTS = 10
    BUTTON = 75
    BUTTON_VALUE = 2000
    ACTION_ELEMENTS = 25
    MODAL_TITLE = 24
    MODAL_BUTTON = 24
    OPTIONS = 100
    OPTION_TEXT = 75
    OPTION_VALUE = 150
    PLACEHOLDER = 150
    LABEL = 2000
    INPUT_VALUE = 3000


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")


def esc(text: str) -> str:
    """Return user text safe for mrkdwn and message `text`: `&`, `<`, `>` escaped.

    Slack parses `<!channel>`, `<@U123>` and links only in mrkdwn, so this is what stops a
    typed `<!channel>` from pinging anyone. plain_text objects are shown as typed and need
    no escaping.
    """
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def clip(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters, ending in an ellipsis if cut.

    An escape entity cut in half (`&am`) is dropped rather than shown broken.
    """
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ELLIPSIS))]
    cut = _PARTIAL_ENTITY.sub("", cut)
    return cut.rstrip() + ELLIPSIS


_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def unmarkup(text: str) -> str:
    """Return Slack message markup as the plain text a person typed.

    `<@U1>` becomes `@U1`, `<#C1|general>` `#general`, `<!here>` `@here`, a labelled link
    its label and URL, and `&lt;` `&gt;` `&amp;` the characters themselves.
    """

    def plain_link(m: re.Match[str]) -> str:
        target, label = m[1], m[2]
        if target.startswith(("@", "#")):
            return target[0] + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        if label and label != target:
            return f"{label} ({target})"
        return target

    return html.unescape(_LINK.sub(plain_link, text)) if "&" in text or "<" in text else text


def plain(text: str, limit: int = LIMITS.SECTION, *, emoji: bool = True) -> dict[str, Any]:
    """Return a plain_text object, clipped to `limit` and never empty."""
    return {"type": "plain_text", "text": clip(text or " ", limit), "emoji": emoji}


def mrkdwn(text: str, limit: int = LIMITS.SECTION) -> dict[str, Any]:
    """Return a mrkdwn object; `text` must already have its user parts escaped with `esc`."""
    return {"type": "mrkdwn", "text": clip(text or " ", limit)}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, LIMITS.HEADER)}


def section(
    text: str | None,
    *,
    block_id: str | None = None,
    accessory: dict[str, Any] | None = None,
    fields: Sequence[str] = (),
) -> dict[str, Any]:
    """Return a mrkdwn section (text already escaped), with optional fields and accessory."""
    block: dict[str, Any] = {"type": "section"}
    if text is not None or not fields:
        block["text"] = mrkdwn(text or " ")
    if fields:
        block["fields"] = [mrkdwn(f, LIMITS.FIELD) for f in fields[: LIMITS.FIELDS]]
    if accessory is not None:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def context(*parts: str) -> dict[str, Any]:
    """Return a context block of mrkdwn parts (already escaped)."""
    return {
        "type": "context",
        "elements": [mrkdwn(p) for p in parts[: LIMITS.CONTEXT_ELEMENTS]],
    }


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def button(
    label: str,
    action_id: str,
    value: str = "",
    *,
    style: str | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """Return a button with its label clipped to 75 characters."""
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(label, LIMITS.BUTTON),
        "action_id": action_id,
    }
    if value:
        element["value"] = value[: LIMITS.BUTTON_VALUE]
    if style:
        element["style"] = style
    if url:
        element["url"] = url
    return element


def actions(elements: Iterable[dict[str, Any]], *, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "actions",
        "elements": list(elements)[: LIMITS.ACTION_ELEMENTS],
    }
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str, *, description: str | None = None) -> dict[str, Any]:
    """Return a select option; the text is clipped to 75 and the value to 150 characters."""
    opt: dict[str, Any] = {
        "text": plain(text, LIMITS.OPTION_TEXT),
        "value": value[: LIMITS.OPTION_VALUE],
    }
    if description:
        opt["description"] = plain(description, LIMITS.OPTION_TEXT)
    return opt


def options(pairs: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """Return at most 100 options from (text, value) pairs."""
    out = []
    for text, value in pairs:
        if len(out) == LIMITS.OPTIONS:
            break
        out.append(option(text, value))
    return out


def select(
    action_id: str,
    choices: Sequence[tuple[str, str]],
    *,
    placeholder: str,
    initial: str | None = None,
) -> dict[str, Any]:
    """Return a static_select over `choices` (text, value), preselecting `initial`."""
    opts = options(choices)
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, LIMITS.PLACEHOLDER),
        "options": opts,
    }
    chosen = next((o for o in opts if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> dict[str, Any]:
    """Return an input block; validation errors come back keyed by `block_id`."""
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LIMITS.LABEL),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, LIMITS.LABEL)
    if dispatch:
        block["dispatch_action"] = True
    return block


def cap_blocks(blocks: Blocks, limit: int, *, what: str = "more") -> Blocks:
    """Return `blocks` cut to `limit`, the last one saying how many were left out."""
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    return [*kept, context(f"…and {len(blocks) - len(kept)} {what} not shown")]
