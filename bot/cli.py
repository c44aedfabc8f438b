"""`journeybot`: the command line.

Commands that only read or load the database need no Slack or Notion credentials.
Every failure the user can fix prints one line naming what is wrong and exits 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from prioritize.config import InvalidInput
from prioritize.outcomes import Outcome
from prioritize.questions import EffortRow, StageRow

from .config import AppConfig, ConfigError, Settings, load_config, load_settings
from .services import NotAllowed, NotFound, NotSaved, Services
from .tables import heat_table, questions_tables, roadmap

if TYPE_CHECKING:
    from .demo import DemoResult
    from .slack.run import Started

app = typer.Typer(
    help="journeybot: customer-journey pain points and a ranked roadmap, from Slack to Notion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

WorkspaceOption = Annotated[
    str | None,
    typer.Option("--workspace", "-w", help="Slack workspace id (team_id); default: the only one"),
]


@dataclass
class Context:
    settings: Settings
    config: AppConfig
    services: Services


def fail(message: str) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    # Messages quote what people typed, which must not be read as Rich markup ("[/]").
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@contextmanager
def context(*, readonly: bool = False, busy_timeout_ms: int | None = None) -> Iterator[Context]:
    """Build settings, config and services once, and turn known errors into one line.

    `readonly` opens an existing database for reading only: a missing file is an error,
    never a new empty database. `busy_timeout_ms` bounds how long a write waits for
    another process's lock before it is refused (NotSaved).
    """
    from storage.store import BUSY_TIMEOUT_MS, Store, open_database

    from .workspace_settings import WorkspaceDefaults

    try:
        settings = load_settings()
        config = load_config(settings.journeybot_config)
        spread = config.journey.scoring.disagree_spread
        store = (
            # One connection, read only: the command reads on this thread alone.
            Store(
                open_database(settings.journeybot_db, readonly=True),
                disagree_spread=spread,
                readonly=True,
            )
            if readonly
            # A connection per thread, as `journeybot run` serves requests on many.
            else Store.open(
                settings.journeybot_db,
                disagree_spread=spread,
                busy_timeout_ms=busy_timeout_ms or BUSY_TIMEOUT_MS,
            )
        )
    except (ConfigError, InvalidInput) as e:
        raise fail(str(e)) from None
    try:
        yield Context(
            settings,
            config,
            Services(
                store,
                config.journey,
                admins=frozenset(config.slack.admins),
                default_channel=config.slack.roadmap_channel,
                workspace_defaults=WorkspaceDefaults.from_settings(settings, config),
            ),
        )
    except (InvalidInput, NotAllowed, NotFound, ConfigError) as e:
        raise fail(str(e)) from None
    except NotSaved as e:
        raise fail(f"nothing was changed: {e}") from None
    finally:
        store.close()


def pick_workspace(services: Services, workspace: str | None, *, writing: bool = False) -> str:
    """Return the workspace to use; raises the Exit to raise when it is ambiguous."""
    if workspace:
        return workspace
    known = services.store.workspaces()
    if len(known) == 1:
        return known[0]
    if not known and not writing:
        return "-"  # an empty database: nothing to show in any workspace
    if not known:
        raise fail(
            "the database has no workspace yet; pass --workspace with your Slack team id"
            " (T...), which `journeybot doctor` prints"
        )
    raise fail(f"the database holds {len(known)} workspaces; pick one with --workspace")


RUN_BUSY_TIMEOUT_MS = 2000
"""How long the bot's writes wait for another process's lock: a write is stored before
Slack's answer, which must leave within 3 s, so past this the person is told "Not saved"."""


class LogFormat(StrEnum):
    AUTO = "auto"
    TEXT = "text"
    JSON = "json"


