"""Fixtures shared by the core tests: a real SQLite store on a temp file, and use cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.sandbox.slack import SlackEmulator
from bot.services import Services
from prioritize.config import JourneyConfig
from storage.store import Store

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
SETTINGS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "NOTION_TOKEN",
    "NOTION_PARENT_PAGE_ID",
    "NOTION_API_URL",
    "JOURNEYBOT_DB",
    "JOURNEYBOT_CONFIG",
    "JOURNEYBOT_SECRET_KEY",
)
"""Every environment variable journeybot reads."""


class Clock:
    """A clock that stands still until told to move, so stored timestamps are predictable."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def tick(self, **delta: float) -> datetime:
        self.now += timedelta(**delta or {"seconds": 1})
        return self.now


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    """The Slack emulator, with no people or channels beyond its defaults."""
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "journeybot.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store.open(db_path)
    yield s
    s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def journey() -> JourneyConfig:
    return JourneyConfig()


@pytest.fixture
def services(store: Store, journey: JourneyConfig, clock: Clock) -> Services:
    return Services(store, journey, clock=clock)


@pytest.fixture
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Nothing from the developer's shell or .env leaks in: no variable set, an empty folder."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def cli_db(clean_settings: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A database path in JOURNEYBOT_DB for `journeybot` commands, with no credentials set."""
    path = tmp_path / "journeybot.db"
    monkeypatch.setenv("JOURNEYBOT_DB", str(path))
    # Wide enough that table rows are not wrapped between the words a test looks for.
    monkeypatch.setenv("COLUMNS", "200")
    return path
