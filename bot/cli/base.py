"""What every `journeybot` command shares: the Typer app, its consoles, and one context.

`context` builds settings, config and services once and turns the errors a user can fix
into one line on stderr and exit 2 (`fail`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from prioritize.config import InvalidInput

from ..config import AppConfig, ConfigError, Settings, load_config, load_settings
from ..services import NotAllowed, NotFound, NotSaved, Services

__all__ = [
    "Context",
    "WorkspaceOption",
    "app",
    "context",
    "err",
    "fail",
    "main",
    "out",
    "pick_workspace",
    "progress_bar",
]

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

    from ..workspace_settings import WorkspaceDefaults

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
                default_channel=None if settings.oauth else config.slack.roadmap_channel,
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


def progress_bar() -> Progress:
    """A transient progress bar on stderr, so stdout keeps only the command's answer."""
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