@app.command("run")
def run_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "0.0.0.0",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="HTTP port for Slack (ignored in Socket Mode)")
    ] = 3000,
    health_port: Annotated[
        int | None,
        typer.Option(
            min=0, max=65535, help="serve GET /healthz on this port too (for Socket Mode)"
        ),
    ] = None,
    log_format: Annotated[
        LogFormat,
        typer.Option(help="auto: JSON lines unless stdout is a terminal"),
    ] = LogFormat.AUTO,
    shutdown_timeout: Annotated[
        float, typer.Option(min=0, help="seconds to finish queued work on SIGTERM or Ctrl-C")
    ] = 10.0,
) -> None:
    """Start the Slack bot: Socket Mode if SLACK_APP_TOKEN is set, else HTTP at /slack/events.

    Stops cleanly on SIGTERM or Ctrl-C (exit 0); GET /healthz says whether it is well.
    """
    from .logs import setup_logging
    from .slack.run import run_bot

    with context(busy_timeout_ms=RUN_BUSY_TIMEOUT_MS) as ctx:
        setup_logging(log_format=log_format.value, secrets=_secret_values(ctx.settings))
        # Stopped while starting: nothing was running yet, so nothing to finish.
        with suppress(KeyboardInterrupt):
            run_bot(
                ctx.settings,
                ctx.config,
                ctx.services,
                host=host,
                port=port,
                health_port=health_port,
                on_start=[start_jobs],
                shutdown_timeout=shutdown_timeout,
            )
    _exit_if_stuck(grace=1.0)


def _exit_if_stuck(*, grace: float) -> None:
    """Exit 0 now if threads still work after the bounded shutdown (a long Notion sync).

    Python waits at exit for every thread of a `concurrent.futures` pool, daemon or not
    (APScheduler runs its jobs in one), however long its job takes; what they do is safe
    to cut short (a sync resumes on the next start).
    """
    import logging
    import os
    import threading
    import time

    deadline = time.monotonic() + grace
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    for thread in others:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in others if t.is_alive()]
    if stuck:
        logging.getLogger("bot.cli").warning(
            "journeybot: not waiting for %s; exiting", ", ".join(stuck)
        )
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _secret_values(settings: Settings) -> list[str]:
    """The secrets a log line must never show."""
    secrets = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.notion_token,
        settings.journeybot_secret_key,
    )
    return [s.get_secret_value() for s in secrets if s is not None]


def start_jobs(started: Started) -> Callable[[], None]:
    """Start the scheduler (Notion sync, weekly digest) beside the running bot."""
    from .health import last_sync, scheduler_alive
    from .jobs import Jobs

    jobs = Jobs(started.settings, started.config, started.services, team_id=started.team_id)
    jobs.start()
    started.checks["scheduler"] = scheduler_alive(lambda: jobs.scheduler.running)
    interval = timedelta(minutes=started.config.sync.interval_minutes)
    started.checks["notion_sync"] = last_sync(
        started.settings.journeybot_db,
        enabled=jobs.notion_enabled,
        # Three missed syncs in a row, and never less than a quarter of an hour (a sync of
        # a large roadmap at Notion's three requests a second takes minutes).
        stale_after=max(3 * interval, timedelta(minutes=15)),
        started_at=datetime.now(UTC),
    )
    return jobs.shutdown


@app.command("roadmap")
def roadmap_command(
    workspace: WorkspaceOption = None,
    limit: Annotated[int, typer.Option(min=0, help="show the top N ideas (0 for all)")] = 0,
) -> None:
    """Print the ranked roadmap: rank, score, bucket, quadrant, status, teams, breakdown."""
    with context(readonly=True) as ctx:
        team_id = pick_workspace(ctx.services, workspace)
        entries = ctx.services.roadmap(team_id)
        if not entries:
            out.print("No ideas yet. Propose one in Slack with /idea.")
            return
        out.print(roadmap(entries[: limit or None], width=out.width))


@app.command("repost")
def repost_command(
    idea: Annotated[int, typer.Argument(help="the idea whose card to post again")],
    workspace: WorkspaceOption = None,
) -> None:
    """Post an idea's card in the roadmap channel again (the running bot posts it)."""
    with context() as ctx:
        team_id = pick_workspace(ctx.services, workspace, writing=True)
        try:
            found = ctx.services.repost_card(team_id, idea, by="journeybot repost", admin=True)
        except (NotFound, InvalidInput) as e:
            raise fail(str(e)) from None
        out.print(
            f"Card of idea #{found.id} queued: the running bot posts it in the roadmap channel."
        )


@app.command("journey")
def journey_command(workspace: WorkspaceOption = None) -> None:
    """Print the journey heat table: open pain points, severity load, ideas per stage."""
    with context(readonly=True) as ctx:
        team_id = pick_workspace(ctx.services, workspace)
        out.print(heat_table(ctx.services.heat(team_id)))


class AnswerFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command("questions")
def questions_command(
    workspace: WorkspaceOption = None,
    format: Annotated[AnswerFormat, typer.Option("--format", "-f")] = AnswerFormat.TABLE,
    top: Annotated[int, typer.Option(min=1, help="rows per table")] = 10,
) -> None:
    """Answer the five journey questions: impact, effort, obstacles, stages, say versus do."""
    try:
        settings = load_settings()
    except ConfigError as e:
        raise fail(str(e)) from None
    path = Path(settings.journeybot_db)
    if str(path) != ":memory:" and not path.is_file():
        # Reading must not leave an empty database behind under a mistyped path.
        raise fail(f"no database at {path}; set JOURNEYBOT_DB to the bot's database file")
    with context(readonly=True) as ctx:
        team_id = pick_workspace(ctx.services, workspace)
        answers = ctx.services.questions(team_id).answers
    if format is AnswerFormat.JSON:
        sys.stdout.write(json.dumps(_plain(answers), indent=2, ensure_ascii=False) + "\n")
    else:
        out.print(questions_tables(answers, top=top))


def _plain(value: object) -> object:
    """Return `value` (the answers' dataclasses, enums, dates) as JSON-ready data."""
    if is_dataclass(value) and not isinstance(value, type):
        data = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        # Derived figures a script would otherwise recompute.
        if isinstance(value, StageRow):
            data["trend"] = value.trend
        elif isinstance(value, Outcome):
            data["before_per_week"] = value.before_per_week
            data["after_per_week"] = value.after_per_week
        elif isinstance(value, EffortRow):
            data["surprising"] = bool(value.kind and value.kind.surprising)
        return data
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@app.command("sync")
def sync_command(
    workspace: WorkspaceOption = None,
    check_schema: Annotated[
        bool, typer.Option("--check-schema", help="also check and repair the Notion schema")
    ] = False,
    rehome: Annotated[
        bool,
        typer.Option(
            "--rehome",
            help="build the roadmap again under NOTION_PARENT_PAGE_ID (after it changed,"
            " or the databases were deleted), taking over what is already there",
        ),
    ] = False,
) -> None:
    """Sync the roadmap to Notion once, then print what changed and the requests it took."""
    from .jobs import env_home
    from .notion.client import NotionClient, NotionError
    from .notion.sync import RoadmapSync, SyncBusy
    from .workspace_settings import NOTION_PARENT

    with context() as ctx:
        team_id = pick_workspace(ctx.services, workspace, writing=True)
        own = ctx.services.workspace.of(team_id)
        if NOTION_PARENT in own.own:
            # The workspace's admins connected its own Notion on App Home.
            if own.notion is None:
                raise fail(
                    f"the Notion token of {team_id} cannot be decrypted with"
                    " JOURNEYBOT_SECRET_KEY; its admins must connect Notion again"
                )
            token, parent = own.notion.token.get_secret_value(), own.notion.parent_page_id
        else:
            if not ctx.settings.notion_token:
                raise fail("NOTION_TOKEN is not set: create an integration and set its secret")
            if not ctx.settings.notion_parent_page_id:
                raise fail("NOTION_PARENT_PAGE_ID is not set: share a page with the integration")
            token = ctx.settings.notion_token.get_secret_value()
            parent = ctx.settings.notion_parent_page_id
            home = env_home(ctx.services, parent)
            if home is not None and home != team_id:
                raise fail(
                    f"NOTION_PARENT_PAGE_ID holds the roadmap of {home}; an admin of {team_id}"
                    " connects its own Notion page on App Home"
                )
        client = NotionClient(
            token,
            base_url=ctx.settings.notion_api_url,
            requests_per_second=ctx.config.sync.requests_per_second,
        )
        sync = RoadmapSync(ctx.services, client, team_id=team_id, parent_page_id=parent)
        with _progress() as progress:
            task = progress.add_task("syncing to Notion", total=None)
            try:
                report = sync.run(
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                    check_schema=check_schema,
                    rehome=rehome,
                )
            except NotionError as e:
                raise fail(f"Notion sync failed: {e}") from None
            except SyncBusy as e:
                raise fail(f"{e}; try again when it is done") from None
            finally:
                client.close()
    out.print(
        f"Synced to Notion: {report.created} created, {report.updated} updated,"
        f" {report.archived} archived, {report.read_back} read back;"
        f" {report.requests} request{'s' * (report.requests != 1)} in {report.seconds:.1f} s",
        highlight=False,
    )
    if report.repaired:
        out.print(f"Repaired in Notion: {escape(', '.join(report.repaired))}", highlight=False)


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"


