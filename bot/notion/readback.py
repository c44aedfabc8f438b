"""Read-back of leader edits: what leaders changed in Notion since the last sync.

On the Roadmap, a changed Status or Bucket is applied through `Services` (so Slack hears
about it). On Pain points, a changed Status, Severity, Journey stage or Touchpoint is
applied through the same edit use cases as Slack's (`Editing.edit_pain_in_notion`: the
history, the redraws, the reporter told when it is closed). A value journeybot refuses
(a stage not in the journey map) is logged, naming the page and the value, and put back.
A field edited on both sides since the last sync keeps the later edit: Notion's
`last_edited_time` against the time of the Slack edit in the history, logged. A changed
score, estimate or title is noted in the log and overwritten: those come from journeybot.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from prioritize.config import InvalidInput
from prioritize.models import Bucket, IdeaStatus, PainStatus
from storage.edits import EditHistory
from storage.notion_state import LIVE, PageState

from ..services import NotFound
from . import render
from .client import NotionError
from .context import Db, Kind, SyncContext, SyncReport, bare
from .provision import Provisioner
from .render import normalize
from .schema import EDITABLE, PAIN_EDITABLE, PAIN_PROPS, ROADMAP_PROPS, IdeaProp, PainProp

__all__ = ["OWNED", "PAIN_OWNED", "ReadBack"]

log = logging.getLogger(__name__)

# Roadmap properties that only journeybot writes; a leader's edit to them is overwritten.
# The relation is left out: Notion returns at most 25 related pages inside a page object.
OWNED = frozenset(ROADMAP_PROPS - EDITABLE - {IdeaProp.PAIN_POINTS, IdeaProp.EDITED_BY})
PAIN_OWNED = frozenset(PAIN_PROPS - PAIN_EDITABLE - {PainProp.IDEAS, PainProp.EDITED_BY})
"""Pain points properties that only journeybot writes (the related ideas are Notion's)."""
_PAIN_FIELDS = {
    PainProp.STATUS: "status",
    PainProp.SEVERITY: "severity",
    PainProp.STAGE: "stage",
    PainProp.TOUCHPOINT: "touchpoint",
}
_MISSING = object()
_SOMEONE = "someone in Notion"
READBACK = "readback"
"""The object key holding when the last read-back of the Roadmap began."""
PAIN_READBACK = "readback:pain"
"""The same for Pain points (read back by full syncs only, see `RoadmapSync.run`)."""


class ReadBack:
    """Brings leaders' edits of Roadmap pages into journeybot's database."""

    def __init__(self, ctx: SyncContext, provisioner: Provisioner, *, lookback: timedelta) -> None:
        self.ctx = ctx
        self.provisioner = provisioner
        # Notion rounds last_edited_time down to the minute and clocks drift: read back a
        # little before the last sync; an edit seen twice is recognised and skipped.
        self.lookback = lookback

    def run(self, roadmap: Db, report: SyncReport) -> None:
        """Apply Status and Bucket that leaders changed on Roadmap pages since the last sync."""
        self._run(Kind.IDEA, READBACK, roadmap, report)

    def run_pains(self, pains: Db, report: SyncReport) -> None:
        """Apply the triage leaders did on Pain points pages since the last full sync."""
        self._run(Kind.PAIN, PAIN_READBACK, pains, report)

    def _run(self, kind: Kind, key: str, db: Db, report: SyncReport) -> None:
        ctx = self.ctx
        mark = ctx.object(key) or (ctx.object(READBACK) if kind is Kind.PAIN else None)
        bot = ctx.object("bot")
        if mark is None or bot is None or not mark.data.get("since"):
            return  # nothing can have been edited in pages journeybot has not written yet
        since = datetime.fromisoformat(mark.data["since"]) - self.lookback
        # Both databases name the property alike (IdeaProp.EDITED_BY == PainProp.EDITED_BY).
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
        states = ctx.state.pages(ctx.team_id, kind)
        by_page = {bare(s.page_id): s for s in states.values() if s.page_id}
        pages = self.provisioner.with_repair(
            db,
            report,
            lambda d: list(ctx.client.query_data_source(d.data_source_id, filter=query)),
        )
        for page in pages:
            page_state = by_page.get(bare(page["id"]))
            if page_state is None or page_state.state != LIVE:
                continue  # a row a person added by hand: not journeybot's to manage
            self.absorb(page, page_state, sent=(), report=report)

    def mark(self, since: datetime, *, pains: bool = True) -> None:
        """Remember that the next read-back starts from `since` (of Pain points too if asked)."""
        self.ctx.save_object(READBACK, notion_id=None, data={"since": since.isoformat()})
        if pains:
            self.ctx.save_object(PAIN_READBACK, notion_id=None, data={"since": since.isoformat()})

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
        pain = known.kind == Kind.PAIN
        editable, owned = (PAIN_EDITABLE, PAIN_OWNED) if pain else (EDITABLE, OWNED)
        for name in sorted(editable - skip):
            if name not in props:
                continue
            seen = normalize(props[name])
            if seen == known.props.get(name, _MISSING):
                continue
            held[name] = seen
            if pain:
                applied = self._apply_pain_edit(known, name, seen, page)
            else:
                applied = self._apply_leader_edit(known.local_id, name, seen, page)
            if applied:
                report.read_back += 1
            else:
                report.overwritten += 1
        for name in sorted(owned - skip):
            if name not in props or name not in known.props:
                continue
            seen = normalize(props[name])
            if seen != known.props[name]:
                log.warning(
                    "%s #%d: %r was edited in Notion (%r); journeybot owns it and writes %r back",
                    "pain point" if pain else "idea",
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

    def _apply_pain_edit(
        self, known: PageState, name: str, value: Any, page: Mapping[str, Any]
    ) -> bool:
        """Apply a leader's triage of one pain point field; False if refused or older.

        When Slack changed the same field since journeybot last wrote the page, the later
        edit wins. Notion gives `last_edited_time` to the minute, rounded down, so a Slack
        edit in that same minute counts as the later one.
        """
        ctx = self.ctx
        pain_id, page_id = known.local_id, page.get("id", "?")
        field = _PAIN_FIELDS[name]
        try:
            current = ctx.services.pain_point(ctx.team_id, pain_id)
        except NotFound:
            return False
        ours = normalize(render.pain_page(current).properties[name])
        if ours == value:
            return True  # both sides made the same change: nothing to apply
        if ours != known.props.get(name, _MISSING):
            slack = EditHistory(ctx.services.store).last_change(ctx.team_id, "pain", pain_id, field)
            edited = _when(page.get("last_edited_time"))
            if slack is not None and (edited is None or slack[1] >= edited):
                log.warning(
                    "pain point #%d (page %s): %s edited in both places since the last sync;"
                    " Slack's %r (%s) is later than Notion's %r (%s) and is kept",
                    pain_id,
                    page_id,
                    name,
                    ours,
                    slack[1].isoformat(),
                    value,
                    page.get("last_edited_time"),
                )
                return False
            log.warning(
                "pain point #%d (page %s): %s edited in both places since the last sync;"
                " Notion's %r (%s) is later than Slack's %r (%s) and is kept",
                pain_id,
                page_id,
                name,
                value,
                page.get("last_edited_time"),
                ours,
                slack[1].isoformat() if slack else "unknown",
            )
        who = self._who((page.get("last_edited_by") or {}).get("id"))
        try:
            if field == "status":
                if value is None:
                    raise InvalidInput("status", "a pain point always has a status")
                ctx.services.editing.edit_pain_in_notion(
                    ctx.team_id, pain_id, by=who, status=PainStatus(value)
                )
            else:
                ctx.services.editing.edit_pain_in_notion(
                    ctx.team_id, pain_id, by=who, **{field: _pain_value(field, value)}
                )
        except (InvalidInput, ValueError) as e:
            log.warning(
                "pain point #%d (page %s): %s %r set in Notion is refused (%s); the page is"
                " put back",
                pain_id,
                page_id,
                name,
                value,
                e,
            )
            return False
        except NotFound:
            return False
        log.info("pain point #%d: %s set to %r in Notion by %s", pain_id, name, value, who)
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


def _pain_value(field: str, value: Any) -> Any:
    """Return a Notion value as the edit use case takes it; raises InvalidInput."""
    if field == "severity":
        if value is None or float(value) != int(value) or not 1 <= int(value) <= 5:
            raise InvalidInput("severity", f"must be a whole number from 1 to 5, not {value!r}")
        return int(value)
    return value


def _when(stamp: str | None) -> datetime | None:
    """Return a Notion timestamp ("2025-03-03T09:00:00.000Z") as an aware datetime."""
    if not stamp:
        return None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
