"""Read-back of leader edits: what leaders changed in Notion since the last sync.

A changed Status or Bucket is applied through `Services` (so Slack hears about it); a
changed score, estimate or title is noted in the log and overwritten, because those come
from journeybot.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from prioritize.config import InvalidInput
from prioritize.models import Bucket, IdeaStatus
from storage.notion_state import LIVE, PageState

from ..services import NotFound
from .client import NotionError
from .context import Db, Kind, SyncContext, SyncReport, bare
from .provision import Provisioner
from .render import normalize
from .schema import EDITABLE, ROADMAP_PROPS, IdeaProp

__all__ = ["OWNED", "ReadBack"]

log = logging.getLogger(__name__)

# Roadmap properties that only journeybot writes; a leader's edit to them is overwritten.
# The relation is left out: Notion returns at most 25 related pages inside a page object.
OWNED = frozenset(ROADMAP_PROPS - EDITABLE - {IdeaProp.PAIN_POINTS, IdeaProp.EDITED_BY})
_MISSING = object()
_SOMEONE = "someone in Notion"
READBACK = "readback"
"""The object key holding when the last read-back began."""


class ReadBack:
    """Brings leaders' edits of Roadmap pages into journeybot's database."""

    def __init__(self, ctx: SyncContext, provisioner: Provisioner, *, lookback: timedelta) -> None:
        self.ctx = ctx
        self.provisioner = provisioner
        # Notion rounds last_edited_time down to the minute and clocks drift: read back a
        # little before the last sync; an edit seen twice is recognised and skipped.
        self.lookback = lookback

    def run(self, roadmap: Db, report: SyncReport) -> None:
        """Apply Status and Bucket that leaders changed in Notion since the last sync."""
        ctx = self.ctx
        mark = ctx.object(READBACK)
        bot = ctx.object("bot")
        if mark is None or bot is None or not mark.data.get("since"):
            return  # nothing can have been edited in pages journeybot has not written yet
        since = datetime.fromisoformat(mark.data["since"]) - self.lookback
        query = {
            "and": [
                {
                    "timestamp": "last_edited_time",
                    "last_edited_time": {"on_or_after": since.isoformat()},
                },
                # journeybot's own writes are not leader edits; leaving them out keeps the
                # query to one request however many pages the last sync wrote.
                {"property": IdeaProp.EDITED_BY, "people": {"does_not_contain": bot.notion_id}},
            ]
        }
        states = ctx.state.pages(ctx.team_id, Kind.IDEA)
        by_page = {bare(s.page_id): s for s in states.values() if s.page_id}
        pages = self.provisioner.with_repair(
            roadmap,
            report,
            lambda db: list(ctx.client.query_data_source(db.data_source_id, filter=query)),
        )
        for page in pages:
            page_state = by_page.get(bare(page["id"]))
            if page_state is None or page_state.state != LIVE:
                continue  # a row a person added by hand: not journeybot's to manage
            self.absorb(page, page_state, sent=(), report=report)

    def mark(self, since: datetime) -> None:
        """Remember that the next read-back starts from `since`."""
        self.ctx.save_object(READBACK, notion_id=None, data={"since": since.isoformat()})

    def absorb(
        self,
        page: Mapping[str, Any],
        known: PageState,
        *,
        sent: Iterable[str],
        report: SyncReport,
    ) -> PageState:
        """Compare a page Notion returned with what journeybot last wrote; act on edits.

        `sent` names properties this very request wrote (they are not edits). Returns the
        page state with what Notion now holds (stored if it changed).
        """
        props = page.get("properties", {})
        held = dict(known.props)
        skip = set(sent)
        for name in sorted(EDITABLE - skip):
            if name not in props:
                continue
            seen = normalize(props[name])
            if seen == known.props.get(name, _MISSING):
                continue
            held[name] = seen
            if self._apply_leader_edit(known.local_id, name, seen, page):
                report.read_back += 1
            else:
                report.overwritten += 1
        for name in sorted(OWNED - skip):
            if name not in props or name not in known.props:
                continue
            seen = normalize(props[name])
            if seen != known.props[name]:
                log.warning(
                    "idea #%d: %r was edited in Notion (%r); journeybot owns it and writes %r back",
                    known.local_id,
                    name,
                    seen,
                    known.props[name],
                )
                held[name] = seen
                report.overwritten += 1
        if held == known.props:
            return known
        updated = replace(known, props=held, props_fp="")
        self.ctx.state.save_page(self.ctx.team_id, updated)
        return updated

    def _apply_leader_edit(
        self, idea_id: int, name: str, value: Any, page: Mapping[str, Any]
    ) -> bool:
        """Apply a leader's Status or Bucket through Services; False if it was refused."""
        ctx = self.ctx
        who = self._who((page.get("last_edited_by") or {}).get("id"))
        try:
            if name == IdeaProp.STATUS:
                if value is None:
                    raise InvalidInput("status", "an idea always has a status")
                ctx.services.change_status(
                    ctx.team_id, idea_id, IdeaStatus(value), by=who, source="notion"
                )
            else:
                ctx.services.pin_bucket(
                    ctx.team_id, idea_id, Bucket(value) if value else None, by=who
                )
        except (InvalidInput, ValueError) as e:
            log.warning("idea #%d: %s %r set in Notion is refused (%s)", idea_id, name, value, e)
            return False
        except NotFound:
            return False
        log.info("idea #%d: %s set to %r in Notion by %s", idea_id, name, value, who)
        return True

    def _who(self, user_id: str | None) -> str:
        """Return the name of the Notion user who edited a page (looked up once, then kept)."""
        if not user_id:
            return _SOMEONE
        cached = self.ctx.object(f"user:{user_id}")
        if cached is not None:
            return str(cached.data.get("name") or _SOMEONE)
        try:
            name = self.ctx.client.retrieve_user(user_id).get("name") or ""
        except NotionError:
            name = ""  # no user information capability: keep the generic wording
        self.ctx.save_object(f"user:{user_id}", notion_id=user_id, data={"name": name})
        return name or _SOMEONE
