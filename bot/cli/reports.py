"""What the database says: `roadmap`, `journey`, `questions`; and `repost` of a card."""

from __future__ import annotations

import json
import sys
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from prioritize.config import InvalidInput
from prioritize.outcomes import Outcome
from prioritize.questions import EffortRow, StageRow

from ..config import ConfigError, load_settings
from ..services import NotFound
from ..tables import heat_table, questions_tables, roadmap
from .base import WorkspaceOption, app, context, fail, out, pick_workspace

__all__ = ["journey_command", "questions_command", "repost_command", "roadmap_command"]


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
