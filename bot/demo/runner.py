"""`journeybot demo`: a scripted week, end to end, on this machine.

It starts the Slack and Notion emulators of `bot/sandbox/`, the real bot pointed at them
(over HTTP, or with `socket_mode` connected over Socket Mode), and plays people using
Slack (see `player`): slash commands, shortcuts, button clicks, modal submissions, thread
replies and reactions, exactly as Slack would send them (signed POSTs, or envelopes on the
socket). A leader ships an idea and edits the roadmap in the Notion emulator, the scheduled
sync carries it back, and weeks later the people who hit its pain points are asked "Is this
better now?". Nothing here calls the use cases directly: every change goes through Slack
or Notion, and time moves through the scheduled jobs (`DemoClock` plays the weeks).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from prioritize.config import JourneyConfig
from storage.store import Store

from ..chart import chart_points, impact_effort_png
from ..config import AppConfig, DigestConfig, Settings, SlackConfig, SyncConfig
from ..jobs import Jobs
from ..notion.client import NotionClient
from ..sandbox.notion import NotionEmulator
from ..sandbox.slack import SlackEmulator, Workspace
from ..services import Services
from ..slack.app import build_app
from ..slack.http_server import serve_http
from ..slack.runtime import Runtime
from ..slack.socket_mode import connect_socket_mode
from . import script
from .clock import DemoClock
from .outputs import DEMO_META, fresh, write_outputs
from .player import Player
from .script import DEMO_DAYS, ROADMAP, SALES, SUPPORT, SURVEY_AFTER_DAYS

__all__ = ["DemoResult", "run_demo"]

SIGNING_SECRET = "demo-signing-secret-0123456789abcdef"


@dataclass
class DemoResult:
    out_dir: Path
    services: Services
    team_id: str
    slack: SlackEmulator
    notion: NotionEmulator
    slack_requests: int = 0
    notion_requests: int = 0
    ideas: dict[str, int] = field(default_factory=dict)
    """Script key -> idea id."""
    seconds: float = 0.0


def run_demo(
    out_dir: Path = Path("journeybot-demo"),
    *,
    console: Console | None = None,
    pains: Sequence[script.Pain] = script.PAINS,
    ideas: Sequence[script.Idea] = script.IDEAS,
    votes: Sequence[script.Vote] = script.VOTES,
    notion_rate: float = 3.0,
    keep_running: bool = False,
    socket_mode: bool = False,
) -> DemoResult:
    """Play the scripted week and write the database, HTML, chart and transcript to `out_dir`.

    With `socket_mode` the bot connects with an app-level token and every action reaches
    it over the Socket Mode link instead of HTTP.

    Returns the result with the emulators already stopped (unless `keep_running`).
    """
    console = console or Console(stderr=True)
    started = time.perf_counter()
    fresh(out_dir)
    people = {p.id: p for p in script.PEOPLE}
    slack = SlackEmulator(
        users={
            p.id: {
                "name": p.name.split()[0].lower(),
                "real_name": p.name,
                "is_admin": p.admin,
                "title": p.team,
            }
            for p in script.PEOPLE
        },
        channels={ROADMAP: "roadmap", SUPPORT: "support-escalations", SALES: "sales"},
    ).start()
    notion = NotionEmulator(rate_limit=notion_rate).start()
    settings = Settings(
        _env_file=None,
        slack_bot_token=slack.token,
        slack_signing_secret=None if socket_mode else SIGNING_SECRET,
        slack_app_token=slack.app_token if socket_mode else None,
        slack_api_url=slack.api_url,
        notion_token=notion.token,
        notion_parent_page_id=notion.root_page_id,
        notion_api_url=notion.base_url,
        journeybot_db=out_dir / "journeybot.db",
        journeybot_config=None,
    )
    config = AppConfig(
        journey=JourneyConfig.model_validate(
            {"questions": {"survey_after_days": SURVEY_AFTER_DAYS}}
        ),
        slack=SlackConfig(roadmap_channel=ROADMAP, admins=["U03CHLOE"], card_update_delay=0.3),
        sync=SyncConfig(debounce_seconds=2),
        digest=DigestConfig(),
    )
    store = Store.open(settings.journeybot_db)
    store.meta.set(DEMO_META, "written by journeybot demo; replaced by the next demo run")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=DEMO_DAYS)
    clock = DemoClock(start)
    services = Services(store, config.journey, clock=clock, admins=frozenset(config.slack.admins))
    runtime = Runtime()
    app = build_app(settings, config, services, runtime=runtime, socket_mode=socket_mode)
    if socket_mode:
        stop_bot = _serve_socket_mode(app, slack)
        ws = Workspace.over_socket_mode(slack)
    else:
        server, url = serve_http(app, signing_secret=SIGNING_SECRET)
        stop_bot = partial(_stop_http, server)
        ws = Workspace(slack, url, SIGNING_SECRET)
    notion_client = NotionClient.from_settings(settings, requests_per_second=notion_rate)
    jobs = Jobs(settings, config, services, notion_client=notion_client)
    result = DemoResult(
        out_dir,
        services,
        slack.workspace_id if hasattr(slack, "workspace_id") else "T0001",
        slack,
        notion,
    )
    player = Player(ws, slack, services, runtime, people, clock)
    steps: list[tuple[str, int, Callable[[Callable[[str], None]], None]]] = [
        ("People say which team they are in", len(people), player.join_teams),
        ("Pain points logged from Slack", len(pains), lambda say: player.log_pains(pains, say)),
        (
            "Ideas proposed",
            len(ideas),
            lambda say: result.ideas.update(player.propose(ideas, pains, say)),
        ),
        (
            "Votes and estimates in the threads",
            len(votes),
            lambda say: player.vote(votes, result.ideas, say),
        ),
        ("A duplicate idea merged", 1, lambda say: player.merge(result.ideas, say)),
        ("Last week's digest", 1, lambda say: _digest(jobs, runtime, None, say)),
        (
            "A leader marks an idea Done",
            1,
            lambda say: player.ship(script.SHIPPED, result.ideas, start, say),
        ),
        ("Sync to Notion", 1, lambda say: _sync(jobs, runtime, say)),
        (
            "A leader moves an idea in Notion",
            1,
            lambda say: player.leader_edit(notion, result.ideas, say),
        ),
        (
            "Weeks later: did it work?",
            len(script.SURVEY_ANSWERS),
            lambda say: player.survey(jobs, script.SHIPPED, result.ideas, start, say),
        ),
        ("The scheduled sync runs", 1, lambda say: _sync(jobs, runtime, say)),
        ("The weekly digest", 1, lambda say: _digest(jobs, runtime, out_dir, say)),
    ]
    try:
        jobs.start()
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[now]}"),
            console=console,
        ) as progress:
            for title, total, step in steps:
                task = progress.add_task(title, total=total, now="")

                def say(what: str, task: Any = task) -> None:
                    progress.update(task, advance=1, now=what[:60])

                step(say)
                progress.update(task, completed=total, now="done")
        runtime.drain(timeout=30)
        write_outputs(out_dir, slack, notion, people)
        result.slack_requests = slack.count()
        result.notion_requests = notion.request_count
    finally:
        jobs.shutdown()
        stop_bot()
        runtime.close()
        if not keep_running:
            slack.stop()
            notion.stop()
    result.seconds = time.perf_counter() - started
    return result


def _stop_http(server: Any) -> None:
    server.shutdown()
    server.server_close()


def _serve_socket_mode(app: Any, slack: SlackEmulator) -> Callable[[], None]:
    """Connect the bot to the emulator over Socket Mode; return how to disconnect it."""
    handler = connect_socket_mode(app, slack.app_token)
    return partial(slack.socket_mode.hang_up, handler.client)


def _sync(jobs: Jobs, runtime: Runtime, say: Callable[[str], None]) -> None:
    runtime.drain(timeout=30)
    reports = jobs.sync_now()
    runtime.drain(timeout=30)
    for r in reports.values():
        say(
            f"{r.created} created, {r.updated} updated, {r.archived} archived,"
            f" {r.read_back} read back, {r.requests} requests"
        )


def _digest(jobs: Jobs, runtime: Runtime, out_dir: Path | None, say: Callable[[str], None]) -> None:
    runtime.drain(timeout=30)
    jobs.post_digest(now=jobs.services.clock())
    runtime.drain(timeout=30)
    if out_dir is None:
        say("posted to #roadmap; next week's digest says what changed since")
        return
    for team_id in jobs.services.store.workspaces():
        png = impact_effort_png(chart_points(jobs.services.roadmap(team_id)))
        (out_dir / "digest-chart.png").write_bytes(png)
    say("posted to #roadmap with the impact-versus-effort chart")
