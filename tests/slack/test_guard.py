"""Only the workspace the bot is installed in is served; scheduled jobs act for it alone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from slack_helpers import TEAM, Bot

from bot.config import AppConfig, Settings
from bot.jobs import Jobs
from bot.services import Services
from bot.slack.guard import Installation


def test_a_request_from_another_workspace_is_refused_and_nothing_is_stored(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    other = bot.people_of("T0OTHER")
    with caplog.at_level(logging.WARNING):
        reply = other.slash("U0EVE", "/pain", "Checkout fails")
    bot.settle()
    if not bot.people.socket_mode:
        assert reply.status == 403
    assert bot.store.pains.all("T0OTHER") == [] and bot.store.pains.all(TEAM) == []
    assert "T0OTHER" in caplog.text
    assert bot.slack.responses() == []


def test_the_installed_workspace_is_served(bot: Bot) -> None:
    reply = bot.people.slash("U0EVE", "/pain", "Checkout fails")
    assert reply.status == 200
    bot.settle()
    assert len(bot.store.pains.all(TEAM)) == 1


@pytest.mark.parametrize(
    ("installation", "team", "enterprise", "served"),
    [
        (Installation("T1"), "T1", None, True),
        (Installation("T1"), "T2", None, False),
        (Installation("T1", "E1"), "T2", "E1", False),
        (Installation("T1", "E1", org_wide=True), "T2", "E1", True),
        (Installation("T1", "E1", org_wide=True), "T2", "E2", False),
    ],
)
def test_an_org_wide_install_serves_its_whole_org_and_nothing_else(
    installation: Installation, team: str, enterprise: str | None, served: bool
) -> None:
    assert installation.covers(team, enterprise) is served


def test_the_digest_of_the_running_bot_covers_its_own_workspace_only(services: Services) -> None:
    services.propose_idea(TEAM, "U1", "Ours")
    services.propose_idea("T0OTHER", "U9", "Theirs, in the same database")
    jobs = Jobs(Settings(), AppConfig(), services, team_id=TEAM)
    written = jobs.post_digest(now=datetime.now(UTC))
    assert list(written) == [TEAM]
    digests = [e for e in services.outbox.take(now=datetime.now(UTC)) if e.kind == "digest"]
    assert [e.team_id for e in digests] == [TEAM]
    assert "Theirs" not in digests[0].payload["text"]
