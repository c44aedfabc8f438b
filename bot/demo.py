"""`journeybot demo`: a scripted week, end to end, on this machine.

It starts the Slack and Notion emulators of `bot/sandbox/`, the real bot pointed at them
(over HTTP, or with `socket_mode` connected over Socket Mode), and plays people using
Slack: slash commands, shortcuts, button clicks, modal submissions, thread replies and
reactions, exactly as Slack would send them (signed POSTs, or envelopes on the socket).
A leader ships an idea and edits the roadmap in the Notion emulator, the scheduled sync
carries it back, and weeks later the people who hit its pain points are asked "Is this
better now?". Nothing here calls the use cases directly: every change goes through Slack
or Notion, and time moves through the scheduled jobs (`DemoClock` plays the weeks).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from prioritize.config import InvalidInput, JourneyConfig
from prioritize.models import Idea as StoredIdea
from storage.store import Store, open_database

from . import demo_script as script
from .config import AppConfig, DigestConfig, Settings, SlackConfig, SyncConfig
from .jobs import Jobs
from .notion.client import NotionClient
from .notion_html import property_text, render_page
from .sandbox.notion import NotionEmulator
from .sandbox.slack import SlackEmulator, Workspace
from .services import Services
from .slack.app import build_app
from .slack.ids import Action, Block, Command, Shortcut, View
from .slack.run import connect_socket_mode, serve_http
from .slack.runtime import Runtime
from .transcript import transcript

__all__ = [
    "MARKER",
    "OUTPUTS",
    "DemoClock",
    "DemoError",
    "DemoResult",
    "FolderInUse",
    "check_out_dir",
    "fill",
    "fresh",
    "run_demo",
]

log = logging.getLogger(__name__)

ROADMAP = "C0ROADMAP"
SUPPORT = "C0SUPPORT"
SALES = "C0SALES"
SIGNING_SECRET = "demo-signing-secret-0123456789abcdef"
OUTPUTS = ("journeybot.db", "roadmap.html", "digest-chart.png", "slack-transcript.md")
MARKER = ".journeybot-demo"
"""The file that says a folder's contents were written by the demo."""
DEMO_META = "demo"
"""The meta key that marks the demo's own database, so a real one is never replaced."""
# SQLite's own files beside the database, written by the demo when it wrote the database.
_SIDE_FILES = ("journeybot.db-wal", "journeybot.db-shm", "journeybot.db-journal")
DEMO_DAYS = 33
"""How long the scripted weeks last: long enough to tell whether the shipped idea worked."""
SHIP_DAY = 3
"""The day the leader marks the shipped idea Done."""
SURVEY_AFTER_DAYS = 29
"""The demo asks "Is this better now?" once the comparison weeks have passed, so the
answers and the verdict arrive together."""


class DemoClock:
    """The demo's business clock: the weeks start DEMO_DAYS ago and end now.

    Stored times (pain points logged, status changes) read it; the player moves it
    forward between steps, as the days of the scripted weeks go by.
    """

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def to_day(self, start: datetime, day: float) -> datetime:
        """Move to `day` days after `start` (never back)."""
        self.now = max(self.now, start + timedelta(days=day))
        return self.now


class DemoError(RuntimeError):
    """A step of the scripted week did not go as a person using Slack would expect."""


class FolderInUse(DemoError):
    """The output folder holds something the demo did not write; nothing was touched."""


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
    player = _Player(ws, slack, services, runtime, people, clock)
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
        _write_outputs(out_dir, services, slack, notion, people)
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


def fresh(out_dir: Path) -> None:
    """Make `out_dir` ready for a new week, removing only what an earlier demo wrote there.

    Raises FolderInUse, having changed nothing, when `out_dir` holds anything else (see
    `check_out_dir`).
    """
    check_out_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text(
        "journeybot demo writes this folder and replaces what it wrote on its next run:\n"
        + "".join(f"{name}\n" for name in OUTPUTS),
        encoding="utf-8",
    )
    for name in (*OUTPUTS, *_SIDE_FILES):
        (out_dir / name).unlink(missing_ok=True)


