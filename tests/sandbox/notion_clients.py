"""Real notion-client instances pointed at the Notion emulator, for the sandbox tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from notion_client import Client

from bot.sandbox.notion import NotionEmulator


def client_for(emulator: NotionEmulator, auth: str | None = None, **options: Any) -> Client:
    """Return a real notion-client for the emulator.

    The emulator speaks plain HTTP, so the httpx client skips loading CA certificates,
    which would cost ~50 ms per client.
    """
    options.setdefault("retry", False)
    return Client(
        auth=auth or emulator.token,
        base_url=emulator.base_url,
        client=httpx.Client(verify=False),
        **options,
    )


class Later:
    """The wall clock, moved forward on demand (Notion shows page times to the minute)."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead

    def wait(self, **delta: float) -> None:
        self.ahead += timedelta(**delta)
