"""A readable Markdown transcript of what the bot said in Slack (for the demo)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["block_paragraphs", "blocks_text", "markdown", "transcript"]

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
    return [line for block in block_paragraphs(blocks) for line in block]


def block_paragraphs(blocks: Sequence[Mapping[str, Any]] | None) -> list[list[str]]:
    """Return the lines of each block separately (a card reads as separate blocks)."""
    out: list[list[str]] = []
    for block in blocks or ():
        lines: list[str] = []
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
        lines = [line for line in lines if line]
        if lines:
            out.append(lines)
    return out


_ANGLE = re.compile(r"<([^<>]+)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+?)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~([^~\n]+?)~(?![\w~])")


def markdown(text: str, name_of: Callable[[str], str]) -> str:
    """Return Slack mrkdwn as Markdown: mentions as names, links as Markdown links.

    `<@U1>` becomes the person's name, `<#C1>` the channel's, `<url|label>` a Markdown
    link; Slack's *bold* and ~strike~ become Markdown's, and its escapes are undone.
    """

    def angle(match: re.Match[str]) -> str:
        inside = match.group(1)
        target, _, label = inside.partition("|")
        if target.startswith("@"):
            return f"@{label}" if label else name_of(target[1:])
        if target.startswith("#"):
            return f"#{label}" if label else name_of(target[1:])
        if target.startswith("!"):
            return f"@{label or target[1:].split('^')[0]}"
        if label:
            return f"[{label}]({target})"
        return f"<{target}>"

    text = _ANGLE.sub(angle, text)
    text = _BOLD.sub(r"**\1**", text)
    text = _STRIKE.sub(r"~~\1~~", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def transcript(
    calls: Iterable[Any],
    *,
    name_of: Callable[[str], str],
    title: str = "What journeybot said in Slack",
) -> str:
    """Return Markdown for every message-sending Web API call, in the order they were made.

    `calls` are the emulator's recorded calls (`method`, `params`, `error`), and its
    posts to response_urls (method `response_url`): the private answers to slash commands
    and buttons, labelled as private. `name_of` turns a channel or user id into something
    readable.
    """
    out = [f"# {title}", ""]

    def quote(blocks: Any, text: str) -> None:
        paragraphs = block_paragraphs(blocks) or [[text]]
        for index, paragraph in enumerate(paragraphs):
            if index:
                out.append(">")
            for line in paragraph:
                out.extend(f"> {part}" for part in markdown(line, name_of).splitlines())
        out.append("")

    for call in calls:
        p = call.params
        if call.method == "response_url":
            if p.get("delete_original"):
                continue
            user, channel = name_of(p.get("user") or ""), name_of(p.get("channel") or "")
            if p.get("response_type") == "in_channel":
                heading = f"## answered in {channel}"
            elif p.get("replace_original"):
                heading = f"## updated the private answer to {user} in {channel} (only they see it)"
            else:
                heading = f"## answered {user} privately in {channel} (only they see it)"
            out += [heading, ""]
            quote(p.get("blocks"), p.get("text", ""))
            continue
        verb = _SAID.get(call.method)
        if verb is None or getattr(call, "error", None):
            continue
        if call.method == "reactions.add":
            out.append(f"- :{p.get('name')}: on a message in {name_of(p.get('channel', ''))}")
            out.append("")
            continue
        if call.method.startswith("views."):
            view = p.get("view") or {}
            heading = _text(view.get("title")) or "Home"
            who = f" {name_of(p['user_id'])}" if p.get("user_id") else ""
            out.append(f"- {verb}{who}: *{heading}*")
            out.append("")
            continue
        if call.method == "files.completeUploadExternal":
            files = p.get("files") or []
            names = ", ".join(f.get("title") or f.get("id", "") for f in files)
            out += [f"## uploaded {names} to {name_of(p.get('channel_id', ''))}", ""]
            if p.get("initial_comment"):
                out += [markdown(p["initial_comment"], name_of), ""]
            continue
        where = name_of(p.get("channel", ""))
        if call.method == "chat.postEphemeral":
            where = f"{name_of(p.get('user', ''))} in {where} (only they see it)"
        elif where.startswith("@"):
            where = f"a direct message to {where}"
        thread = " (in a thread)" if p.get("thread_ts") else ""
        out += [f"## {verb} {where}{thread}", ""]
        quote(p.get("blocks"), p.get("text", ""))
    return "\n".join(out) + "\n"
