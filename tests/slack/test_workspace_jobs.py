"""The weekly digests of two workspaces: a channel Slack refuses stops only its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from helpers import wait_for
from slack_sdk import WebClient

from bot.config import AppConfig, Settings
from bot.jobs import Jobs
from bot.sandbox.slack import SlackEmulator
from bot.services import Effects, Services
from bot.slack.outbound import Outbound

T1, T2 = "T0001", "T0002"
SECOND = "C0SECOND"
GONE = "C0DELETED"
"""A channel deleted since an admin picked it: Slack answers channel_not_found."""
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def outbound(slack: SlackEmulator, services: Services) -> Iterator[Outbound]:
    started = Outbound(
        services, WebClient(token=slack.token, base_url=slack.api_url), per_day=3, poll=0.05
    ).start()
    yield started
    started.close()


def test_a_channel_slack_refuses_in_one_workspace_stops_no_other_workspaces_digest(
    slack: SlackEmulator, services: Services, outbound: Outbound
) -> None:
    slack.add_channel(SECOND, "second-roadmap")
    services.admins = frozenset({"U0BEN"})
    services.set_roadmap_channel(T1, GONE, by="U0BEN")
    services.set_roadmap_channel(T2, SECOND, by="U0BEN")
    services.log_pain_point(T1, "U0BEN", "Alpha checkout fails")
    services.log_pain_point(T2, "U0BEN", "Bravo checkout fails")
    wait_for(lambda: outbound.courier.idle(), timeout=10)
    written = Jobs(Settings(_env_file=None), AppConfig(), services).post_digest(now=NOW)  # type: ignore[call-arg]
    assert set(written) == {T1, T2}
    wait_for(lambda: services.outbox.backlog() == 0 and outbound.courier.idle(), timeout=10)
    failed = [(f["kind"], f["team_id"], f["error"]) for f in services.outbox.failures()]
    assert failed == [(Effects.DIGEST, T1, "channel_not_found")]
    [posted] = [m.get("text") or "" for m in slack.messages(SECOND)]
    assert posted.startswith("*Weekly roadmap digest*")
    assert "Alpha" not in posted
