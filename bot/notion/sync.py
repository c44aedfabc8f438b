"""Keep the Notion roadmap true to journeybot's database, spending as few requests as it can.

One `RoadmapSync.run()`, under the workspace's lease:

1. `provision`: the Pain points and Roadmap databases exist, and a schema a person
   changed is repaired;
2. `readback`: what leaders changed in Notion since the last sync is applied through
   `Services` (an idea's Status and Bucket; a pain point's Status, Severity, Journey stage
   and Touchpoint) or noted and overwritten (everything journeybot owns). Pain points
   are read back by the full sync, and by a quick one only before it writes a pain page;
3. `pages`: pain points, then ideas, are pushed page by page, each costing nothing when
   unchanged (an idea that only moved in the ranking costs one update of its Rank, and
   only in a full sync: see `run(ranks=...)`);
4. `summary`: only the summary page blocks whose text changed are updated;
5. `provision` again: the board and table views exist (one request: the list of views).

Crash safety: every request Notion must perform once goes through `context.send_once`
(record the intent, send, and if the answer is lost look the result up), so a sync can be
killed anywhere and rerun without duplicating anything.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.notion_state import NotionState

from ..services import Services
from . import render
from .client import NotionClient, NotionError
from .context import HomeLost, Kind, SyncContext, SyncReport
from .pages import PagePusher
from .provision import Provisioner, gone_message
from .readback import ReadBack
from .summary import SUMMARY_URL_META, SummaryPage

__all__ = [
    "IDEA",
    "PAIN",
    "ROADMAP_URL_META",
    "SUMMARY_URL_META",
    "HomeLost",
    "Kind",
    "Progress",
    "RoadmapSync",
    "SyncBusy",
    "SyncReport",
]

log = logging.getLogger(__name__)

IDEA = Kind.IDEA
PAIN = Kind.PAIN
ROADMAP_URL_META = "notion.roadmap_url"
"""Meta key prefix: the roadmap's URL is kept under `notion.roadmap_url:<team_id>`."""

Progress = Callable[[int, int], None]
"""Called with (done, total) as the sync works through the pages."""

LEASE_SECONDS = 180.0
"""A sync that died gives up its workspace lease this long after it last renewed it."""
RENEW_SECONDS = 30.0


class SyncBusy(Exception):
    """Another sync of the same workspace is running (in this process or another)."""


