"""The summary page: the top ideas and the journey's heat, one block per slot, rewritten
only where a slot's text changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from prioritize.heat import Heat
from storage.notion_state import CREATING

from ..services import Questions, RoadmapEntry
from . import render
from .client import NotionError
from .context import APPENDING, Db, SyncContext, SyncReport, send_once
from .provision import Provisioner
from .questions import question_slots
from .render import Slot
from .schema import SUMMARY_TITLE

__all__ = ["SUMMARY_URL_META", "SummaryPage"]

log = logging.getLogger(__name__)

SUMMARY_URL_META = "notion.summary_url"
_KEY = "summary"


class SummaryPage:
    """Keeps the summary page under the parent page true to the roadmap."""

    def __init__(self, ctx: SyncContext, provisioner: Provisioner, *, top: int) -> None:
        self.ctx = ctx
        self.provisioner = provisioner
        self.top = top

    def push(
        self,
        entries: Sequence[RoadmapEntry],
        heat: Heat,
        idea_pages: Mapping[int, str],
        roadmap: Db,
        report: SyncReport,
        *,
        now: datetime,
        questions: Questions | None = None,
    ) -> None:
        """Bring the summary page up to date, one changed block at a time.

        `questions` adds the Journey questions section after the journey heat.
        """
        ctx = self.ctx
        slots = render.summary_slots(
            entries, heat, page_urls=idea_pages, roadmap_url=roadmap.url, top=self.top
        )
        if questions is not None:
            slots += question_slots(
                questions.answers, titles=questions.titles, page_urls=idea_pages
            )
        synced = render.synced_slot(now)
        everything = [*slots, synced]
        layout = render.layout(everything)
        page_id = self._page(everything, layout)
        obj = ctx.object(_KEY)
        assert obj is not None
        written = obj.data.get("layout")
        if written == APPENDING + layout:
            written = self._confirm(page_id, everything, layout)
        if written != layout:
            self._rebuild(page_id, everything, layout)
        stored = self._index_rows(everything)
        wrote = report.created + report.updated + report.archived + report.read_back > 0
        for slot in _flatten(slots):
            block_id, fp = stored[slot.key]
            if fp != slot.fp:
                try:
                    ctx.client.update_block(block_id, slot.block)
                except NotionError as e:
                    if e.status not in (400, 404):
                        raise
                    # A person deleted a block of the page: every later sync would stop
                    # here, so write the whole page again instead.
                    log.warning("the summary page lost a block in Notion (%s); rewriting it", e)
                    self._rebuild(page_id, everything, layout)
                    return
                ctx.state.save_block(ctx.team_id, slot.key, block_id, slot.fp)
                wrote = True
        if wrote and stored["synced"][1] != synced.fp:
            ctx.client.update_block(stored["synced"][0], synced.block)
            ctx.state.save_block(ctx.team_id, "synced", stored["synced"][0], synced.fp)

    def _page(self, slots: list[Slot], layout: str) -> str:
        """Return the summary page's id, creating the page (with its blocks) if needed."""
        ctx = self.ctx
        obj = ctx.object(_KEY)
        if obj is not None and obj.notion_id:
            return obj.notion_id
        sent = send_once(
            pending=obj is not None and obj.state == CREATING,
            record=lambda: ctx.save_object(_KEY, notion_id=None, state=CREATING),
            send=lambda: ctx.client.create_page(
                {"type": "page_id", "page_id": ctx.parent_page_id},
                {"title": {"title": render.rich_text(SUMMARY_TITLE)}},
                [s.block for s in slots],
            ),
            look_up=lambda: self.provisioner.find_child_page(SUMMARY_TITLE),
        )
        page: dict[str, Any] = sent.value
        # Created with its blocks in one request: read them back to index them.
        ctx.save_object(
            _KEY, notion_id=page["id"], url=page.get("url"), data={"layout": APPENDING + layout}
        )
        if page.get("url"):
            ctx.services.store.meta.set(f"{SUMMARY_URL_META}:{ctx.team_id}", page["url"])
        return str(page["id"])

    def _set_layout(self, page_id: str, layout: str) -> None:
        obj = self.ctx.object(_KEY)
        self.ctx.save_object(
            _KEY, notion_id=page_id, url=obj.url if obj else None, data={"layout": layout}
        )

    def _confirm(self, page_id: str, slots: list[Slot], layout: str) -> str | None:
        """Index blocks written by a request whose answer was lost, if they are all there."""
        listed = self.ctx.client.list_children(page_id)
        if not render.same_blocks(listed, [s.block for s in slots]):
            return None
        self._save_top(slots, listed)
        self._set_layout(page_id, layout)
        return layout

    def _rebuild(self, page_id: str, slots: list[Slot], layout: str) -> None:
        """Rewrite the whole summary page (first time, or when its layout changed)."""
        ctx = self.ctx
        ctx.state.forget_blocks(ctx.team_id)
        self._set_layout(page_id, "")
        ctx.client.update_page(page_id, erase_content=True)

        def send() -> str:
            created = ctx.client.append_blocks(page_id, [s.block for s in slots])
            self._save_top(slots, created)
            self._set_layout(page_id, layout)
            return layout

        send_once(
            pending=False,
            record=lambda: self._set_layout(page_id, APPENDING + layout),
            send=send,
            look_up=lambda: self._confirm(page_id, slots, layout),
        )

    def _save_top(self, slots: list[Slot], blocks: Sequence[Mapping[str, Any]]) -> None:
        """Remember which block holds which top-level slot (table rows come separately)."""
        self.ctx.state.save_blocks(
            self.ctx.team_id,
            {slot.key: (block["id"], slot.fp) for slot, block in zip(slots, blocks, strict=True)},
        )

    def _index_rows(self, slots: list[Slot]) -> dict[str, tuple[str, str]]:
        """Return every slot's (block id, fingerprint), listing table rows not known yet."""
        ctx = self.ctx
        stored = ctx.state.blocks(ctx.team_id)
        for slot in slots:
            if slot.rows and any(row.key not in stored for row in slot.rows):
                listed = ctx.client.list_children(stored[slot.key][0])
                for row, block in zip(slot.rows, listed, strict=True):
                    ctx.state.save_block(ctx.team_id, row.key, block["id"], row.fp)
                stored = ctx.state.blocks(ctx.team_id)
        return stored


def _flatten(slots: Iterable[Slot]) -> list[Slot]:
    out: list[Slot] = []
    for slot in slots:
        out.append(slot)
        out.extend(slot.rows)
    return out
