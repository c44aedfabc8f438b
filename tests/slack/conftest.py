"""Fixtures for the Slack tests: the real Bolt app served over HTTP, the Slack emulator.

Each `bot` is the app `journeybot run` would build, on a free local port, its WebClient
pointed at a `SlackEmulator` that grants exactly the scopes in manifest.yml.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_helpers import BOSS, CHANNEL, PEOPLE, SECRET, Bot, BotFactory, manifest_scopes

from bot.config import AppConfig, Settings, SlackConfig
from bot.sandbox.slack import SlackEmulator, Workspace
from bot.services import Services
from bot.slack.app import build_app
from bot.slack.run import serve_http
from bot.slack.runtime import Runtime
from prioritize.config import JourneyConfig
from storage.store import Store


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    users = {
        "U0ADA": {"name": "ada", "real_name": "Ada Park", "is_admin": True, "is_owner": True},
        BOSS: {"name": "boss", "real_name": "Bo Ss"},
        **{u: {"name": u[2:].lower()} for u in PEOPLE},
    }
    # Exactly the manifest's scopes: a Web API call the manifest does not allow fails.
    with SlackEmulator(users=users, scopes=manifest_scopes()) as emulator:
        yield emulator


@pytest.fixture
def make_bot(slack: SlackEmulator, tmp_path: Path, clock: Any) -> Iterator[BotFactory]:
    """Return a factory: make_bot(journey=..., **slack_config) starts a bot."""
    started: list[tuple[Any, Runtime, Store]] = []

    def make(journey: JourneyConfig | None = None, **slack_config: Any) -> Bot:
        slack_config = {
            "roadmap_channel": CHANNEL,
            "admins": [BOSS],
            "card_update_delay": 0.05,
            **slack_config,
        }
        config = AppConfig(journey=journey or JourneyConfig(), slack=SlackConfig(**slack_config))
        store = Store.open(tmp_path / f"bot{len(started)}.db")
        services = Services(
            store, config.journey, clock=clock, admins=frozenset(config.slack.admins)
        )
        settings = Settings(
            slack_bot_token=slack.token,
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
            journeybot_db=tmp_path / "unused.db",
        )
        runtime = Runtime()
        app = build_app(settings, config, services, runtime=runtime)
        server, url = serve_http(app)
        started.append((server, runtime, store))
        people = Workspace(slack, url, SECRET)
        return Bot(slack, people, services, store, runtime, url, config)

    yield make
    for server, runtime, store in started:
        server.shutdown()
        server.server_close()
        runtime.close(timeout=5)
        store.close()


@pytest.fixture
def bot(make_bot: BotFactory) -> Bot:
    return make_bot()
