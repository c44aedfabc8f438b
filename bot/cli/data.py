"""The data in and out: `export`, `import`, `purge` and `backup`."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from prioritize.config import InvalidInput

from .base import WorkspaceOption, app, context, err, fail, out, pick_workspace, progress_bar

__all__ = ["backup_command", "export_command", "import_command", "purge_command"]


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
    from ..transfer import export_csv, export_data

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
    from ..transfer import plan_import, read_csv, read_json, run_import

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
        with progress_bar() as progress:
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