def check_out_dir(out_dir: Path) -> None:
    """Raise FolderInUse unless `out_dir` is missing, empty, or holds only a demo's files.

    A file the demo does not write, or a `journeybot.db` that is not the demo's, is never
    deleted or replaced.
    """
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise FolderInUse(f"{out_dir} is a file, not a folder; pass --out a new or empty folder")
    # Only a folder the demo marked as its own may hold the demo's file names: without the
    # marker, a `journeybot.db` there is somebody's database.
    ours = {MARKER, *OUTPUTS, *_SIDE_FILES} if (out_dir / MARKER).is_file() else set()
    others = sorted(p.name for p in out_dir.iterdir() if p.name not in ours or not p.is_file())
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise FolderInUse(
            f"{out_dir} holds files the demo did not write ({shown}); pass --out a new or"
            " empty folder"
        )
    database = out_dir / "journeybot.db"
    if database.exists() and not _is_demo_database(database):
        raise FolderInUse(f"{database} is not a demo database; pass --out a new or empty folder")


def _is_demo_database(path: Path) -> bool:
    try:
        store = Store(open_database(path, readonly=True))
    except InvalidInput:
        return False
    try:
        return store.meta.get(DEMO_META) is not None
    finally:
        store.close()


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
    from .chart import chart_points, impact_effort_png

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


