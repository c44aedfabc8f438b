"""`journeybot demo`: the scripted week, then what it left (roadmap, questions, heat)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from ..tables import heat_table, questions_tables, roadmap
from .base import app, fail, out

if TYPE_CHECKING:
    from ..demo import DemoResult

__all__ = ["demo_command", "show_demo"]


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

    from ..demo import DemoError, FolderInUse, check_out_dir, run_demo

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
