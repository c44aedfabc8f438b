"""Fixtures of the emulator tests: a Notion emulator and a real notion-client talking to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest
from notion_client import Client
from notion_clients import Later, client_for

from bot.sandbox.notion import NotionEmulator


@pytest.fixture
def later() -> Later:
    return Later()


@pytest.fixture
def emulator(later: Later) -> Iterator[NotionEmulator]:
    with NotionEmulator(rate_limit=None, clock=later) as notion:
        yield notion


@pytest.fixture
def client(emulator: NotionEmulator) -> Iterator[Client]:
    with closing(client_for(emulator)) as notion_client:
        yield notion_client