@app.command("export")
def export_command(
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.JSON,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="default: stdout")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Export the workspace as JSON (everything) or CSV (pain points and the ranked ideas).

    Either file can be imported again; JSON restores ideas, estimates and +1s as well.
    """
    from .transfer import export_csv, export_data

    with context(readonly=True) as ctx:
        team_id = pick_workspace(ctx.services, workspace)
        data = export_data(ctx.services, team_id)
    if format is Format.JSON:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = export_csv(data)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            raise fail(f"cannot write {output}: {e.strerror or e}") from None
        err.print(f"wrote {escape(str(output))}", highlight=False)


@app.command("import")
def import_command(
    file: Annotated[
        Path,
        typer.Argument(help="a journeybot export (JSON or CSV), or a CSV journey map with `text`"),
    ],
    workspace: WorkspaceOption = None,
    format: Annotated[
        Format | None, typer.Option("--format", "-f", help="default: from the file's content")
    ] = None,
) -> None:
    """Load pain points (and, from JSON, ideas with their votes). Checks all rows first.

    Rows the workspace already holds are counted, not added again, so a file can be
    imported twice. Rows are written in batches that let a running bot write in between.
    """
    from .transfer import plan_import, read_csv, read_json, run_import

    try:
        raw = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise fail(f"{file} does not exist") from None
    except UnicodeDecodeError:
        raise fail(f"{file} is not UTF-8 text") from None
    except OSError as e:
        raise fail(f"cannot read {file}: {e.strerror or e}") from None
    if format is None:
        format = Format.JSON if raw.lstrip().startswith("{") else Format.CSV
    try:
        source = read_json(raw) if format is Format.JSON else read_csv(raw)
    except InvalidInput as e:
        raise fail(f"{file}: {e}; nothing was imported") from None
    with context() as ctx:
        # A JSON export names its workspace: restore it there unless told otherwise.
        workspace = workspace or source.workspace
        team_id = pick_workspace(ctx.services, workspace, writing=True)
        try:
            plan = plan_import(ctx.services, team_id, source)
        except InvalidInput as e:
            raise fail(f"{file}: {e}; nothing was imported") from None
        total = len(plan.pains) + len(plan.ideas)
        with _progress() as progress:
            task = progress.add_task("importing", total=total)
            report = run_import(
                ctx.services,
                team_id,
                plan,
                progress=lambda done: progress.update(task, completed=done),
            )
    parts = [f"{report.pain_points} pain point{'s' * (report.pain_points != 1)}"]
    if format is Format.JSON:
        parts.append(f"{report.ideas} idea{'s' * (report.ideas != 1)}")
    line = f"Imported {' and '.join(parts)} into workspace {team_id}"
    if report.already:
        line += f"; {report.already} already imported"
    if report.skipped_idea_rows:
        line += (
            f"; {report.skipped_idea_rows} idea row{'s' * (report.skipped_idea_rows != 1)}"
            " skipped (ideas come back from a JSON export)"
        )
    out.print(escape(line + "."), highlight=False)


@app.command("purge")
def purge_command(
    workspace: Annotated[
        str, typer.Option("--workspace", "-w", help="Slack workspace id (team_id) to delete")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="do not ask for the typed confirmation")
    ] = False,
) -> None:
    """Delete everything journeybot holds about one workspace, in one transaction.

    Its pain points, ideas, votes, people, settings (the Notion token too), Notion
    bookkeeping and undelivered Slack messages; other workspaces are untouched. Pages
    already in Notion stay there. `journeybot export -w T...` first keeps a copy.
    """
    with context() as ctx:
        known = ctx.services.workspace.workspaces()
        if workspace not in known:
            raise fail(
                f"the database holds nothing of workspace {workspace}"
                f" (it knows {', '.join(known) or 'no workspace'})"
            )
        if not yes:
            typed = typer.prompt(
                f"This deletes every record of workspace {workspace} and cannot be undone."
                " Type its id to confirm",
                default="",
                show_default=False,
            )
            if typed.strip() != workspace:
                raise fail("the id typed does not match; nothing was deleted")
        deleted = ctx.services.workspace.purge(workspace)
    rows = sum(deleted.values())
    out.print(
        f"Deleted workspace {workspace}: {rows} row{'s' * (rows != 1)}"
        f" ({deleted.get('pain_points', 0)} pain points, {deleted.get('ideas', 0)} ideas).",
        highlight=False,
    )


@app.command("backup")
def backup_command(
    target: Annotated[Path, typer.Argument(help="file to write the copy to")],
) -> None:
    """Copy the database to TARGET safely, even while the bot is running."""
    import sqlite3

    with context(readonly=True) as ctx:
        if target.resolve() == Path(ctx.settings.journeybot_db).resolve():
            raise fail("the backup must go to another file than JOURNEYBOT_DB")
        if target.exists():
            raise fail(f"{target} exists already; choose a new file name")
        try:
            copy = sqlite3.connect(target)
            try:
                ctx.services.store.db.conn.backup(copy)
            finally:
                copy.close()
        except sqlite3.Error as e:
            target.unlink(missing_ok=True)
            raise fail(f"cannot write the backup to {target}: {e}") from None
    out.print(f"Backed up {ctx.settings.journeybot_db} to {target}.")


@app.command("demo")
def demo_command(
    out_dir: Annotated[
        Path, typer.Option("--out", help="folder for the database, HTML, chart and transcript")
    ] = Path("journeybot-demo"),
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="connect the bot over Socket Mode, not HTTP")
    ] = False,
) -> None:
    """Play a scripted week against local Slack and Notion emulators and show the roadmap."""
    import logging

    from .demo import DemoError, FolderInUse, check_out_dir, run_demo

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        check_out_dir(out_dir)
    except FolderInUse as e:
        raise fail(str(e)) from None
    out.print(
        "[bold]journeybot demo[/]: local Slack and Notion emulators, the real bot over"
        f" {'Socket Mode' if socket_mode else 'HTTP'}, a month of people using Slack.\n"
    )
    try:
        result = run_demo(out_dir, console=out, socket_mode=socket_mode)
    except FolderInUse as e:
        raise fail(str(e)) from None
    except DemoError as e:
        raise fail(f"the demo stopped: {e}") from None
    try:
        show_demo(result, out, out_dir)
    finally:
        result.services.store.close()


def show_demo(result: DemoResult, console: Console, out_dir: Path) -> None:
    """Print what the demo's week left: the roadmap, the journey questions, the heat."""
    services, team_id = result.services, result.team_id
    console.print()
    console.print(
        roadmap(services.roadmap(team_id), width=console.width, title="The prioritized roadmap")
    )
    console.print()
    console.print("[bold]The journey questions[/]")
    console.print(questions_tables(services.questions(team_id).answers, top=5))
    console.print()
    console.print(heat_table(services.heat(team_id)))
    console.print()
    console.print(
        f"Requests made: [bold]{result.slack_requests}[/] to Slack,"
        f" [bold]{result.notion_requests}[/] to Notion, in {result.seconds:.0f} s."
    )
    console.print(f"Written to {out_dir}/:")
    for name, what in (
        ("journeybot.db", "the SQLite database"),
        ("roadmap.html", "the Notion summary page and roadmap, as leaders see them"),
        ("digest-chart.png", "the weekly digest's impact-versus-effort chart"),
        ("slack-transcript.md", "everything the bot said in Slack"),
    ):
        console.print(f"  {name:<20} {what}")


@app.command("doctor")
def doctor_command() -> None:
    """Check the Slack and Notion settings, the database and the config before going live."""
    from .doctor import run_checks

    try:
        settings = load_settings()
    except ConfigError as e:
        raise fail(str(e)) from None
    checks = run_checks(settings)
    for check in checks:
        mark = "[green]ok [/]" if check.ok else "[bold red]fix[/]"
        detail = escape(check.detail)  # tokens and paths are not Rich markup
        out.print(f"{mark} {check.name}: {detail}", highlight=False, soft_wrap=True)
    failed = sum(not c.ok for c in checks)
    if failed:
        out.print(f"{failed} thing{'s' * (failed > 1)} to fix before going live.")
        raise typer.Exit(1)
    out.print("Ready to go live.")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    )


def main() -> None:
    """Entry point of the `journeybot` console script."""
    app()


__all__ = ["app", "main"]
