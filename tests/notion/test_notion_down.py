"""Notion down for an hour: each failed sync is one log line, Slack keeps working, and the
first sync after Notion is back catches up on everything."""

from __future__ import annotations

import logging
import time

import pytest
from notion_helpers import TEAM, make_client, make_sync, rows_by_id, seed
from slack_sdk import WebClient

from bot.config import AppConfig, Settings
from bot.jobs import Jobs
from bot.sandbox.notion import NotionEmulator
from bot.sandbox.slack import SlackEmulator
from bot.services import Services
from bot.slack.outbound import Outbound

SYNCS_IN_AN_HOUR = 12
"""The periodic sync runs every 5 minutes: an hour without Notion is twelve failed syncs,
run here back to back instead of waiting for the clock."""


def test_notion_down_for_an_hour_is_one_line_per_sync_slack_keeps_working_then_it_catches_up(
    notion: NotionEmulator,
    services: Services,
    slack: SlackEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ws = seed(services, ideas=2, pains=2)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        notion_token=notion.token,
        notion_parent_page_id=notion.root_page_id,
        notion_api_url=notion.base_url,
    )
    jobs = Jobs(settings, AppConfig(), services, notion_client=make_client(notion))
    assert jobs.sync_now()[TEAM].created == 4
    services.default_channel = "C0ROADMAP"
    client = WebClient(token=slack.token, base_url=slack.api_url)
    outbound = Outbound(services, client, per_day=3, poll=0.05)
    outbound.start()
    notion.set_down()
    try:
        with caplog.at_level(logging.WARNING, logger="bot.jobs"):
            for hour in range(SYNCS_IN_AN_HOUR):
                # People go on working in Slack meanwhile.
                services.support(TEAM, ws.ideas[0].id or 0, f"U0H{hour:02d}")
                assert jobs.sync_now() == {}
            idea = services.propose_idea(TEAM, "U0BEN", "Cache the pricing page")
            deadline = time.monotonic() + 10
            while not services.idea(TEAM, idea.id or 0).card_ts and time.monotonic() < deadline:
                time.sleep(0.02)
        failures = [r.getMessage() for r in caplog.records if r.name == "bot.jobs"]
        assert len(failures) == SYNCS_IN_AN_HOUR  # one line per failed sync, no traceback
        assert all(r.exc_info is None for r in caplog.records)
        assert failures[0].startswith(f"Notion sync of {TEAM} failed (")
        assert "Slack keeps working and the next sync catches up" in failures[0]
        assert "unavailable" in failures[0].lower()
        assert services.idea(TEAM, idea.id or 0).card_ts  # Slack got its card all the same
    finally:
        notion.set_down(False)
        outbound.close()
    report = jobs.sync_now()[TEAM]
    assert report.created == 1  # the idea proposed during the outage
    reader = make_sync(services, make_client(notion), notion)
    pages = rows_by_id(notion, reader)
    assert pages[ws.ideas[0].id or 0][0]["properties"]["Supporters"]["number"] == len(
        services.store.votes.supporters(ws.ideas[0].id or 0)
    )
    assert set(pages) == {i.id for i in services.store.ideas.all(TEAM)}
    jobs.shutdown()
