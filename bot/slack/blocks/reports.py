"""Read-only reports: the /roadmap top 10 and the /journey heat table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prioritize.heat import HEAT_COLUMNS, STAGE_COLUMN, Heat, heat_legend, weakest_sentence
from prioritize.scoring import RoadmapEntry

from ..ids import Action
from .kit import LIMITS, Blocks, actions, button, clip, context, divider, esc, header, section

__all__ = ["heat_message", "roadmap_line", "roadmap_message"]

TOP = 10


def roadmap_line(entry: RoadmapEntry) -> str:
    """Return one ranked idea as mrkdwn: rank, title, score, bucket, quadrant, status."""
    s = entry.score
    bucket = entry.item.bucket.value if entry.item.bucket else "off the roadmap"
    needs = " (needs estimates)" if s.needs_estimates else ""
    quadrant = f" · {s.quadrant.value}" if s.quadrant else ""
    return (
        f"*{entry.item.rank}.* #{entry.idea.id} *{esc(clip(entry.idea.title, 200))}*\n"
        f"{s.value:g}{needs} · {bucket}{quadrant} · {entry.idea.status.value} · "
        f"{s.facts.supporters} :+1:"
    )


def roadmap_message(
    entries: Sequence[RoadmapEntry],
    *,
    weakest: str | None,
    notion_url: str | None,
    total: int | None = None,
) -> dict[str, Any]:
    """Return the ephemeral /roadmap answer: top 10, weakest stage, link to Notion.

    `entries` may be the whole roadmap or just its top; `total` then says how many ideas
    are on the roadmap in all.
    """
    active = [e for e in entries if e.idea.status.is_active]
    count = len(active) if total is None else max(total, len(active))
    shown = min(TOP, len(active))
    # The header counts what is listed under it (not a fixed "top 10").
    title = (
        f"Roadmap: top {shown} of {count} ideas"
        if count > TOP
        else (f"Roadmap: {count} idea{'s' * (count != 1)}")
    )
    blocks: Blocks = [header(title)]
    if not active:
        blocks.append(section("No ideas on the roadmap yet. Propose one with `/idea`."))
    for entry in active[:TOP]:
        blocks.append(section(roadmap_line(entry)))
    if count > TOP:
        blocks.append(context(f"{count - TOP} more ideas are ranked below these."))
    blocks.append(divider())
    if weakest:
        blocks.append(
            section(
                f":fire: Weakest journey stage: *{esc(weakest)}* "
                "(the most severe pain that no idea addresses yet)"
            )
        )
    if notion_url:
        blocks.append(
            actions([button("Open the roadmap in Notion", Action.OPEN_LINK, url=notion_url)])
        )
    text = f"Roadmap: top {shown} of {count} ideas"
    return {"text": text, "blocks": blocks[: LIMITS.MESSAGE_BLOCKS]}


def heat_message(h: Heat) -> dict[str, Any]:
    """Return the ephemeral /journey answer: the stage heat table in a code block.

    The columns are `HEAT_COLUMNS`, under their short headings (a code block is narrow).
    """
    width = min(24, max((len(r.stage) for r in h.stages), default=5))
    peak = max((r.severity_load for r in h.stages), default=0) or 1
    widths = [max(len(c.short), 4) for c in HEAT_COLUMNS]
    heads = "  ".join(f"{c.short:>{w}}" for c, w in zip(HEAT_COLUMNS, widths, strict=True))
    lines = [f"{STAGE_COLUMN:<{width}}  {heads}"]
    for r in h.stages:
        bar = "█" * round(8 * r.severity_load / peak)
        mark = " ← weakest" if r.stage == h.weakest else ""
        cells = "  ".join(f"{c.value(r):>{w}}" for c, w in zip(HEAT_COLUMNS, widths, strict=True))
        lines.append(f"{clip(r.stage, width):<{width}}  {cells} {bar}{mark}")
    table = lines[0]
    for line in lines[1:]:
        # Keep whole rows: a clipped code block would lose its closing fence.
        if len(esc(f"{table}\n{line}")) > LIMITS.SECTION - 20:
            table += "\n…"
            break
        table += "\n" + line
    blocks: Blocks = [
        header("Journey heat"),
        section(f"```{esc(table)}```"),
        section(esc(weakest_sentence(h))),
        context(esc(heat_legend(short=True))),
    ]
    return {"text": "Journey heat", "blocks": blocks}
