"""`journeybot doctor`: the settings, the database and the config, checked before going live."""

from __future__ import annotations

import typer
from rich.markup import escape

from ..config import ConfigError, load_settings
from .base import app, fail, out

__all__ = ["doctor_command"]


@app.command("doctor")
def doctor_command() -> None:
    """Check the Slack and Notion settings, the database and the config before going live."""
    from ..doctor import run_checks

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