class _Player:
    """Plays people using Slack, through signed requests to the running bot."""

    def __init__(
        self,
        ws: Workspace,
        slack: SlackEmulator,
        services: Services,
        runtime: Runtime,
        people: Mapping[str, script.Person],
        clock: DemoClock,
    ) -> None:
        self.ws = ws
        self.slack = slack
        self.services = services
        self.runtime = runtime
        self.people = people
        self.clock = clock

    def _first(self, user: str) -> str:
        return self.people[user].name.split()[0]

    def _ok(self, reply: Any, what: str) -> Any:
        status = reply[0] if isinstance(reply, tuple) else reply.status
        if status != 200:
            raise DemoError(f"{what}: the bot answered HTTP {status}")
        return reply

    def join_teams(self, say: Callable[[str], None]) -> None:
        for person in self.people.values():
            self._ok(
                self.ws.slash(person.id, Command.JOURNEY, f"team {person.team}"), "/journey team"
            )
            say(f"{self._first(person.id)} is in {person.team}")

    def _submit(self, user: str, callback_id: str, answers: Mapping[str, Any]) -> None:
        # The bot opens forms after its ack, as Slack requires; wait for it like a person would.
        self.runtime.drain(timeout=30)
        modal = self.slack.modal(user)
        if modal is None or modal.get("callback_id") != callback_id:
            raise DemoError(f"expected the {callback_id} form to be open for {user}")
        reply = self.ws.view_submission(user, callback_id, fill(modal, answers))
        self._ok(reply, f"submitting {callback_id}")
        body = reply.body if hasattr(reply, "body") else reply[1]
        if body and '"errors"' in body:
            raise DemoError(f"{callback_id} was refused: {body}")

    def log_pains(self, pains: Iterable[script.Pain], say: Callable[[str], None]) -> None:
        for pain in pains:
            # Spread over the first days of the week, as people run into them.
            self.clock.advance(hours=1)
            if pain.quick:
                self._quick_pain(pain, say)
                continue
            answers = {
                Block.STAGE: pain.stage,
                Block.TOUCHPOINT: pain.touchpoint,
                Block.PERSONA: pain.persona,
                Block.SEVERITY: str(pain.severity),
                Block.SOURCE: pain.source,
                Block.OWNING_TEAM: self.people[pain.reporter].team,
            }
            if pain.quote:
                # A customer's words arrive in a support channel; the shortcut turns them
                # into evidence with a permalink.
                message = self.slack.post_as_user(pain.reporter, SUPPORT, pain.text)
                self._ok(
                    self.ws.message_shortcut(
                        pain.reporter, Shortcut.LOG_PAIN, channel=SUPPORT, message_ts=message["ts"]
                    ),
                    "the Log as pain point shortcut",
                )
                self._submit(pain.reporter, View.PAIN, answers)
                say(f"{self._first(pain.reporter)} logs a customer quote: {pain.text}")
            else:
                self._ok(self.ws.slash(pain.reporter, Command.PAIN, ""), "/pain")
                self._submit(pain.reporter, View.PAIN, {Block.TEXT: pain.text, **answers})
                say(f"{self._first(pain.reporter)}: {pain.text}")
        self.runtime.drain(timeout=30)

    def _quick_pain(self, pain: script.Pain, say: Callable[[str], None]) -> None:
        """`/pain <text>`, then the confirmation's pickers and, if any, one evidence click."""
        before = self.slack.ephemerals(pain.reporter)
        self._ok(self.ws.slash(pain.reporter, Command.PAIN, pain.text), "/pain with text")
        self.runtime.drain(timeout=30)
        confirmations = self.slack.ephemerals(pain.reporter)[len(before) :]
        if not confirmations:
            raise DemoError("/pain with text was not confirmed")
        ts = confirmations[-1]["ts"]
        pain_id = max(p.id or 0 for p in self.services.store.pains.all(self._team_id()))
        clicks: list[tuple[str, str]] = [
            (Action.PAIN_STAGE, pain.stage),
            (Action.PAIN_TOUCHPOINT, pain.touchpoint),
            (Action.PAIN_SEVERITY, str(pain.severity)),
        ]
        evidence = {
            "customer said": Action.PAIN_SAID,
            "observed behaviour": Action.PAIN_OBSERVED,
            "internal": Action.PAIN_INTERNAL,
        }
        if pain.source:
            clicks.append((evidence[pain.source], str(pain_id)))
        for action_id, value in clicks:
            self._ok(
                self.ws.block_action(
                    pain.reporter, action_id, value, channel=ROADMAP, message_ts=ts
                ),
                f"the {action_id} control of the /pain confirmation",
            )
            self.runtime.drain(timeout=30)
        said = pain.source or "evidence unknown"
        say(f"{self._first(pain.reporter)} (/pain, {said}): {pain.text}")

    def propose(
        self, ideas: Iterable[script.Idea], pains: Sequence[script.Pain], say: Callable[[str], None]
    ) -> dict[str, int]:
        stored = self.services.store.pains.all(self._team_id())
        by_text = {p.text: p.id for p in stored}
        keys: dict[str, int] = {}
        for idea in ideas:
            # `idea.pains` index the whole script; a shorter week links those it played.
            pain_ids = [
                str(by_text[script.PAINS[i].text])
                for i in idea.pains
                if script.PAINS[i].text in by_text
            ]
            self._ok(self.ws.slash(idea.proposer, Command.IDEA, idea.title), "/idea")
            self._submit(
                idea.proposer,
                View.IDEA,
                {
                    Block.TITLE: idea.title,
                    Block.DESCRIPTION: idea.description,
                    Block.OWNING_TEAM: idea.team,
                    Block.PAIN_POINTS: pain_ids,
                    Block.IMPACT: str(idea.impact),
                    Block.COMPLEXITY: str(idea.complexity),
                    Block.WEEKS: f"{idea.weeks:g}",
                },
            )
            self.runtime.drain(timeout=30)
            newest = max(self.services.store.ideas.all(self._team_id()), key=lambda i: i.id or 0)
            keys[idea.key] = newest.id
            say(f"{self._first(idea.proposer)} proposes: {idea.title}")
        return keys

    def _team_id(self) -> str:
        return self.services.store.workspaces()[0]

    def _card(self, idea_id: int) -> StoredIdea:
        self.runtime.drain(timeout=30)
        idea = self.services.store.ideas.get(self._team_id(), idea_id)
        if not idea.card_ts:
            raise DemoError(f"idea #{idea_id} has no card in the roadmap channel")
        return idea

    def vote(
        self, votes: Iterable[script.Vote], ideas: Mapping[str, int], say: Callable[[str], None]
    ) -> None:
        for vote in votes:
            if vote.idea not in ideas:
                continue
            card = self._card(ideas[vote.idea])
            who = self._first(vote.person)
            if vote.how == "reply":
                self._ok(
                    self.ws.reply_in_thread(
                        vote.person, card.card_channel, card.card_ts, vote.text
                    ),
                    "a thread reply",
                )
                say(f'{who} replies "{vote.text}" on #{card.id}')
            elif vote.how == "button":
                self._ok(
                    self.ws.block_action(
                        vote.person,
                        Action.IDEA_SUPPORT,
                        str(card.id),
                        channel=card.card_channel,
                        message_ts=card.card_ts,
                    ),
                    "the +1 button",
                )
                say(f"{who} clicks +1 on #{card.id}")
            elif vote.how == "react":
                self._ok(
                    self.ws.react(vote.person, card.card_channel, card.card_ts, "+1"), "a reaction"
                )
                say(f"{who} reacts :+1: to #{card.id}")
            elif vote.how == "estimate":
                self._ok(
                    self.ws.block_action(
                        vote.person,
                        Action.IDEA_ESTIMATE,
                        str(card.id),
                        channel=card.card_channel,
                        message_ts=card.card_ts,
                    ),
                    "the Estimate button",
                )
                self._submit(
                    vote.person,
                    View.ESTIMATE,
                    {
                        Block.IMPACT: str(vote.impact),
                        Block.COMPLEXITY: str(vote.complexity),
                        Block.WEEKS: f"{vote.weeks:g}",
                    },
                )
                say(f"{who} estimates #{card.id}: impact {vote.impact}, effort {vote.weeks:g}w")
        self.runtime.drain(timeout=30)

    def merge(self, ideas: Mapping[str, int], say: Callable[[str], None]) -> None:
        if "invites-dup" not in ideas or "invites" not in ideas:
            say("no duplicate in this week")
            return
        leader = self._leader()
        card = self._card(ideas["invites-dup"])
        self._ok(
            self.ws.block_action(
                leader,
                Action.IDEA_ADMIN,
                str(card.id),
                channel=card.card_channel,
                message_ts=card.card_ts,
            ),
            "the admin button",
        )
        self._submit(leader, View.ADMIN, {Block.MERGE_INTO: str(ideas["invites"])})
        self.runtime.drain(timeout=30)
        say(f"{self._first(leader)} merges #{ideas['invites-dup']} into #{ideas['invites']}")

    def _leader(self) -> str:
        return next(p.id for p in self.people.values() if p.admin)

    def ship(
        self, key: str, ideas: Mapping[str, int], start: datetime, say: Callable[[str], None]
    ) -> None:
        if key not in ideas:
            say("nothing ships in this week")
            return
        self.clock.to_day(start, SHIP_DAY)
        leader = self._leader()
        card = self._card(ideas[key])
        self._ok(
            self.ws.block_action(
                leader,
                Action.IDEA_ADMIN,
                f"status:{card.id}",
                channel=card.card_channel,
                message_ts=card.card_ts,
            ),
            "the admin button",
        )
        self._submit(leader, View.ADMIN, {Block.STATUS: "Done"})
        self.runtime.drain(timeout=30)
        say(f"{self._first(leader)} marks #{card.id} {card.title} Done")

    def survey(
        self,
        jobs: Jobs,
        key: str,
        ideas: Mapping[str, int],
        start: datetime,
        say: Callable[[str], None],
    ) -> None:
        """The survey job runs once it is due; the people asked answer in their DMs."""
        if key not in ideas:
            say("nothing shipped to ask about")
            return
        self.clock.to_day(start, SHIP_DAY + SURVEY_AFTER_DAYS)
        jobs.ask_if_better(now=self.clock())
        self.runtime.drain(timeout=30)
        buttons = {
            "yes": Action.SURVEY_YES,
            "not yet": Action.SURVEY_NOT_YET,
            "worse": Action.SURVEY_WORSE,
        }
        for user, answer in script.SURVEY_ANSWERS.items():
            asked = [
                m for m in self.slack.dms(user) if "Is this better now?" in (m.get("text") or "")
            ]
            if not asked:
                raise DemoError(f"{user} was not asked whether #{ideas[key]} made it better")
            dm = asked[-1]
            self._ok(
                self.ws.block_action(
                    user,
                    buttons[answer],
                    str(ideas[key]),
                    channel=dm["channel"],
                    message_ts=dm["ts"],
                ),
                "an answer to Is this better now?",
            )
            self.runtime.drain(timeout=30)
            say(f"{self._first(user)} answers {answer}")
        self.clock.to_day(start, DEMO_DAYS)

    def leader_edit(
        self, notion: NotionEmulator, ideas: Mapping[str, int], say: Callable[[str], None]
    ) -> None:
        key = "first-run" if "first-run" in ideas else next(iter(ideas))
        idea_id = ideas[key]
        for page in notion.pages():
            props = page.get("properties", {})
            if property_text(props.get("Idea ID")) in (str(idea_id), f"#{idea_id}"):
                status = props.get("Status", {})
                kind = status.get("type", "select")
                notion.edit_page_as_user(page["id"], {"Status": {kind: {"name": "In progress"}}})
                say(f"moves “{property_text(props.get('Name'))}” to In progress")
                return
        raise DemoError(f"idea #{idea_id} has no page in the Notion roadmap")


