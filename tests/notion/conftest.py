"""Fixtures for the Notion sync: the local Notion emulator over HTTP, the real notion-client
(through journeybot's wrapper), and the use cases on a real SQLite store.

Tests raise the emulator's rate limit and the client's limiter together so the suite runs
in seconds; the client stays below the emulator, as it stays below Notion's 3 per second.
Plain helpers (seeding, reading Notion back) are in `notion_helpers.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from notion_helpers import EMULATOR_RATE, make_client, make_sync

from bot.notion.client import NotionClient
from bot.notion.sync import RoadmapSync
from bot.sandbox.notion import NotionEmulator
from bot.services import Change, Services, StatusChange


@pytest.fixture
def notion() -> Iterator[NotionEmulator]:
    with NotionEmulator(rate_limit=EMULATOR_RATE, burst=5) as emulator:
        yield emulator


@pytest.fixture
def client(notion: NotionEmulator) -> Iterator[NotionClient]:
    c = make_client(notion)
    yield c
    c.close()


@pytest.fixture
def sync(services: Services, client: NotionClient, notion: NotionEmulator) -> RoadmapSync:
    return make_sync(services, client, notion)


@pytest.fixture
def events(services: Services) -> list[Change | StatusChange]:
    """Every change Services announced, in order."""
    seen: list[Change | StatusChange] = []
    services.subscribe(seen.append)
    return seen
