"""`journeybot run`: the bot, with the scheduler beside it, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack, suppress
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from ..config import Settings
from .base import app, context

if TYPE_CHECKING:
    from ..jobs import Jobs
    from ..slack.run import Started

__all__ = ["make_jobs", "run_command", "start_jobs"]


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
    from ..logs import installed_logging
    from ..slack.run import run_bot

    # The command's logging goes when it returns (a test runs several in one process); it
    # stays for the wait on stuck threads, which logs what it leaves behind.
    with ExitStack() as logs:
        with context(busy_timeout_ms=RUN_BUSY_TIMEOUT_MS) as ctx:
            secrets = _secret_values(ctx.settings)
            logs.enter_context(installed_logging(log_format=log_format.value, secrets=secrets))
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


def make_jobs(started: Started) -> Jobs:
    """Return the scheduler of the running bot (not started): with the install flow, it
    runs nothing for a workspace without an installation."""
    from ..jobs import Jobs

    installs = getattr(started.app, "installs", None)
    return Jobs(
        started.settings,
        started.config,
        started.services,
        team_id=started.team_id,
        installed=(lambda team: installs.covers(team, None)) if installs else None,
    )


def start_jobs(started: Started) -> Callable[[], None]:
    """Start the scheduler (Notion sync, weekly digest) beside the running bot."""
    from ..health import last_sync, scheduler_alive

    jobs = make_jobs(started)
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
