"""Background jobs with APScheduler 3: the Notion sync, on a timer and after changes, and
the weekly digest.

- A sync every `sync.interval_minutes` (coalesced, one at a time): the full sync.
- A sync `sync.debounce_seconds` after a change: a burst of votes becomes one sync, which
  writes the pages that changed but leaves Rank-only shifts to the full sync.
- The weekly digest on `digest.cron` in `digest.timezone` (a use case: it records the post,
  with its impact-versus-effort chart, in the outbox, which the bot delivers).
- "Is this better now?" every `SURVEY_EVERY_MINUTES`: the use case decides who is due a
  question about an idea Done `[journey.questions] survey_after_days` ago; the outbox
  delivers the DMs. The same job redraws the cards of Done ideas whose comparison weeks
  have just passed (time alone turns *too early to tell* into a verdict).

Sync and digest failures are logged, never raised into Slack's threads: votes keep being
recorded while Notion is down, and the next sync catches up.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .config import AppConfig, Settings
from .digest import Digest
from .notion.client import NotionClient
from .notion.sync import HomeLost, RoadmapSync, SyncReport
from .services import Change, Services, StatusChange

__all__ = ["Jobs"]

log = logging.getLogger(__name__)

SYNC_JOB = "notion-sync"
DEBOUNCED_JOB = "notion-sync-soon"
DIGEST_JOB = "weekly-digest"
SURVEY_JOB = "did-it-work"
SURVEY_EVERY_MINUTES = 60
"""How often to look for Done ideas whose people are due "Is this better now?"."""
MAX_DEBOUNCE_FACTOR = 6
"""A steady stream of changes still syncs at least every `debounce_seconds` times this."""


class Jobs:
    """The scheduler of one journeybot process.

    `Jobs(settings, config, services).start()` schedules everything; `.shutdown()` stops it.
    `.sync_now()`, `.post_digest()` and `.ask_if_better()` run a job at once (the CLI and
    the tests use them).
    """

    def __init__(
        self,
        settings: Settings,
        config: AppConfig,
        services: Services,
        *,
        notion_client: NotionClient | None = None,
        team_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.config = config
        self.services = services
        self.team_id = team_id
        """The workspace the running bot is installed in (None: every one, as the CLI does)."""
        self.scheduler = BackgroundScheduler(timezone=config.digest.timezone)
        self.syncs = 0
        """How many syncs ran (each covers every workspace)."""
        self.last_reports: dict[str, SyncReport] = {}
        self._notion = notion_client
        self._own_notion = False  # close only a client this object built
        self._sync_lock = threading.Lock()
        self._debounce_lock = threading.Lock()
        self._first_request: datetime | None = None
        self._local = threading.local()
        self._said: set[str] = set()
        services.subscribe(self._on_change)

    # ---------------------------------------------------------------- lifecycle

    @property
    def notion_enabled(self) -> bool:
        """Whether Notion is configured (NOTION_TOKEN and NOTION_PARENT_PAGE_ID)."""
        return bool(self.settings.notion_token and self.settings.notion_parent_page_id)

    def start(self) -> None:
        """Schedule the sync and the digest, and start the scheduler thread."""
        if self.notion_enabled:
            self.scheduler.add_job(
                self.sync_now,
                IntervalTrigger(minutes=self.config.sync.interval_minutes),
                id=SYNC_JOB,
                coalesce=True,
                max_instances=1,
                next_run_time=datetime.now(UTC),
                replace_existing=True,
            )
        else:
            self._say_once("notion", self._notion_off_reason())
        digest = self.config.digest
        self.scheduler.add_job(
            self.post_digest,
            CronTrigger.from_crontab(digest.cron, timezone=digest.timezone),
            id=DIGEST_JOB,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.ask_if_better,
            IntervalTrigger(minutes=SURVEY_EVERY_MINUTES),
            id=SURVEY_JOB,
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
            replace_existing=True,
        )
        self.scheduler.start()

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop the scheduler (waiting for a running job if asked) and close clients."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        if self._notion is not None and self._own_notion:
            self._notion.close()

    # ---------------------------------------------------------------- syncing

    def _on_change(self, event: Change | StatusChange) -> None:
        # Changes the sync itself applies (a leader's edit read back) need no new sync.
        if getattr(self._local, "syncing", False):
            return
        self.request_sync()

    def request_sync(self) -> None:
        """Sync a few seconds from now; more requests before then move it, up to a limit."""
        if not self.notion_enabled:
            return
        delay = self.config.sync.debounce_seconds
        now = datetime.now(UTC)
        with self._debounce_lock:
            if self._first_request is None:
                self._first_request = now
            latest = self._first_request + timedelta(seconds=delay * MAX_DEBOUNCE_FACTOR)
            run_at = min(now + timedelta(seconds=delay), latest)
            self.scheduler.add_job(
                self._debounced_sync,
                DateTrigger(run_date=run_at),
                id=DEBOUNCED_JOB,
                replace_existing=True,
                # One running and one waiting for it: a change made while a (long) sync
                # runs must get a sync of its own, not be skipped as "already running".
                max_instances=2,
                coalesce=True,
                misfire_grace_time=60,
            )

    def _debounced_sync(self) -> None:
        with self._debounce_lock:
            self._first_request = None
        # Right after a change: the pages it changed, not every Rank it shifted; the
        # periodic sync writes those (see RoadmapSync.run).
        self.sync_now(full=False)

    def sync_now(self, *, full: bool = True) -> dict[str, SyncReport]:
        """Sync every workspace to Notion now; return the reports (errors are logged).

        `full=False` leaves rank-only changes to the next full sync.
        """
        if not self.notion_enabled:
            self._say_once("notion", self._notion_off_reason())
            return {}
        reports: dict[str, SyncReport] = {}
        with self._sync_lock:
            self._local.syncing = True
            try:
                client = self._notion_client()
                for team_id in self._workspaces():
                    sync = RoadmapSync(
                        self.services,
                        client,
                        team_id=team_id,
                        parent_page_id=str(self.settings.notion_parent_page_id),
                    )
                    try:
                        reports[team_id] = sync.run(full=full)
                    except HomeLost as e:  # waiting will not heal it: a person must act
                        log.error("Notion sync of %s stopped: %s", team_id, e)
                    except Exception as e:
                        log.warning(
                            "Notion sync of %s failed (%s); Slack keeps working and the next"
                            " sync catches up",
                            team_id,
                            e,
                        )
            finally:
                self._local.syncing = False
                self.syncs += 1
        self.last_reports = reports
        if any(r.follow_up for r in reports.values()):
            self.request_sync()
        return reports

    def _workspaces(self) -> list[str]:
        if self.team_id is not None:
            return [self.team_id]
        return self.services.store.workspaces()

    def _notion_client(self) -> NotionClient:
        if self._notion is None:
            self._notion = NotionClient.from_settings(
                self.settings, requests_per_second=self.config.sync.requests_per_second
            )
            self._own_notion = True
        return self._notion

    def _notion_off_reason(self) -> str:
        missing = "NOTION_TOKEN" if not self.settings.notion_token else "NOTION_PARENT_PAGE_ID"
        return f"Notion sync is off: {missing} is not set (Slack works without it)"

    def _say_once(self, key: str, message: str) -> None:
        if key not in self._said:
            self._said.add(key)
            log.info(message)

    # ---------------------------------------------------------------- the weekly digest

    def post_digest(self, *, now: datetime | None = None) -> dict[str, Digest]:
        """Write the weekly digest of every workspace; the bot's outbox posts it."""
        now = now or datetime.now(UTC)
        written: dict[str, Digest] = {}
        for team_id in self._workspaces():
            try:
                written[team_id] = self.services.weekly_digest(team_id, now=now)
            except Exception:
                log.exception("the weekly digest of %s could not be written", team_id)
        return written

    # ---------------------------------------------------------------- did it work?

    def ask_if_better(self, *, now: datetime | None = None) -> dict[str, int]:
        """Ask "Is this better now?" wherever it is due; return how many were asked per
        workspace (failures are logged)."""
        asked: dict[str, int] = {}
        for team_id in self.services.store.workspaces():
            try:
                asked[team_id] = self.services.ask_if_better(team_id, now=now)
                self.services.show_settled_outcomes(team_id, now=now)
            except Exception:
                log.exception("the did-it-work survey of %s could not be scheduled", team_id)
        return asked

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        jobs: list[Any] = self.scheduler.get_jobs()
        return f"Jobs({[j.id for j in jobs]})"
