"""Render Notion content (as the API returns it) into one readable HTML page.

Used by the demo to show what leaders would see in Notion: the summary page's blocks, and
the Roadmap database as a Now / Next / Later board plus a table (with the Outcome of Done
ideas). Pure: JSON in, HTML out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["plain_text", "property_text", "render_page"]

Block = Mapping[str, Any]
Children = Callable[[str], Sequence[Block]]

_STYLE = """
body { font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", sans-serif;
       color: #37352f; max-width: 1200px; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #eee; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: 13px; }
th, td { border: 1px solid #e9e9e7; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f7f6f3; }
blockquote { border-left: 3px solid #37352f; margin: .5rem 0; padding-left: .8rem; }
.callout { background: #f1f1ef; padding: .6rem .9rem; border-radius: 4px; margin: .5rem 0; }
.board { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1rem; }
.column { background: #f7f6f3; border-radius: 6px; padding: .6rem; }
.card { background: white; border-radius: 4px; box-shadow: 0 1px 2px #0002;
        padding: .5rem .7rem; margin: .5rem 0; }
.card .score { float: right; font-weight: 600; }
.tag { display: inline-block; background: #e3e2e0; border-radius: 3px; padding: 0 5px;
       margin: 1px; font-size: 12px; }
.muted { color: #787774; font-size: 12px; }
"""


def plain_text(rich: Sequence[Mapping[str, Any]] | None) -> str:
    """Return the plain text of a rich text array."""
    return "".join(
        part.get("plain_text") or part.get("text", {}).get("content", "") for part in rich or ()
    )


def _rich_html(rich: Sequence[Mapping[str, Any]] | None) -> str:
    html = []
    for part in rich or ():
        text = escape(part.get("plain_text") or part.get("text", {}).get("content", ""))
        notes = part.get("annotations") or {}
        if notes.get("bold"):
            text = f"<b>{text}</b>"
        if notes.get("italic"):
            text = f"<i>{text}</i>"
        if notes.get("code"):
            text = f"<code>{text}</code>"
        link = part.get("href") or (part.get("text") or {}).get("link", {}) or {}
        url = link if isinstance(link, str) else link.get("url")
        if url and url.startswith(("http://", "https://")):
            text = f'<a href="{escape(url)}">{text}</a>'
        html.append(text)
    return "".join(html)


def property_text(prop: Mapping[str, Any] | None) -> str:
    """Return a page property value as text, whatever its type."""
    if not prop:
        return ""
    kind = prop.get("type", "")
    value = prop.get(kind)
    if kind in ("title", "rich_text"):
        return plain_text(value)
    if kind in ("select", "status"):
        return (value or {}).get("name", "")
    if kind == "multi_select":
        return ", ".join(option["name"] for option in value or ())
    if kind == "number":
        return "" if value is None else f"{value:g}"
    if kind == "checkbox":
        return "yes" if value else ""
    if kind == "url":
        return value or ""
    if kind == "relation":
        return f"{len(value or ())} linked"
    if kind == "date":
        return (value or {}).get("start", "")
    return ""


def _blocks_html(blocks: Sequence[Block], children: Children) -> str:
    html: list[str] = []
    open_list: str | None = None
    for block in blocks:
        kind = block.get("type", "")
        list_tag = {"bulleted_list_item": "ul", "numbered_list_item": "ol"}.get(kind)
        if list_tag != open_list:
            if open_list:
                html.append(f"</{open_list}>")
            if list_tag:
                html.append(f"<{list_tag}>")
            open_list = list_tag
        body = block.get(kind) or {}
        text = _rich_html(body.get("rich_text"))
        inner = (
            _blocks_html(children(block["id"]), children)
            if block.get("has_children") and kind not in ("table",)
            else ""
        )
        if kind in ("heading_1", "heading_2", "heading_3"):
            level = int(kind[-1]) + 1  # the page title is the h1
            html.append(f"<h{level}>{text}</h{level}>")
        elif kind == "paragraph":
            html.append(f"<p>{text}</p>{inner}")
        elif list_tag:
            html.append(f"<li>{text}{inner}</li>")
        elif kind == "quote":
            html.append(f"<blockquote>{text}{inner}</blockquote>")
        elif kind == "callout":
            icon = escape((body.get("icon") or {}).get("emoji", ""))
            html.append(f'<div class="callout">{icon} {text}{inner}</div>')
        elif kind == "divider":
            html.append("<hr>")
        elif kind == "toggle":
            html.append(f"<details open><summary>{text}</summary>{inner}</details>")
        elif kind == "table":
            rows = children(block["id"])
            header = body.get("has_column_header", False)
            cells_html = []
            for i, row in enumerate(rows):
                tag = "th" if header and i == 0 else "td"
                cells = "".join(
                    f"<{tag}>{_rich_html(cell)}</{tag}>" for cell in row["table_row"]["cells"]
                )
                cells_html.append(f"<tr>{cells}</tr>")
            html.append(f"<table>{''.join(cells_html)}</table>")
        elif kind in ("column_list", "column"):
            html.append(inner)
        elif kind == "child_database":
            html.append(f'<p class="muted">Database: {escape(body.get("title", ""))}</p>')
        elif text:
            html.append(f"<p>{text}</p>")
    if open_list:
        html.append(f"</{open_list}>")
    return "\n".join(html)


def _board(pages: Sequence[Mapping[str, Any]]) -> str:
    columns = {"Now": [], "Next": [], "Later": []}
    for page in pages:
        props = page.get("properties", {})
        bucket = property_text(props.get("Bucket"))
        if bucket in columns:
            columns[bucket].append(page)
    html = ['<div class="board">']
    for bucket, cards in columns.items():
        cards.sort(key=lambda p: -float(property_text(p["properties"].get("Score")) or 0))
        html.append(
            f'<div class="column"><h3>{bucket} <span class="muted">{len(cards)}</span></h3>'
        )
        for page in cards:
            props = page["properties"]
            tags = "".join(
                f'<span class="tag">{escape(t)}</span>'
                for t in (
                    property_text(props.get("Status")),
                    property_text(props.get("Quadrant")),
                    property_text(props.get("Outcome")),
                )
                if t
            )
            html.append(
                '<div class="card">'
                f'<span class="score">{escape(property_text(props.get("Score")))}</span>'
                f"{escape(property_text(props.get('Name')))}<br>{tags}"
                f'<div class="muted">{escape(property_text(props.get("Teams")))}</div></div>'
            )
        html.append("</div>")
    html.append("</div>")
    return "\n".join(html)


def _table(pages: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    rows = []
    for page in pages:
        props = page.get("properties", {})
        cells = "".join(f"<td>{escape(property_text(props.get(c)))}</td>" for c in columns)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def render_page(
    *,
    title: str,
    summary_blocks: Sequence[Block],
    children: Children,
    roadmap_pages: Sequence[Mapping[str, Any]],
    columns: Sequence[str] = (
        "Name",
        "Score",
        "Bucket",
        "Status",
        "Quadrant",
        "Impact",
        "Complexity",
        "Time to deliver (weeks)",
        "Supporters",
        "Teams",
        "Outcome",
        "Outcome figures",
    ),
) -> str:
    """Return a standalone HTML page: the summary page, then the board and the table."""
    ranked = sorted(
        roadmap_pages,
        key=lambda p: -float(property_text(p.get("properties", {}).get("Score")) or 0),
    )
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{escape(title)}</h1>",
            _blocks_html(summary_blocks, children),
            "<h2>Roadmap board</h2>",
            _board(ranked),
            "<h2>Roadmap table</h2>",
            _table(ranked, columns),
            "</body></html>",
        ]
    )
