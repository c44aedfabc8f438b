"""Pushing pages: one Notion page per pain point and per idea, brought to its rendering.

A page whose rendered fingerprint matches the stored one costs nothing, a changed page
costs one request carrying only the properties that differ (plus its body, if that
changed), a new page one create. A page's Notion id is stored the moment Notion returns
it, and a create is recorded as in flight before it is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from prioritize.models import PainPoint
from prioritize.outcomes import Outcome
from storage.notion_state import CREATING, GONE, LIVE, PageState

from ..services import RoadmapEntry
from . import render
from .client import NotionError
from .context import APPENDING, Db, Kind, SyncContext, SyncReport, bare, send_once
from .provision import Provisioner
from .questions import outcome_properties
from .readback import ReadBack
from .render import MAX_ARRAY, Rendered, normalize
from .schema import IdeaProp

__all__ = ["PagePusher"]

log = logging.getLogger(__name__)

_MISSING = object()
DOUBT = "doubt:"
"""Prefix of the object key recording a page created after a create whose outcome is unknown."""
DOUBT_WINDOW = timedelta(minutes=10)
"""How long a lost create may still be performed by Notion: its page is looked for until then."""


class PagePusher:
    """Brings every pain point's and idea's page to its rendering; archives the rest."""

    def __init__(self, ctx: SyncContext, provisioner: Provisioner, read_back: ReadBack) -> None:
        self.ctx = ctx
        self.provisioner = provisioner
        self.read_back = read_back
        self.ranks = True
        """Whether a page whose only change is its Rank is written (see `RoadmapSync.run`)."""

    def _save(self, page: PageState) -> PageState:
        self.ctx.state.save_page(self.ctx.team_id, page)
        return page

    def render_pains(self, pains: Sequence[PainPoint]) -> list[tuple[int, Rendered]]:
        """Return every pain point's page as journeybot wants it."""
        votes = self.ctx.services.store.pains.vote_counts(self.ctx.team_id)
        names = self._names(p.reporter for p in pains)
        return [
            (pain.id, render.pain_page(pain, me_too=votes.get(pain.id, 0), names=names))
            for pain in pains
            if pain.id is not None
        ]

    def _names(self, users: Iterable[str]) -> dict[str, str]:
        """Return the names of `users`; ask Slack (through the outbox) for those unknown."""
        people = self.ctx.services.people
        wanted = set(users)
        people.want_names(self.ctx.team_id, wanted)
        return people.names(self.ctx.team_id, wanted)

    def any_to_write(self, kind: Kind, rendered: Sequence[tuple[int, Rendered]]) -> bool:
        """Whether pushing `rendered` would write at least one page of `kind`."""
        states = self.ctx.state.pages(self.ctx.team_id, kind)
        for local_id, page in rendered:
            known = states.get(local_id)
            if (
                known is None
                or known.state != LIVE
                or known.props_fp != page.props_fp
                or known.body_fp != page.body_fp
            ):
                return True
        wanted = {local_id for local_id, _ in rendered}
        return any(i not in wanted and s.state == LIVE for i, s in states.items())  # to archive

    def push_pains(
        self,
        rendered: Sequence[tuple[int, Rendered]],
        db: Db,
        report: SyncReport,
        tick: Callable[[], None],
    ) -> dict[int, str]:
        """Push every pain point (as `render_pains` gave them); return their page ids by id."""
        pushed = self._push_all(Kind.PAIN, rendered, db, report, tick)
        return {i: state.page_id for i, state in pushed.items() if state.page_id}

    def push_ideas(
        self,
        entries: Sequence[RoadmapEntry],
        pains: Sequence[PainPoint],
        pain_pages: Mapping[int, str],
        db: Db,
        report: SyncReport,
        tick: Callable[[], None],
        *,
        outcomes: Mapping[int, Outcome] | None = None,
    ) -> dict[int, str]:
        """Push every idea; return their page URLs by idea id.

        `outcomes` holds the outcome of each Done idea, written to its Outcome properties.
        """
        by_id = {p.id: p for p in pains if p.id is not None}
        stages = self.ctx.services.journey_of(self.ctx.team_id).stages
        outcomes = outcomes or {}
        names = self._names(e.idea.proposer for e in entries)
        rendered = []
        for entry in entries:
            if entry.idea.id is None:
                continue
            page = render.idea_page(entry, by_id, stages=stages, pain_pages=pain_pages, names=names)
            verdict = outcome_properties(outcomes.get(entry.idea.id))
            rendered.append((entry.idea.id, replace(page, properties=page.properties | verdict)))
        pushed = self._push_all(Kind.IDEA, rendered, db, report, tick)
        return {i: state.url for i, state in pushed.items() if state.url}

    def _push_all(
        self,
        kind: Kind,
        rendered: Sequence[tuple[int, Rendered]],
        db: Db,
        report: SyncReport,
        tick: Callable[[], None],
    ) -> dict[int, PageState]:
        """Bring every page of `kind` to its rendering and archive the rest; return states."""
        ctx = self.ctx
        self._settle_doubts(kind, db, report)
        pushed: dict[int, PageState] = {}
        for first_pass in (True, False):
            repairs = len(ctx.repaired)
            states = ctx.state.pages(ctx.team_id, kind)
            for local_id, page in rendered:
                pushed[local_id] = self._push_page(
                    kind, local_id, page, db, states.get(local_id), report
                )
                if first_pass:
                    tick()
            self._archive(states, keep={i for i, _ in rendered}, report=report)
            if len(ctx.repaired) == repairs:
                break
            # A repair mid-push dropped values of pages already passed: go round once more.
        return pushed

    def _archive(
        self, states: Mapping[int, PageState], *, keep: set[Any], report: SyncReport
    ) -> None:
        """Move pages of merged or removed records to Notion's trash."""
        for local_id, page_state in states.items():
            if local_id in keep or page_state.state != LIVE or not page_state.page_id:
                continue
            self._trash(page_state.page_id)
            self._save(replace(page_state, state=GONE))
            report.archived += 1

    def _trash(self, page_id: str) -> None:
        try:
            self.ctx.client.update_page(page_id, in_trash=True)
        except NotionError as e:
            if e.status not in (400, 404):
                raise
            # Already in the trash or deleted by a person: the goal is reached.

    def _push_page(
        self,
        kind: Kind,
        local_id: int,
        rendered: Rendered,
        db: Db,
        known: PageState | None,
        report: SyncReport,
    ) -> PageState:
        """Bring one page to `rendered`, with as few requests as possible; return its state."""
        if known is None or known.page_id is None:
            pending = known is not None and known.state == CREATING
            known, whole = self._create(kind, local_id, rendered, db, report, pending=pending)
            if whole:
                return known
        if known.body_fp.startswith(APPENDING):
            known = self._confirm_body(known, rendered.children, rendered.body_fp)
        if (
            known.state == LIVE
            and known.props_fp == rendered.props_fp
            and known.body_fp == rendered.body_fp
        ):
            return known
        if not self.ranks and known.state == LIVE and self._only_rank_moved(rendered, known):
            return known  # left stale on purpose: the next full sync writes it
        return self._update(kind, rendered, db, known, report)

    @staticmethod
    def _only_rank_moved(rendered: Rendered, known: PageState) -> bool:
        """Whether the page differs from what Notion holds in its Rank and nothing else."""
        if known.body_fp != rendered.body_fp or IdeaProp.RANK not in rendered.properties:
            return False
        changed = {
            name
            for name, value in rendered.properties.items()
            if normalize(value) != known.props.get(name, _MISSING)
        }
        return changed == {IdeaProp.RANK}

    def _create(
        self,
        kind: Kind,
        local_id: int,
        rendered: Rendered,
        db: Db,
        report: SyncReport,
        *,
        pending: bool = False,
    ) -> tuple[PageState, bool]:
        """Create the page once; return its state and whether it is known to be whole.

        A page found instead of created (an earlier answer was lost) is adopted with its
        body marked unconfirmed, for the caller to check and update.
        """
        first, rest = rendered.children[:MAX_ARRAY], rendered.children[MAX_ARRAY:]
        parent = {"type": "data_source_id", "data_source_id": db.data_source_id}
        client = self.ctx.client
        sent = send_once(
            pending=pending,
            record=lambda: self._save(PageState(kind, local_id, None, None, CREATING)),
            send=lambda: self.provisioner.with_repair(
                db, report, lambda _: client.create_page(parent, rendered.properties, first)
            ),
            look_up=lambda: self._one_page(kind, local_id, db, report),
            again=lambda: client.create_page(parent, rendered.properties, first),
        )
        page = sent.value
        report.created += 1
        if sent.doubtful:
            self._doubt(kind, local_id, page["id"])
        if sent.found:
            log.info("%s #%d: adopted page %s of an interrupted create", kind, local_id, page["id"])
            props = {name: normalize(value) for name, value in page.get("properties", {}).items()}
            adopted = PageState(
                kind, local_id, page["id"], page.get("url"), LIVE, props, "", APPENDING
            )
            return self._save(adopted), False
        created = self._save(  # the id is on disk before anything else
            PageState(
                kind,
                local_id,
                page["id"],
                page.get("url"),
                LIVE,
                {name: normalize(value) for name, value in rendered.properties.items()},
                rendered.props_fp,
                rendered.body_fp if not rest else "",
            )
        )
        if rest:
            created = self._append_body(created, rest, rendered.children, rendered.body_fp)
        return created, True

    def adopt_all(self, kind: Kind, db: Db, report: SyncReport) -> None:
        """Take over the pages a database already holds, one per record; trash extras.

        After a rehome: the database may be one a person moved, or one an interrupted
        rehome filled. Bodies are marked unconfirmed, so each is read once and rewritten
        only if it differs.
        """
        ctx = self.ctx
        by_id: dict[int, list[dict[str, Any]]] = {}
        for page in ctx.client.query_data_source(db.data_source_id):
            local_id = (page.get("properties", {}).get(kind.id_prop) or {}).get("number")
            if isinstance(local_id, int | float):
                by_id.setdefault(int(local_id), []).append(page)
            # else: a row a person added by hand, not journeybot's to manage
        for local_id, (keep, *extra) in by_id.items():
            for duplicate in extra:
                self._trash(duplicate["id"])
                report.archived += 1
            props = {name: normalize(value) for name, value in keep.get("properties", {}).items()}
            self._save(
                PageState(kind, local_id, keep["id"], keep.get("url"), LIVE, props, "", APPENDING)
            )
        log.info("took over %d %s pages already in Notion", len(by_id), kind)

    def _doubt(self, kind: Kind, local_id: int, page_id: str) -> None:
        """Remember to look for a late copy of this page on the syncs that follow."""
        at = self.ctx.clock().isoformat()
        self.ctx.save_object(f"{DOUBT}{kind}:{local_id}", notion_id=page_id, data={"at": at})

    def _settle_doubts(self, kind: Kind, db: Db, report: SyncReport) -> None:
        """Trash the late copies of pages whose first create had an unknown outcome.

        Notion may perform a create after the client gave up waiting, so a page created
        again can get a twin later: each sync within `DOUBT_WINDOW` of the create queries
        the record's pages by id and keeps journeybot's.
        """
        ctx = self.ctx
        prefix = f"{DOUBT}{kind}:"
        for key, doubt in ctx.state.objects(ctx.team_id).items():
            if not key.startswith(prefix):
                continue
            known = ctx.state.page(ctx.team_id, kind, int(key[len(prefix) :]))
            if known is not None and known.page_id is not None and known.state == LIVE:
                self._one_page(kind, known.local_id, db, report, keep=known.page_id)
            if ctx.clock() - datetime.fromisoformat(doubt.data["at"]) >= DOUBT_WINDOW:
                ctx.state.forget_object(ctx.team_id, key)

    def _one_page(
        self, kind: Kind, local_id: int, db: Db, report: SyncReport, *, keep: str | None = None
    ) -> dict[str, Any] | None:
        """Return the one page Notion holds for a record, trashing any extra; None if none.

        The page `keep` is kept if Notion has it, otherwise the oldest one.
        """
        found = list(
            self.ctx.client.query_data_source(
                db.data_source_id,
                filter={"property": kind.id_prop, "number": {"equals": local_id}},
            )
        )
        if not found:
            return None
        found.sort(key=lambda p: keep is None or bare(p["id"]) != bare(keep))
        first, *extra = found
        for duplicate in extra:  # a late create, an older bug or a person's copy
            log.warning("%s #%d: trashing the extra page %s", kind, local_id, duplicate["id"])
            self._trash(duplicate["id"])
            report.archived += 1
        return first

    def _update(
        self, kind: Kind, rendered: Rendered, db: Db, known: PageState, report: SyncReport
    ) -> PageState:
        changed = {
            name: value
            for name, value in rendered.properties.items()
            if normalize(value) != known.props.get(name, _MISSING)
        }
        rewrite_body = known.body_fp != rendered.body_fp
        restore = known.state == GONE
        if not changed and not rewrite_body and not restore:
            return self._save(replace(known, props_fp=rendered.props_fp))
        assert known.page_id is not None
        page_id = known.page_id
        client = self.ctx.client
        try:
            page = self.provisioner.with_repair(
                db,
                report,
                lambda _: client.update_page(
                    page_id,
                    properties=changed,
                    erase_content=rewrite_body,
                    in_trash=False if restore else None,
                ),
            )
        except NotionError as e:
            if e.status == 404:
                # Deleted for good in Notion: forget it and create a new page.
                log.warning(
                    "%s #%d: its Notion page is gone; creating it again", kind, known.local_id
                )
                return self._push_page(kind, known.local_id, rendered, db, None, report)
            if e.status == 400 and "archived" in str(e).lower():
                log.warning(
                    "%s #%d: its page was trashed in Notion; restoring it", kind, known.local_id
                )
                page = client.update_page(
                    page_id, properties=changed, erase_content=rewrite_body, in_trash=False
                )
            else:
                raise
        held = {**known.props, **{name: normalize(value) for name, value in changed.items()}}
        updated = self._save(
            PageState(
                kind,
                known.local_id,
                page_id,
                page.get("url") or known.url,
                LIVE,
                held,
                rendered.props_fp,
                "" if rewrite_body else known.body_fp,  # erased: not rewritten until appended
            )
        )
        report.updated += 1
        # A leader's edit made while this request was on its way comes back in the answer.
        before = report.read_back
        updated = self.read_back.absorb(page, updated, sent=changed, report=report)
        report.follow_up = report.follow_up or report.read_back > before
        if rewrite_body:
            updated = self._append_body(
                updated, rendered.children, rendered.children, rendered.body_fp
            )
        return updated

    def _append_body(
        self,
        page: PageState,
        blocks: Sequence[Mapping[str, Any]],
        whole: Sequence[Mapping[str, Any]],
        fp: str,
    ) -> PageState:
        """Append `blocks` to a page so its body becomes `whole`; return the stored state.

        An append is not safe to repeat, so it is marked in flight first: if its answer is
        lost, the next attempt reads the body back (one request) instead of guessing.
        """
        page_id = page.page_id
        assert page_id is not None
        marked = replace(page, body_fp=APPENDING + fp)

        def send() -> PageState:
            if blocks:
                self.ctx.client.append_blocks(page_id, blocks)
            return self._save(replace(marked, body_fp=fp))

        return send_once(
            pending=False,
            record=lambda: self._save(marked),
            send=send,
            look_up=lambda: self._confirm_body(marked, whole, fp),
        ).value

    def _confirm_body(
        self, page: PageState, whole: Sequence[Mapping[str, Any]], fp: str
    ) -> PageState:
        """Settle an append whose answer was lost: is the page body what was meant?"""
        assert page.page_id is not None
        meant = page.body_fp in (APPENDING + fp, APPENDING)
        if meant and render.same_blocks(self.ctx.client.list_children(page.page_id), whole):
            return self._save(replace(page, body_fp=fp))
        return self._save(replace(page, body_fp=""))  # unknown: the next write rewrites it
