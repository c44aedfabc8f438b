"""Models in, Notion JSON out: page properties, page bodies and the summary page. Pure.

Everything Notion limits is respected here, once: rich text is split into pieces of at
most 2000 characters (counted in UTF-16 units, as Notion counts), a rich text array holds
at most 100 pieces, relations and multi-selects at most 100 items, and select names have
no commas. `fingerprint` hashes a rendered payload so a sync can tell what changed without
asking Notion.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prioritize.heat import HEAT_COLUMNS, STAGE_COLUMN, Heat, heat_legend, weakest_sentence
from prioritize.models import Idea, PainPoint

from ..services import RoadmapEntry
from .schema import IdeaProp, PainProp, option_name

__all__ = [
    "MAX_ARRAY",
    "MAX_TEXT",
    "Rendered",
    "Slot",
    "block_text",
    "fingerprint",
    "idea_page",
    "layout",
    "normalize",
    "pain_page",
    "paragraphs",
    "rich_text",
    "same_blocks",
    "slack_thread_url",
    "split_text",
    "summary_slots",
    "synced_slot",
]

MAX_TEXT = 2000
"""Longest `text.content` of one rich text object."""
MAX_ARRAY = 100
"""Most items in a rich text array, a relation, a multi-select, or one append of blocks."""
_BREAK_WINDOW = 200
"""How far back from the limit to look for a space to split at, so words stay whole."""

Block = dict[str, Any]


def fingerprint(payload: Any) -> str:
    """Return a stable hash of a JSON-ready payload (key order and whitespace do not matter)."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Return `text` cut into pieces of at most `limit` UTF-16 units, joined back losslessly.

    Cuts never fall inside a character (an emoji outside the Basic Multilingual Plane is
    two units) and prefer the last whitespace within reach, so words survive.
    """
    pieces: list[str] = []
    start = 0
    while start < len(text):
        size = 0
        end = start
        while end < len(text) and size + _units(text[end]) <= limit:
            size += _units(text[end])
            end += 1
        if end < len(text):
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            if cut >= start and end - cut <= _BREAK_WINDOW:
                end = cut + 1
        pieces.append(text[start:end])
        start = end
    return pieces


def _text(content: str, link: str | None = None, **annotations: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "text", "text": {"content": content}}
    if link:
        item["text"]["link"] = {"url": link}
    if annotations:
        item["annotations"] = annotations
    return item


def rich_text(text: str, *, link: str | None = None, **annotations: bool) -> list[dict[str, Any]]:
    """Return `text` as a rich text array, split at 2000 characters, at most 100 pieces."""
    return [_text(piece, link, **annotations) for piece in split_text(text)][:MAX_ARRAY]


def _block(kind: str, rich: list[dict[str, Any]], **extra: Any) -> Block:
    return {"object": "block", "type": kind, kind: {"rich_text": rich, **extra}}


def paragraphs(text: str, *, kind: str = "paragraph") -> list[Block]:
    """Return text as blocks: one per blank-line paragraph, more if one is too long for one."""
    blocks = []
    for part in text.replace("\r\n", "\n").split("\n\n"):
        part = part.strip("\n")
        if not part:
            continue
        pieces = split_text(part)
        for start in range(0, len(pieces), MAX_ARRAY):
            blocks.append(_block(kind, [_text(p) for p in pieces[start : start + MAX_ARRAY]]))
    return blocks


def _heading(text: str, level: int = 2) -> Block:
    return _block(f"heading_{level}", rich_text(text))


def _select(name: str | None) -> dict[str, Any]:
    return {"select": {"name": option_name(name)} if name else None}


def _multi(names: Iterable[str]) -> dict[str, Any]:
    unique = dict.fromkeys(option_name(n) for n in names if n)
    return {"multi_select": [{"name": n} for n in list(unique)[:MAX_ARRAY]]}


def _number(value: float | None) -> dict[str, Any]:
    return {"number": None if value is None else round(float(value), 2)}


def slack_thread_url(idea: Idea) -> str | None:
    """Return a permalink to the idea's Slack card (its thread), if it has been posted."""
    if not idea.card_channel or not idea.card_ts:
        return None
    return f"https://slack.com/archives/{idea.card_channel}/p{idea.card_ts.replace('.', '')}"