def fill(modal: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the state values Slack would send for `modal` filled in with `answers`.

    `answers` maps block ids to a value: text for inputs, an option value (or its text)
    for selects, a list for multi-selects. Inputs not answered keep their initial value.
    """
    values: dict[str, dict[str, Any]] = {}
    for block in modal.get("blocks", ()):
        if block.get("type") != "input":
            continue
        block_id = block.get("block_id", "")
        element = block.get("element", {})
        kind = element.get("type", "")
        action_id = element.get("action_id", block_id)
        answer = answers.get(block_id)
        state: dict[str, Any] = {"type": kind}
        if kind in ("plain_text_input", "number_input", "url_text_input", "email_text_input"):
            state["value"] = str(answer) if answer is not None else element.get("initial_value")
        elif kind in ("static_select", "external_select", "radio_buttons"):
            option = (
                _option(element, answer) if answer is not None else element.get("initial_option")
            )
            state["selected_option"] = option
        elif kind in ("multi_static_select", "multi_external_select", "checkboxes"):
            chosen = answer if answer is not None else []
            state["selected_options"] = [_option(element, v) for v in chosen] or element.get(
                "initial_options", []
            )
        else:
            continue
        values[block_id] = {action_id: state}
    return values


def _options(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    options = list(element.get("options", ()))
    for group in element.get("option_groups", ()):
        options.extend(group.get("options", ()))
    return options


def _option(element: Mapping[str, Any], answer: Any) -> dict[str, Any]:
    wanted = str(answer)
    for option in _options(element):
        text = option.get("text", {}).get("text", "")
        if wanted in (option.get("value"), text) or wanted.casefold() == text.casefold():
            return dict(option)
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": wanted}, "value": wanted}
    raise DemoError(f"no option {wanted!r} in {element.get('action_id')}")


def _write_outputs(
    out_dir: Path,
    services: Services,
    slack: SlackEmulator,
    notion: NotionEmulator,
    people: Mapping[str, script.Person],
) -> None:
    names = {p.id: f"@{p.name.split()[0]}" for p in people.values()}

    def name_of(some_id: str) -> str:
        if some_id in names:
            return names[some_id]
        channel = slack.channel_name(some_id)
        return f"#{channel}" if channel else some_id

    (out_dir / "slack-transcript.md").write_text(
        # The private answers to slash commands and buttons go to response_urls, not the
        # Web API: merged in by time, so the transcript shows what each person saw.
        transcript(
            sorted([*slack.calls, *slack.response_calls], key=lambda c: c.at), name_of=name_of
        ),
        encoding="utf-8",
    )
    (out_dir / "roadmap.html").write_text(_roadmap_html(notion), encoding="utf-8")


def _roadmap_html(notion: NotionEmulator) -> str:
    root = notion.root_page_id
    summary = None
    roadmap_source = None
    for block in notion.blocks(root):
        if (
            block.get("type") == "child_page"
            and "roadmap" in block["child_page"].get("title", "").lower()
        ):
            summary = block
        if (
            block.get("type") == "child_database"
            and "roadmap" in block["child_database"].get("title", "").lower()
        ):
            database = notion.database(block["id"])
            if database and database.get("data_sources"):
                roadmap_source = database["data_sources"][0]["id"]
    summary_blocks = notion.blocks(summary["id"]) if summary else []
    pages = notion.pages(roadmap_source) if roadmap_source else []
    return render_page(
        title="Journey roadmap",
        summary_blocks=summary_blocks,
        children=notion.blocks,
        roadmap_pages=pages,
    )
