"""`journeybot`: the command line.

Commands that only read or load the database need no Slack or Notion credentials.
Every failure the user can fix prints one line naming what is wrong and exits 2.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from prioritize.config import InvalidInput

from .config import AppConfig, ConfigError, Settings, load_config, load_settings
from .services import NotAllowed, NotFound, Services
from .tables import heat_table, roadmap

if TYPE_CHECKING:
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
def context() -> Iterator[Context]:
    """Build settings, config and services once, and turn known errors into one line."""
    from storage.store import Store

    try:
        settings = load_settings()
        config = load_config(settings.journeybot_config)
        store = Store.open(
            settings.journeybot_db, disagree_spread=config.journey.scoring.disagree_spread
        )
    except (ConfigError, InvalidInput) as e:
        raise fail(str(e)) from None
    try:
        yield Context(
            settings,
            config,
            Services(store, config.journey, admins=frozenset(config.slack.admins)),
        )
    except (InvalidInput, NotAllowed, NotFound, ConfigError) as e:
        raise fail(str(e)) from None
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


@app.command("run")
def run_command(
    port: Annotated[int, typer.Option(help="HTTP port (ignored in Socket Mode)")] = 3000,
) -> None:
    """Start the Slack bot: Socket Mode if SLACK_APP_TOKEN is set, else HTTP at /slack/events."""
    import logging

    from .slack.run import run_bot

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with context() as ctx:
        run_bot(ctx.settings, ctx.config, ctx.services, port=port, on_start=[start_jobs])


def start_jobs(started: Started) -> Callable[[], None]:
    """Start the scheduler (Notion sync, weekly digest) beside the running bot."""
    from .jobs import Jobs

    jobs = Jobs(started.settings, started.config, started.services, slack_client=started.app.client)
    jobs.start()
    return jobs.shutdown


@app.command("roadmap")
def roadmap_command(
    workspace: WorkspaceOption = None,
    limit: Annotated[int, typer.Option(min=0, help="show the top N ideas (0 for all)")] = 0,
) -> None:
    """Print the ranked roadmap: rank, score, bucket, quadrant, status, teams, breakdown."""
    with context() as ctx:
        team_id = pick_workspace(ctx.services, workspace)
        entries = ctx.services.roadmap(team_id)
        if not entries:
            out.print("No ideas yet. Propose one in Slack with /idea.")
            return
        out.print(roadmap(entries[: limit or None], width=out.width))


@app.command("journey")
def journey_command(workspace: WorkspaceOption = None) -> None:
    """Print the journey heat table: open pain points, severity load, ideas per stage."""
    with context() as ctx:
        team_id = pick_workspace(ctx.services, workspace)
        out.print(heat_table(ctx.services.heat(team_id)))


@app.command("sync")
def sync_command(
    workspace: WorkspaceOption = None,
    check_schema: Annotated[
        bool, typer.Option("--check-schema", help="also check and repair the Notion schema")
    ] = False,
) -> None:
    """Sync the roadmap to Notion once, then print what changed and the requests it took."""
    from .notion.client import NotionClient, NotionError
    from .notion.sync import RoadmapSync, SyncBusy

    with context() as ctx:
        if not ctx.settings.notion_token:
            raise fail("NOTION_TOKEN is not set: create an integration and set its secret")
        if not ctx.settings.notion_parent_page_id:
            raise fail("NOTION_PARENT_PAGE_ID is not set: share a page with the integration")
        team_id = pick_workspace(ctx.services, workspace, writing=True)
        client = NotionClient.from_settings(
            ctx.settings, requests_per_second=ctx.config.sync.requests_per_second
        )
        sync = RoadmapSync(
            ctx.services, client, team_id=team_id, parent_page_id=ctx.settings.notion_parent_page_id
        )
        with _progress() as progress:
            task = progress.add_task("syncing to Notion", total=None)
            try:
                report = sync.run(
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                    check_schema=check_schema,
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


EXPORT_FIELDS = (
    "kind",
    "id",
    "title_or_text",
    "stage",
    "severity",
    "status",
    "rank",
    "score",
    "bucket",
    "quadrant",
    "teams",
    "pain_point_ids",
    "breakdown",
)


@app.command("export")
def export_command(
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.JSON,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="default: stdout")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Export pain points and the ranked ideas as CSV or JSON."""
    with context() as ctx:
        team_id = pick_workspace(ctx.services, workspace)
        data = export_data(ctx.services, team_id)
    if format is Format.JSON:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        for pain in data["pain_points"]:
            writer.writerow(
                {
                    "kind": "pain_point",
                    "id": pain["id"],
                    "title_or_text": pain["text"],
                    "stage": pain["stage"],
                    "severity": pain["severity"],
                    "status": pain["status"],
                }
            )
        for idea in data["ideas"]:
            writer.writerow(
                {
                    "kind": "idea",
                    "id": idea["id"],
                    "title_or_text": idea["title"],
                    "status": idea["status"],
                    "rank": idea["rank"],
                    "score": idea["score"],
                    "bucket": idea["bucket"] or "",
                    "quadrant": idea["quadrant"] or "",
                    "teams": ";".join(idea["teams"]),
                    "pain_point_ids": ";".join(map(str, idea["pain_point_ids"])),
                    "breakdown": idea["breakdown"],
                }
            )
        text = buffer.getvalue()
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as e:
            raise fail(f"cannot write {output}: {e.strerror or e}") from None
        err.print(f"wrote {escape(str(output))}", highlight=False)


