"""`journeybot run` as a real process for the end-to-end tests, pointed at the Slack emulator."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from helpers import free_port, wait_for

from bot.sandbox.slack import SlackEmulator

__all__ = ["start_bot"]

JOURNEYBOT = Path(sys.executable).with_name("journeybot")


def start_bot(
    slack: SlackEmulator,
    workdir: Path,
    *,
    secret: str,
    wrap: list[str] | None = None,
    db: Path | None = None,
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Start `journeybot run` (inside `wrap`, a command prefix) and wait until /healthz answers.

    Returns the process, the URL Slack posts events to, and the log file. Settings come
    from the environment alone: the developer's own Slack and Notion ones are left out.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NOTION_"))}
    env.update(
        SLACK_BOT_TOKEN=slack.token,
        SLACK_SIGNING_SECRET=secret,
        SLACK_API_URL=slack.api_url,
        JOURNEYBOT_DB=str(db or workdir / "journeybot.db"),
        JOURNEYBOT_CONFIG=str(workdir / "journeybot.toml"),
    )
    log = workdir / "journeybot.log"
    command = [str(JOURNEYBOT), "run", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*(wrap or []), *command],
        cwd=workdir,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(log.read_text())
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return True
        except OSError:
            return False

    wait_for(up, 30, every=0.05)
    return process, f"{base}/slack/events", log
