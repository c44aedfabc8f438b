"""Fixtures shared by the core tests: a real SQLite store on a temp file, and use cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.services import Services
from prioritize.config import JourneyConfig
from storage.store import Store

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


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
