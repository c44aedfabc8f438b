"""Fixtures for the Slack tests: the real Bolt app, over HTTP and over Socket Mode.

Each `bot` is the app `journeybot run` would build, its WebClient pointed at a
`SlackEmulator` that grants exactly the scopes in manifest.yml. Every test that uses it
runs twice: once served over HTTP on a free local port, once connected to the emulator
through the real `SocketModeHandler`. Tests of the HTTP endpoint itself run once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fleet import Fleet, start_fleet
from slack_bolt import App
from slack_helpers import BOSS, CHANNEL, PEOPLE, SECRET, Bot, BotFactory, manifest_scopes

from bot.config import AppConfig, Settings, SlackConfig
from bot.sandbox.slack import SlackEmulator, Workspace
from bot.services import Services
from bot.slack.app import build_app
from bot.slack.http_server import serve_http
from bot.slack.runtime import Runtime
from bot.slack.socket_mode import connect_socket_mode
from prioritize.config import JourneyConfig
from storage.store import Store

TRANSPORTS = ("http", "socket_mode")
HTTP_ONLY = frozenset({"test_http", "test_manifest"})
"""Modules about the HTTP endpoint (signatures, url_verification, sizes): HTTP only."""
SOCKET_MODE_ONLY = frozenset({"test_socket_mode"})
"""Modules about the Socket Mode connection itself."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "transport" in metafunc.fixturenames:
        module = metafunc.module.__name__.rpartition(".")[2]
        if module in HTTP_ONLY:
            metafunc.parametrize("transport", ["http"])
        elif module in SOCKET_MODE_ONLY:
            metafunc.parametrize("transport", ["socket_mode"])
        else:
            metafunc.parametrize("transport", TRANSPORTS)


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
def make_bot(
    slack: SlackEmulator, tmp_path: Path, clock: Any, transport: str
) -> Iterator[BotFactory]:
    """Return a factory: make_bot(journey=..., **slack_config) starts a bot."""
    started: list[tuple[Callable[[], None], Runtime, Store]] = []

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
        socket_mode = transport == "socket_mode"
        settings = Settings(
            slack_bot_token=slack.token,
            slack_signing_secret=None if socket_mode else SECRET,
            slack_app_token=slack.app_token if socket_mode else None,
            slack_api_url=slack.api_url,
            journeybot_db=tmp_path / "unused.db",
        )
        runtime = Runtime()
        app = build_app(settings, config, services, runtime=runtime, socket_mode=socket_mode)
        if socket_mode:
            stop, url = start_socket_mode(slack, app), ""
            people = Workspace.over_socket_mode(slack)
        else:
            server, url = serve_http(app, signing_secret=SECRET)
            stop, people = partial(stop_http, server), Workspace(slack, url, SECRET)
        started.append((stop, runtime, store))
        return Bot(slack, people, services, store, runtime, url, config)

    yield make
    for stop, runtime, store in started:
        stop()
        runtime.close(timeout=5)
        store.close()


def stop_http(server: Any) -> None:
    server.shutdown()
    server.server_close()


def start_socket_mode(slack: SlackEmulator, app: App) -> Callable[[], None]:
    """Connect `app` as `journeybot run` does (the real SocketModeHandler); return its stop."""
    opened = slack.socket_mode.connections_opened
    # A short ping interval: a link Slack closed is noticed (and reopened) within a second.
    handler = connect_socket_mode(app, slack.app_token, ping_interval=1)
    assert slack.socket_mode.wait_for_connections(opened + 1), "Socket Mode did not connect"
    return partial(slack.socket_mode.hang_up, handler.client)


@pytest.fixture
def bot(make_bot: BotFactory) -> Bot:
    return make_bot()


@pytest.fixture
def fleet(slack: SlackEmulator, tmp_path: Path, clock: Any, transport: str) -> Iterator[Fleet]:
    """journeybot with Slack's install flow on, installed in no workspace yet."""
    stops: list[Callable[[], None]] = []
    yield start_fleet(slack, tmp_path, clock, transport, stops)
    for stop in stops:
        stop()