def export_data(services: Services, team_id: str) -> dict[str, list[dict[str, object]]]:
    """Return the workspace's pain points and ranked ideas as plain JSON-ready dicts."""
    pains = [p.model_dump(mode="json") for p in services.store.pain_points(team_id)]
    ideas = []
    for entry in services.roadmap(team_id):
        s = entry.score
        ideas.append(
            {
                **entry.idea.model_dump(mode="json", exclude={"card_channel", "card_ts"}),
                "rank": entry.item.rank,
                "score": s.value,
                "bucket": entry.item.bucket.value if entry.item.bucket else None,
                "quadrant": s.quadrant.value if s.quadrant else None,
                "needs_estimates": s.needs_estimates,
                "teams": list(s.facts.consensus.teams),
                "breakdown": entry.breakdown,
            }
        )
    return {"pain_points": pains, "ideas": ideas}


IMPORT_COLUMNS = (
    "text",
    "stage",
    "touchpoint",
    "persona",
    "severity",
    "source",
    "link",
    "owning_team",
    "reporter",
)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV with a header row; `text` is required")],
    workspace: WorkspaceOption = None,
) -> None:
    """Bulk-load pain points from an existing journey map (CSV). All rows or none."""
    try:
        raw = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise fail(f"{file} does not exist") from None
    except UnicodeDecodeError:
        raise fail(f"{file} is not UTF-8 text") from None
    except OSError as e:
        raise fail(f"cannot read {file}: {e.strerror or e}") from None
    reader = csv.DictReader(io.StringIO(raw, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    twice = next((h for h in header if header.count(h) > 1), None)
    if twice is not None:
        # DictReader would keep only the last of the two columns, silently.
        raise fail(f"{file}: line 1: the column {twice!r} appears twice")
    if "text" not in header:
        raise fail(f"{file}: line 1: the header needs a `text` column (got {', '.join(header)})")
    unknown = [h for h in header if h not in (*IMPORT_COLUMNS, "team")]
    if unknown:
        raise fail(
            f"{file}: line 1: unknown column {unknown[0]!r}; known: {', '.join(IMPORT_COLUMNS)}"
        )
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    try:
        for row in _rows_with_lines(reader, lines):
            rows.append(row)
    except csv.Error as e:
        raise fail(f"{file}: line {reader.line_num}: {e}; nothing was imported") from None
    with context() as ctx:
        team_id = pick_workspace(ctx.services, workspace, writing=True)
        with _progress() as progress:
            task = progress.add_task("checking rows", total=len(rows))

            def checked() -> Iterator[dict[str, str]]:
                for line, row in zip(lines, rows, strict=True):
                    if None in row:
                        raise InvalidInput(f"line {line}", "more cells than the header has")
                    yield row
                    progress.advance(task)

            try:
                stored = ctx.services.import_pain_points(team_id, checked(), lines=lines)
            except InvalidInput as e:
                raise fail(f"{file}: {e}; nothing was imported") from None
    out.print(
        f"Imported {len(stored)} pain points into workspace {escape(team_id)}.", highlight=False
    )


@app.command("backup")
def backup_command(
    target: Annotated[Path, typer.Argument(help="file to write the copy to")],
) -> None:
    """Copy the database to TARGET safely, even while the bot is running."""
    import sqlite3

    with context() as ctx:
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

    from .demo import DemoError, run_demo

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out.print(
        "[bold]journeybot demo[/]: local Slack and Notion emulators, the real bot over"
        f" {'Socket Mode' if socket_mode else 'HTTP'}, a week of people using Slack.\n"
    )
    try:
        result = run_demo(out_dir, console=out, socket_mode=socket_mode)
    except DemoError as e:
        raise fail(f"the demo stopped: {e}") from None
    services, team_id = result.services, result.team_id
    try:
        out.print()
        out.print(
            roadmap(services.roadmap(team_id), width=out.width, title="The prioritized roadmap")
        )
        out.print()
        out.print(heat_table(services.heat(team_id)))
        out.print()
        out.print(
            f"Requests made: [bold]{result.slack_requests}[/] to Slack,"
            f" [bold]{result.notion_requests}[/] to Notion, in {result.seconds:.0f} s."
        )
        out.print(f"Written to {out_dir}/:")
        for name, what in (
            ("journeybot.db", "the SQLite database"),
            ("roadmap.html", "the Notion summary page and roadmap, as leaders see them"),
            ("digest-chart.png", "the weekly digest's impact-versus-effort chart"),
            ("slack-transcript.md", "everything the bot said in Slack"),
        ):
            out.print(f"  {name:<20} {what}")
    finally:
        services.store.close()


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


def _rows_with_lines(reader: csv.DictReader[str], lines: list[int]) -> Iterator[dict[str, str]]:
    """Yield the reader's rows, appending to `lines` the file line each one starts on.

    Counting rows is not enough: the reader skips blank lines, and a quoted cell may span
    several lines.
    """
    for row in reader:
        cells = [v for k, v in row.items() if k is not None and v] + list(row.get(None) or [])
        lines.append(reader.line_num - sum(cell.count("\n") for cell in cells))
        yield row


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