class RoadmapSync:
    """Syncs one Slack workspace's roadmap into Notion under a parent page."""

    def __init__(
        self,
        services: Services,
        client: NotionClient,
        *,
        team_id: str,
        parent_page_id: str,
        clock: Callable[[], datetime] | None = None,
        top: int = render.TOP,
        schema_check_interval: timedelta = timedelta(hours=24),
        lookback: timedelta = timedelta(minutes=5),
    ) -> None:
        self.services = services
        self.store = services.store
        self.state = NotionState(services.store)
        self.client = client
        self.team_id = team_id
        self.parent_page_id = parent_page_id
        self.clock = clock or (lambda: datetime.now(UTC))
        self.ctx = SyncContext(
            services,
            client,
            self.state,
            team_id,
            parent_page_id,
            clock=lambda: self.clock(),  # read late: a caller may swap the clock
        )
        self.provisioner = Provisioner(self.ctx, schema_check_interval=schema_check_interval)
        self.read_back = ReadBack(self.ctx, self.provisioner, lookback=lookback)
        self.pages = PagePusher(self.ctx, self.provisioner, self.read_back)
        self.summary = SummaryPage(self.ctx, self.provisioner, top=top)
        self._lease: tuple[str, float] = ("", 0.0)

    def run(
        self,
        *,
        progress: Progress | None = None,
        check_schema: bool = False,
        rehome: bool = False,
        full: bool = True,
    ) -> SyncReport:
        """Run one sync and return what it did.

        `full=False` is the quick sync right after a change in Slack. It leaves out pages
        whose only change is their Rank: one idea that moves shifts the Rank of every idea
        it passes, which would cost a request each. The voted pages and those whose
        bucket changed are written with their new Rank; the periodic (full) sync puts
        every Rank right. It reads Pain points back only if it is about to write one of
        their pages (a leader's triage there must be seen before it is written over);
        the full sync always does, so leaders' edits arrive within one sync interval.
        `rehome` builds the roadmap under the parent page again, forgetting what was kept
        of an earlier one (see `Provisioner.ensure`). Raises NotionError if Notion fails
        it (HomeLost if the roadmap's place in Notion changed or is gone), SyncBusy if
        the workspace is being synced.
        """
        holder = uuid.uuid4().hex
        if not self._take_lease(holder):
            raise SyncBusy(f"another Notion sync of {self.team_id} is running")
        self._lease = (holder, time.monotonic())
        report = SyncReport()
        stats = self.client.stats
        sent, limited, began = stats.sent, stats.rate_limited, time.monotonic()
        started = self.clock()
        self.ctx.repaired = set()
        error: str | None = None
        try:
            self.pages.ranks = full
            with self._home_checked():
                self._steps(report, progress, check_schema=check_schema, rehome=rehome, full=full)
        except BaseException as e:
            error = f"{type(e).__name__}: {e}"[:500]
            raise
        finally:
            report.requests = stats.sent - sent
            report.rate_limited = stats.rate_limited - limited
            report.seconds = time.monotonic() - began
            try:
                self.state.release_lease(self.team_id, holder)
                self.state.record_run(
                    self.team_id,
                    started_at=started,
                    finished_at=self.clock(),
                    created=report.created,
                    updated=report.updated,
                    archived=report.archived,
                    read_back=report.read_back,
                    requests=report.requests,
                    error=error,
                )
            except Exception:  # bookkeeping; never mask the real outcome
                log.exception("could not record the sync run")
        log.info("Notion sync of %s: %s", self.team_id, report.line())
        return report

    def _take_lease(self, holder: str) -> bool:
        return self.state.acquire_lease(
            self.team_id,
            holder,
            now=self.clock(),
            ttl=LEASE_SECONDS,
            owner={"host": socket.gethostname(), "pid": os.getpid()},
            stale=_process_gone,
        )

    def _renew_lease(self) -> None:
        holder, renewed = self._lease
        if time.monotonic() - renewed >= RENEW_SECONDS:
            self._take_lease(holder)
            self._lease = (holder, time.monotonic())

    @contextmanager
    def _home_checked(self) -> Iterator[None]:
        """Turn a 404 that escaped the steps into HomeLost when the roadmap itself is gone."""
        try:
            yield
        except NotionError as e:
            archived = e.status == 400 and "archived" in str(e).lower()
            if (e.status != 404 and not archived) or isinstance(e, HomeLost):
                raise
            gone = self.provisioner.lost()  # a 404 that escaped: is the roadmap itself gone?
            if gone:
                raise HomeLost(gone_message(gone), status=404) from e
            raise

    def _steps(
        self,
        report: SyncReport,
        progress: Progress | None,
        *,
        check_schema: bool,
        rehome: bool,
        full: bool,
    ) -> None:
        pains_db, roadmap_db = self.provisioner.ensure(
            report, check_schema=check_schema, rehome=rehome
        )
        for kind, db in ((Kind.PAIN, pains_db), (Kind.IDEA, roadmap_db)):
            if self.provisioner.adopting(kind):  # after a rehome
                self.pages.adopt_all(kind, db, report)
                self.provisioner.adopted(kind)
        read_from = self.clock()
        pains = self.store.pains.all(self.team_id)
        rendered_pains = self.pages.render_pains(pains)
        pains_read = full or self.pages.any_to_write(Kind.PAIN, rendered_pains)
        if pains_read:
            self.read_back.run_pains(pains_db, report)
            if report.read_back:  # a leader's triage changed what the pages should say
                pains = self.store.pains.all(self.team_id)
                rendered_pains = self.pages.render_pains(pains)
        self.read_back.run(roadmap_db, report)

        entries = self.services.roadmap(self.team_id)
        heat = self.services.heat(self.team_id)
        # Outcomes move as time passes (too early to tell, then a verdict) with nothing
        # changed in Slack: every sync asks again, and pages are rewritten only if they moved.
        questions = self.services.questions(self.team_id, now=self.clock())
        outcomes = {o.idea_id: o for o in questions.answers.stages.outcomes}
        total = len(pains) + len(entries) + 1
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            self._renew_lease()
            if progress is not None:
                progress(done, total)

        if progress is not None:
            progress(0, total)
        pain_pages = self.pages.push_pains(rendered_pains, pains_db, report, tick)
        idea_pages = self.pages.push_ideas(
            entries, pains, pain_pages, roadmap_db, report, tick, outcomes=outcomes
        )
        self.summary.push(
            entries, heat, idea_pages, roadmap_db, report, now=self.clock(), questions=questions
        )
        self.provisioner.views(roadmap_db, report)
        tick()
        self.read_back.mark(read_from, pains=pains_read)
        if roadmap_db.url:
            self.store.meta.set(f"{ROADMAP_URL_META}:{self.team_id}", roadmap_db.url)


def _process_gone(owner: Mapping[str, Any]) -> bool:
    """Whether a lease's holder was a process on this host that no longer exists.

    A killed `journeybot sync` never released its lease; waiting for it to expire would
    hold every sync for minutes. A holder on another host is trusted until it expires.
    """
    pid = owner.get("pid")
    if owner.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False
