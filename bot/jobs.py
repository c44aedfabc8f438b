"""Background jobs with APScheduler 3: the Notion sync, on a timer and after changes, and
the weekly digest.

- A sync every `sync.interval_minutes` (coalesced, one at a time): the full sync.
- A sync `sync.debounce_seconds` after a change: a burst of votes becomes one sync of the
  workspaces that changed, which writes the pages that changed but leaves Rank-only
  shifts to the full sync.
- Each workspace's weekly digest on its `digest.cron` in its `digest.timezone` (a use
  case: it records the post, with its impact-versus-effort chart, in the outbox, which
  the bot delivers).
- "Is this better now?" every `SURVEY_EVERY_MINUTES`: the use case decides who is due a
  question about an idea Done `[journey.questions] survey_after_days` ago; the outbox
  delivers the DMs. The same job redraws the cards of Done ideas whose comparison weeks
  have just passed (time alone turns *too early to tell* into a verdict).

Every workspace runs with its own settings (`bot/workspace_settings.py`): its digest on
its own cron and time zone, its sync with its own Notion connection. Syncs of different
workspaces run side by side (`SYNC_WORKERS`; Notion's rate limit is per integration).
NOTION_TOKEN and NOTION_PARENT_PAGE_ID serve one workspace only (the one whose roadmap is
there, else the bot's own); any other connects its own Notion page on App Home.

Sync and digest failures are logged, never raised into Slack's threads: votes keep being
recorded while Notion is down, and the next sync catches up; one workspace's failure
(a revoked token, a channel Slack refuses) stops no other's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from storage.notion_state import NotionState

from .config import AppConfig, Settings
from .digest import Digest
from .notion.client import NotionClient
from .notion.context import bare
from .notion.provision import PARENT
from .notion.sync import HomeLost, RoadmapSync, SyncReport
from .services import Change, NotSaved, Services, StatusChange
from .workspace_settings import NOTION_PARENT, NotionConnection

__all__ = ["Jobs", "env_home"]

log = logging.getLogger(__name__)

SYNC_JOB = "notion-sync"
DEBOUNCED_JOB = "notion-sync-soon"
DIGEST_JOB = "weekly-digest"
SURVEY_JOB = "did-it-work"
SCHEDULES_JOB = "digest-schedules"
SCHEDULES_EVERY_MINUTES = 5
"""How soon a digest schedule an admin changed (or a new workspace's) takes effect."""
SYNC_WORKERS = 8
"""Workspaces synced side by side by default (`[sync] workers`): each has its own
integration, so its own rate limit."""
SURVEY_EVERY_MINUTES = 60
"""How often to look for Done ideas whose people are due "Is this better now?"."""
MAX_DEBOUNCE_FACTOR = 6
"""A steady stream of changes still syncs at least every `debounce_seconds` times this."""


def env_home(services: Services, page_id: str, *, bot_team: str | None = None) -> str | None:
    """Return the one workspace NOTION_PARENT_PAGE_ID serves (None: none can be told).

    Two roadmaps under one page would share titles, and a create whose answer was lost
    could be taken for the other's: the page is the workspace's whose roadmap is already
    there, else the bot's own (`bot_team`), else the only workspace without a page of its
    own.
    """
    page = bare(page_id)
    state = NotionState(services.store)
    settings = services.workspace
    without_own = [t for t in settings.workspaces() if NOTION_PARENT not in settings.of(t).own]
    for team_id in without_own:
        home = state.object(team_id, PARENT)
        if home is not None and home.notion_id and bare(home.notion_id) == page:
            return team_id
    if bot_team is not None:
        return bot_team
    return without_own[0] if len(without_own) == 1 else None


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
        installed: Callable[[str], bool] | None = None,
    ) -> None:
        self.settings = settings
        self.config = config
        self.services = services
        self.team_id = team_id
        """The workspace the running bot is installed in (None: every one, as the CLI does)."""
        self.installed = installed
        """Whether a workspace has installed the app (install flow; None: every one is).
        A workspace that uninstalled keeps its data until purged, but nothing runs for it."""
        self.scheduler = BackgroundScheduler(timezone=config.digest.timezone)
        self.syncs = 0
        """How many syncs ran (each covers every workspace)."""
        self.last_reports: dict[str, SyncReport] = {}
        self._notion = notion_client
        self._own_notion = False  # close only a client this object built
        self._sync_lock = threading.Lock()
        self._client_lock = threading.Lock()
        self.sync_workers = config.sync.workers
        self._pending: set[str | None] = set()
        self._digest_schedules: dict[str, tuple[str, str]] = {}
        self._debounce_lock = threading.Lock()
        self._first_request: datetime | None = None
        self._local = threading.local()
        self._said: set[str] = set()
        services.subscribe(self._on_change)

    # ---------------------------------------------------------------- lifecycle

    @property
    def notion_enabled(self) -> bool:
        """Whether any workspace has a Notion connection (its own, or NOTION_TOKEN's)."""
        if self.settings.notion_token and self.settings.notion_parent_page_id:
            return True
        return bool(self.services.workspace.repo.configured(NOTION_PARENT))

    def start(self) -> None:
        """Schedule the sync and the digests, and start the scheduler thread."""
        if not self.notion_enabled:
            self._say_once("notion", self._notion_off_reason())
        # Always scheduled: a workspace's admins may connect Notion from App Home later.
        self._every(self.sync_now, self.config.sync.interval_minutes, SYNC_JOB, at_once=True)
        self.schedule_digests()
        self._every(self.schedule_digests, SCHEDULES_EVERY_MINUTES, SCHEDULES_JOB)
        self._every(self.ask_if_better, SURVEY_EVERY_MINUTES, SURVEY_JOB, at_once=True)
        self.scheduler.start()

    def _every(
        self, job: Callable[[], object], minutes: float, job_id: str, *, at_once: bool = False
    ) -> None:
        """Run `job` every `minutes` (the first time now if `at_once`), one run at a time."""
        first = {"next_run_time": datetime.now(UTC)} if at_once else {}
        self.scheduler.add_job(
            job,
            IntervalTrigger(minutes=minutes),
            id=job_id,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
            **first,
        )

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
        self.request_sync(event.team_id)

    def request_sync(self, team_id: str | None = None) -> None:
        """Sync the workspace (None: every one) a few seconds from now; more requests
        before then move it, up to a limit."""
        if not self.notion_enabled:
            return
        delay = self.config.sync.debounce_seconds
        now = datetime.now(UTC)
        with self._debounce_lock:
            self._pending.add(team_id)
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
            pending, self._pending = self._pending, set()
        teams = None if None in pending else sorted(t for t in pending if t is not None)
        # Right after a change: the pages it changed, not every Rank it shifted; the
        # periodic sync writes those (see RoadmapSync.run).
        self.sync_now(teams, full=False)

    def sync_now(
        self, teams: list[str] | None = None, *, full: bool = True
    ) -> dict[str, SyncReport]:
        """Sync each workspace (`teams`, default every one) to its Notion now, side by side;
        return the reports. One workspace's failure is logged and stops no other.

        `full=False` leaves rank-only changes to the next full sync.
        """
        if not self.notion_enabled:
            self._say_once("notion", self._notion_off_reason())
            return {}
        reports: dict[str, SyncReport] = {}
        with self._sync_lock:
            try:
                plan = self._plan(self._served(teams) if teams is not None else self._workspaces())
                if plan:
                    workers = min(len(plan), self.sync_workers)
                    with ThreadPoolExecutor(workers, thread_name_prefix="notion-sync") as pool:
                        done = pool.map(
                            lambda item: (item[0], self._sync_one(*item, full=full)), plan
                        )
                        reports = {team: r for team, r in done if r is not None}
            finally:
                self.syncs += 1
        self.last_reports = reports
        if any(r.follow_up for r in reports.values()):
            self.request_sync()
        return reports

    def _plan(self, teams: list[str]) -> list[tuple[str, NotionConnection]]:
        """Return the workspaces to sync with their connection; say why any is left out."""
        plan: list[tuple[str, NotionConnection]] = []
        env = self._env_connection()
        env_home = self._env_home() if env is not None else None
        for team_id in teams:
            ws = self.services.workspace.of(team_id)
            if NOTION_PARENT in ws.own:
                if ws.notion is None:  # stored but unreadable: logged by `of`, never env's
                    continue
                plan.append((team_id, ws.notion))
            elif env is not None and team_id == env_home:
                plan.append((team_id, env))
            elif env is not None:
                self._say_once(
                    f"notion:{team_id}",
                    f"Notion sync of {team_id} is off: NOTION_PARENT_PAGE_ID holds the roadmap"
                    f" of {env_home or 'another workspace'}; an admin of {team_id} connects"
                    " its own Notion page on App Home",
                )
        return plan

    def _env_connection(self) -> NotionConnection | None:
        token, page = self.settings.notion_token, self.settings.notion_parent_page_id
        return NotionConnection(token, page, own=False) if token and page else None

    def _env_home(self) -> str | None:
        return env_home(
            self.services, str(self.settings.notion_parent_page_id), bot_team=self.team_id
        )

    def _sync_one(
        self, team_id: str, connection: NotionConnection, *, full: bool = True
    ) -> SyncReport | None:
        self._local.syncing = True  # this worker thread's read-backs need no new sync
        client, own = self._client_for(connection)
        try:
            sync = RoadmapSync(
                self.services, client, team_id=team_id, parent_page_id=connection.parent_page_id
            )
            return sync.run(full=full)
        except HomeLost as e:  # waiting will not heal it: a person must act
            log.error("Notion sync of %s stopped: %s", team_id, e)
        except Exception as e:
            log.warning(
                "Notion sync of %s failed (%s); Slack keeps working and the next sync catches up",
                team_id,
                e,
            )
        finally:
            self._local.syncing = False
            if own:
                client.close()
        return None

    def _client_for(self, connection: NotionConnection) -> tuple[NotionClient, bool]:
        """Return a client for the connection, and whether the caller must close it."""
        if not connection.own:
            return self._notion_client(), False
        # One client per workspace's integration: Notion's rate limit is per integration.
        client = NotionClient(
            connection.token.get_secret_value(),
            base_url=self.settings.notion_api_url,
            requests_per_second=self.config.sync.requests_per_second,
        )
        return client, True

    def _workspaces(self) -> list[str]:
        if self.team_id is not None:
            return [self.team_id]
        return self._served(self.services.workspace.workspaces())

    def _served(self, teams: list[str]) -> list[str]:
        """Return the workspaces of `teams` that have the app installed."""
        if self.installed is None:
            return list(teams)
        served: list[str] = []
        for team_id in teams:
            try:
                here = self.installed(team_id)
            except Exception as e:  # an unreadable installations file stops nobody's jobs
                log.warning("cannot tell whether %s has journeybot installed: %s", team_id, e)
                here = True
            if here:
                served.append(team_id)
                self._said.discard(f"installed:{team_id}")
            else:
                self._say_once(
                    f"installed:{team_id}",
                    f"{team_id} has not installed journeybot (or uninstalled it): its Notion"
                    " sync, digest and surveys are skipped until it installs again",
                )
        return served

    def _notion_client(self) -> NotionClient:
        with self._client_lock:
            if self._notion is None:
                self._notion = NotionClient.from_settings(
                    self.settings, requests_per_second=self.config.sync.requests_per_second
                )
                self._own_notion = True
            return self._notion

    def _notion_off_reason(self) -> str:
        missing = "NOTION_TOKEN" if not self.settings.notion_token else "NOTION_PARENT_PAGE_ID"
        return (
            f"Notion sync is off: {missing} is not set and no workspace connected Notion"
            " on App Home (Slack works without it)"
        )

    def _say_once(self, key: str, message: str) -> None:
        if key not in self._said:
            self._said.add(key)
            log.info(message)

    # ---------------------------------------------------------------- the weekly digest

    def schedule_digests(self) -> None:
        """Schedule each workspace's digest on its own cron and time zone (again when an
        admin changed them)."""
        served = self._workspaces()
        for gone in set(self._digest_schedules) - set(served):
            # Uninstalled since it was scheduled: its digest stops (back on a new install).
            if self.scheduler.get_job(f"{DIGEST_JOB}:{gone}") is not None:
                self.scheduler.remove_job(f"{DIGEST_JOB}:{gone}")
            del self._digest_schedules[gone]
        for team_id in served:
            try:
                digest = self.services.workspace.of(team_id).digest
                job_id = f"{DIGEST_JOB}:{team_id}"
                wanted = (digest.cron, digest.timezone)
                if self._digest_schedules.get(team_id) == wanted:
                    continue
                self.scheduler.add_job(
                    self.post_digest,
                    CronTrigger.from_crontab(digest.cron, timezone=digest.timezone),
                    kwargs={"teams": [team_id]},
                    id=job_id,
                    coalesce=True,
                    max_instances=1,
                    misfire_grace_time=3600,
                    replace_existing=True,
                )
                self._digest_schedules[team_id] = wanted
            except Exception:
                log.exception("the weekly digest of %s could not be scheduled", team_id)

    def post_digest(
        self, *, now: datetime | None = None, teams: list[str] | None = None
    ) -> dict[str, Digest]:
        """Write the weekly digest of each workspace (default every one); the bot's
        outbox posts it. One workspace's failure is logged and stops no other."""
        now = now or datetime.now(UTC)
        written: dict[str, Digest] = {}
        for team_id in self._served(teams) if teams is not None else self._workspaces():
            try:
                written[team_id] = self.services.weekly_digest(team_id, now=now)
            except NotSaved as e:  # busy or full: the next run writes it, nothing is half-done
                log.warning("the weekly digest of %s was not written this time: %s", team_id, e)
            except Exception:
                log.exception("the weekly digest of %s could not be written", team_id)
        return written

    # ---------------------------------------------------------------- did it work?

    def ask_if_better(self, *, now: datetime | None = None) -> dict[str, int]:
        """Ask "Is this better now?" wherever it is due; return how many were asked per
        workspace (failures are logged)."""
        asked: dict[str, int] = {}
        for team_id in self._served(self.services.store.workspaces()):
            try:
                asked[team_id] = self.services.ask_if_better(team_id, now=now)
                self.services.show_settled_outcomes(team_id, now=now)
            except NotSaved as e:  # the job runs again within the hour
                log.warning("the did-it-work survey of %s waits: %s", team_id, e)
            except Exception:
                log.exception("the did-it-work survey of %s could not be scheduled", team_id)
        return asked

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        jobs: list[Any] = self.scheduler.get_jobs()
        return f"Jobs({[j.id for j in jobs]})"