@dataclass(frozen=True, slots=True)
class Rendered:
    """One page as journeybot wants it: its properties and its body."""

    properties: dict[str, Any]
    children: list[Block] = field(default_factory=list)

    @property
    def props_fp(self) -> str:
        return fingerprint(self.properties)

    @property
    def body_fp(self) -> str:
        return fingerprint(self.children)


def idea_page(
    entry: RoadmapEntry,
    pains: Mapping[int, PainPoint],
    *,
    stages: Sequence[str],
    pain_pages: Mapping[int, str],
    names: Mapping[str, str] | None = None,
) -> Rendered:
    """Return the Roadmap page of one idea.

    `pains` holds at least the idea's linked pain points; `pain_pages` maps pain point ids
    to their Notion page ids (links to pain points without a page yet are left out);
    `names` maps Slack user ids to display names (a person not named yet shows their id).
    """
    idea, s = entry.idea, entry.score
    c = s.facts.consensus
    linked = [pains[p] for p in idea.pain_point_ids if p in pains]
    order = {name: i for i, name in enumerate(stages)}
    stage_names = sorted({p.stage for p in linked}, key=lambda n: (order.get(n, len(order)), n))
    teams = [*c.teams, *([idea.owning_team] if idea.owning_team else [])]
    relation = [{"id": pain_pages[p.id]} for p in linked if p.id in pain_pages]
    properties = {
        IdeaProp.NAME: {"title": rich_text(idea.title)},
        IdeaProp.IDEA_ID: {"number": idea.id},
        IdeaProp.RANK: {"number": entry.item.rank},
        IdeaProp.SCORE: _number(s.value),
        IdeaProp.BUCKET: _select(entry.item.bucket.value if entry.item.bucket else None),
        IdeaProp.STATUS: _select(idea.status.value),
        IdeaProp.QUADRANT: _select(s.quadrant.value if s.quadrant else None),
        IdeaProp.IMPACT: _number(c.impact),
        IdeaProp.COMPLEXITY: _number(c.complexity),
        IdeaProp.WEEKS: _number(c.weeks),
        IdeaProp.SUPPORTERS: {"number": s.facts.supporters},
        IdeaProp.ESTIMATES: {"number": c.count},
        IdeaProp.TEAMS: _multi(sorted(teams)),
        IdeaProp.PROPOSER: {"rich_text": rich_text(_name(idea.proposer, names))},
        IdeaProp.STAGES: _multi(stage_names),
        IdeaProp.NEEDS_ESTIMATES: {"checkbox": s.needs_estimates},
        IdeaProp.DISAGREE: {"checkbox": c.disagree},
        IdeaProp.SLACK: {"url": slack_thread_url(idea)},
        IdeaProp.BREAKDOWN: {"rich_text": rich_text(entry.breakdown)},
        IdeaProp.PAIN_POINTS: {"relation": relation[:MAX_ARRAY]},
    }
    return Rendered(properties, _idea_body(idea, linked))


def _idea_body(idea: Idea, linked: list[PainPoint]) -> list[Block]:
    body = paragraphs(idea.description) or [
        _block("paragraph", rich_text("No description yet.", italic=True))
    ]
    body.append(_heading("Pain points it relieves", 3))
    if not linked:
        body.append(_block("paragraph", rich_text("No linked pain points yet.", italic=True)))
    for pain in linked:
        body.append(_block("quote", _quoted(pain)))
    return body


def _quoted(pain: PainPoint) -> list[dict[str, Any]]:
    source = pain.source.value if pain.source else None
    where = " · ".join(
        part
        for part in (pain.stage, pain.touchpoint, f"severity {pain.severity}/5", source)
        if part
    )
    rich = rich_text(f"“{pain.text}”")
    rich.append(_text(f"\n#{pain.id} · {where}", italic=True))
    if pain.link:
        rich += [_text(" · "), _text("evidence", pain.link)]
    return rich[:MAX_ARRAY]


