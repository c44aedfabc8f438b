"""A readable Markdown transcript of what the bot said in Slack (for the demo)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["blocks_text", "transcript"]

_SAID = {
    "chat.postMessage": "posted",
    "chat.postEphemeral": "showed only to",
    "chat.update": "updated",
    "views.open": "opened a form",
    "views.publish": "refreshed the Home tab of",
    "reactions.add": "reacted",
    "files.completeUploadExternal": "uploaded a file to",
}


def _text(obj: Mapping[str, Any] | None) -> str:
    return (obj or {}).get("text", "") or ""


def blocks_text(blocks: Sequence[Mapping[str, Any]] | None) -> list[str]:
    """Return the lines a person would read in these Block Kit blocks."""
    lines: list[str] = []
    for block in blocks or ():
        kind = block.get("type")
        if kind == "header":
            lines.append(f"**{_text(block.get('text'))}**")
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block["text"]))
            lines.extend(_text(f) for f in block.get("fields", ()))
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                lines.append(f"[{_text(accessory.get('text'))}]")
        elif kind == "context":
            lines.append(" · ".join(_text(e) for e in block.get("elements", ()) if e.get("text")))
        elif kind == "actions":
            buttons = [
                f"[{_text(e.get('text'))}]" for e in block.get("elements", ()) if e.get("text")
            ]
            if buttons:
                lines.append(" ".join(buttons))
        elif kind == "input":
            lines.append(f"{_text(block.get('label'))}: ____")
        elif kind == "divider":
            lines.append("---")
        elif kind == "image":
            lines.append(f"(image: {block.get('alt_text', '')})")
    return [line for line in lines if line]


def transcript(
    calls: Iterable[Any],
    *,
    name_of: Callable[[str], str],
    title: str = "What journeybot said in Slack",
) -> str:
    """Return Markdown for every message-sending Web API call, in the order they were made.

    `calls` are the emulator's recorded calls (`method`, `params`, `error`); `name_of`
    turns a channel or user id into something readable.
    """
    out = [f"# {title}", ""]
    for call in calls:
        verb = _SAID.get(call.method)
        if verb is None or getattr(call, "error", None):
            continue
        p = call.params
        if call.method == "reactions.add":
            out.append(f"- :{p.get('name')}: on a message in {name_of(p.get('channel', ''))}")
            continue
        if call.method.startswith("views."):
            view = p.get("view") or {}
            heading = _text(view.get("title")) or "Home"
            who = f" {name_of(p['user_id'])}" if p.get("user_id") else ""
            out.append(f"- {verb}{who}: *{heading}*")
            continue
        if call.method == "files.completeUploadExternal":
            files = p.get("files") or []
            names = ", ".join(f.get("title") or f.get("id", "") for f in files)
            out += [f"## uploaded {names} to {name_of(p.get('channel_id', ''))}", ""]
            if p.get("initial_comment"):
                out += [p["initial_comment"], ""]
            continue
        where = name_of(p.get("channel", ""))
        if call.method == "chat.postEphemeral":
            where = f"{name_of(p.get('user', ''))} in {where}"
        thread = " (in a thread)" if p.get("thread_ts") else ""
        out += [f"## {verb} {where}{thread}", ""]
        body = blocks_text(p.get("blocks")) or [p.get("text", "")]
        out += [*(f"> {line}" for text in body for line in text.splitlines()), ""]
    return "\n".join(out) + "\n"
