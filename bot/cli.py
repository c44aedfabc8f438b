"""`journeybot`: the command line.

Commands that only read or load the database need no Slack or Notion credentials.
Every failure the user can fix prints one line naming what is wrong and exits 2.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from prioritize.config import InvalidInput

from .config import AppConfig, ConfigError, Settings, load_config, load_settings
from .services import NotAllowed, NotFound, Services
from .tables import heat_table, roadmap_table

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
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
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


@app.command("roadmap")
def roadmap_command(
    workspace: WorkspaceOption = None,
    limit: Annotated[int, typer.Option(help="show the top N ideas (0 for all)")] = 0,
) -> None:
    """Print the ranked roadmap: rank, score, bucket, quadrant, status, teams, breakdown."""
    with context() as ctx:
        team_id = pick_workspace(ctx.services, workspace)
        entries = ctx.services.roadmap(team_id)
        if not entries:
            out.print("No ideas yet. Propose one in Slack with /idea.")
            return
        out.print(roadmap_table(entries[: limit or None]))


@app.command("journey")
def journey_command(workspace: WorkspaceOption = None) -> None:
    """Print the journey heat table: open pain points, severity load, ideas per stage."""
    with context() as ctx:
        team_id = pick_workspace(ctx.services, workspace)
        out.print(heat_table(ctx.services.heat(team_id)))


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
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


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
    reader = csv.DictReader(io.StringIO(raw, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "text" not in header:
        raise fail(f"{file}: line 1: the header needs a `text` column (got {', '.join(header)})")
    unknown = [h for h in header if h not in (*IMPORT_COLUMNS, "team")]
    if unknown:
        raise fail(
            f"{file}: line 1: unknown column {unknown[0]!r}; known: {', '.join(IMPORT_COLUMNS)}"
        )
    reader.fieldnames = header
    rows = list(reader)
    with context() as ctx:
        team_id = pick_workspace(ctx.services, workspace, writing=True)
        with _progress() as progress:
            task = progress.add_task("checking rows", total=len(rows))

            def checked() -> Iterator[dict[str, str]]:
                for row in rows:
                    if None in row:
                        line = reader.line_num
                        raise InvalidInput(f"line {line}", "more cells than the header has")
                    yield row
                    progress.advance(task)

            try:
                stored = ctx.services.import_pain_points(team_id, checked())
            except InvalidInput as e:
                raise fail(f"{file}: {e}; nothing was imported") from None
    out.print(f"Imported {len(stored)} pain points into workspace {team_id}.")


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
        copy = sqlite3.connect(target)
        try:
            ctx.services.store.db.conn.backup(copy)
        finally:
            copy.close()
    out.print(f"Backed up {ctx.settings.journeybot_db} to {target}.")


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
        out.print(f"{mark} {check.name}: {check.detail}", highlight=False, soft_wrap=True)
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