def _short(text: str, limit: int = 100) -> str:
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line.rfind(" ", 0, limit - 1)
    return line[: cut if cut > limit // 2 else limit - 1].rstrip() + "…"


def _name(user: str, names: Mapping[str, str] | None) -> str:
    return (names or {}).get(user) or user


def pain_page(
    pain: PainPoint, *, me_too: int = 0, names: Mapping[str, str] | None = None
) -> Rendered:
    """Return the Pain points page of one pain point (its related ideas are kept by Notion).

    `names` maps Slack user ids to display names (a person not named yet shows their id).
    """
    properties = {
        PainProp.NAME: {"title": rich_text(_short(pain.text))},
        PainProp.PAIN_ID: {"number": pain.id},
        PainProp.TEXT: {"rich_text": rich_text(pain.text)},
        PainProp.STAGE: _select(pain.stage),
        PainProp.TOUCHPOINT: _select(pain.touchpoint),
        PainProp.PERSONA: _select(pain.persona),
        PainProp.SEVERITY: {"number": pain.severity},
        PainProp.SOURCE: _select(pain.source.value if pain.source else None),
        PainProp.EVIDENCE: {"url": pain.link or None},
        PainProp.OWNING_TEAM: _select(pain.owning_team),
        PainProp.REPORTER: {"rich_text": rich_text(_name(pain.reporter, names))},
        PainProp.STATUS: _select(pain.status.value),
        PainProp.ME_TOO: {"number": me_too},
    }
    body = [_block("quote", rich_text(pain.text))]
    if pain.link:
        body.append(_block("paragraph", [_text("Evidence: "), _text(pain.link, pain.link)]))
    return Rendered(properties, body)


# ---------------------------------------------------------------- reading values back


def _plain(piece: Mapping[str, Any]) -> str:
    if "plain_text" in piece:
        return piece["plain_text"]
    return piece.get("text", {}).get("content", "")


def _bare(notion_id: str) -> str:
    return notion_id.replace("-", "").lower()


_KINDS = (
    "title",
    "rich_text",
    "number",
    "select",
    "multi_select",
    "checkbox",
    "url",
    "relation",
    "last_edited_by",
    "status",
)


def normalize(value: Mapping[str, Any]) -> Any:
    """Return a property value, as sent or as Notion answers it, in one comparable form."""
    kind = value.get("type") or next((k for k in value if k in _KINDS), None)
    if kind is None:
        return None
    v = value.get(kind)
    if kind in ("title", "rich_text"):
        return "".join(_plain(p) for p in v or [])
    if kind == "number":
        return None if v is None else round(float(v), 2)
    if kind in ("select", "status"):
        return v.get("name") if v else None
    if kind == "multi_select":
        return sorted(o["name"] for o in v or [])
    if kind == "checkbox":
        return bool(v)
    if kind == "url":
        return v or None
    if kind == "relation":
        return sorted(_bare(r["id"]) for r in v or [])
    if kind == "last_edited_by":
        return v.get("id") if v else None
    return v


def block_text(block: Mapping[str, Any]) -> str:
    """Return the plain text of a text block, as sent or as Notion answers it."""
    content = block.get(block.get("type", ""), {})
    if not isinstance(content, Mapping):
        return ""
    return "".join(_plain(p) for p in content.get("rich_text") or [])


def same_blocks(listed: Sequence[Mapping[str, Any]], meant: Sequence[Mapping[str, Any]]) -> bool:
    """Whether blocks Notion listed have the types and texts of the blocks meant."""
    return [(b.get("type"), block_text(b)) for b in listed] == [
        (b.get("type"), block_text(b)) for b in meant
    ]


# ---------------------------------------------------------------- the summary page


@dataclass(frozen=True, slots=True)
class Slot:
    """One block of the summary page at a fixed place, so it can be updated alone."""

    key: str
    block: Block
    rows: tuple[Slot, ...] = ()
    """The rows of a table block (each a slot of its own)."""

    @property
    def fp(self) -> str:
        kind = self.block["type"]
        # A table's own fingerprint leaves its rows out: each row is a slot of its own.
        own = {k: v for k, v in self.block[kind].items() if k != "children"}
        return fingerprint(own)


TOP = 5
_HEAT_HEADER = (STAGE_COLUMN, *(c.title for c in HEAT_COLUMNS))


def summary_slots(
    entries: Sequence[RoadmapEntry],
    heat: Heat,
    *,
    page_urls: Mapping[int, str],
    roadmap_url: str | None,
    top: int = TOP,
) -> list[Slot]:
    """Return the summary page: Now / Next / Later with their top ideas, then journey heat.

    The layout depends only on `top` and the journey stages, so between syncs only the
    slots whose text really changed need a request.
    """
    intro = [
        _text(
            "The ranked roadmap from journeybot, from votes and estimates in Slack. Now and"
            " Next are filled in rank order up to their capacity in team-weeks and the rest"
            " waits in Later (unless a leader pinned it). Each idea shows its score (the"
            " higher, the more it is worth for its effort) and its quadrant of impact against"
            " effort; one that needs estimates is ranked after those that have enough. "
        )
    ]
    if roadmap_url:
        intro.append(_text("Open the Roadmap board", roadmap_url))
        intro.append(_text(" to see every idea by bucket, with how its score was reached."))
    slots = [Slot("intro", _block("paragraph", intro))]
    by_bucket: dict[str, list[RoadmapEntry]] = {"Now": [], "Next": [], "Later": []}
    for entry in entries:
        if entry.item.bucket is not None:
            by_bucket[entry.item.bucket.value].append(entry)
    for bucket, ranked in by_bucket.items():
        count = f"{len(ranked)} idea{'s' * (len(ranked) != 1)}"
        slots.append(Slot(f"h:{bucket}", _heading(f"{bucket}: {count}")))
        for i in range(top):
            if i < len(ranked):
                rich = _top_line(i + 1, ranked[i], page_urls.get(ranked[i].idea.id or 0))
            elif i == 0:
                rich = rich_text(f"No idea in {bucket} yet.", italic=True)
            else:
                rich = []
            slots.append(Slot(f"{bucket}:{i + 1}", _block("paragraph", rich)))
    slots.append(Slot("h:heat", _heading("Journey heat")))
    rows = [Slot("heat:header", _row(_HEAT_HEADER))]
    for i, row in enumerate(heat.stages):
        name = f"{row.stage} ← weakest" if row.stage == heat.weakest else row.stage
        rows.append(Slot(f"heat:{i}", _row((name, *(c.value(row) for c in HEAT_COLUMNS)))))
    table = {
        "object": "block",
        "type": "table",
        "table": {
            "table_width": len(_HEAT_HEADER),
            "has_column_header": True,
            "has_row_header": True,
            "children": [r.block for r in rows],
        },
    }
    slots.append(Slot("heat", table, tuple(rows)))
    slots.append(Slot("heat:legend", _block("paragraph", rich_text(heat_legend(), italic=True))))
    callout = _block(
        "callout", rich_text(weakest_sentence(heat)), icon={"type": "emoji", "emoji": "🔥"}
    )
    slots.append(Slot("weakest", callout))
    return slots


def _top_line(rank: int, entry: RoadmapEntry, url: str | None) -> list[dict[str, Any]]:
    s = entry.score
    tail = f" · score {s.value:g}"
    if s.quadrant:
        tail += f" · {s.quadrant.value}"
    if s.needs_estimates:
        tail += " · needs estimates"
    return [
        _text(f"{rank}. "),
        *rich_text(entry.idea.title, link=url, bold=True),
        _text(f" (#{entry.idea.id}){tail}"),
    ]


def _row(cells: Iterable[object]) -> Block:
    return {
        "object": "block",
        "type": "table_row",
        "table_row": {"cells": [rich_text(str(c)) for c in cells]},
    }


def synced_slot(moment: datetime) -> Slot:
    """Return the "last synced" line; it is only rewritten when something else changed."""
    when = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Slot(
        "synced",
        _block("paragraph", rich_text(f"Last changed by journeybot: {when}.", italic=True)),
    )


def layout(slots: Sequence[Slot]) -> str:
    """Return a fingerprint of the page's structure (slot keys and block types)."""
    return fingerprint([[s.key, s.block["type"], [r.key for r in s.rows]] for s in slots])
