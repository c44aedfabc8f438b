"""People by name in Notion: the sync asks Slack (through the outbox) who is who, and the
pages show Slack's display names in Reporter and Proposed by instead of user ids."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from notion_helpers import IDEA, PAIN, TEAM, page_of, plain
from slack_sdk import WebClient

from bot.notion.sync import RoadmapSync
from bot.people import display_name
from bot.sandbox.notion import NotionEmulator
from bot.sandbox.slack import SlackEmulator
from bot.services import Services
from bot.slack.outbound import Outbound


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        emulator.add_user("U0DEV", name="dev", real_name="Dev Patel", display_name="")
        yield emulator


def deliver(services: Services, slack: SlackEmulator) -> None:
    """Run the bot's courier until the outbox is empty."""
    client = WebClient(token=slack.token, base_url=slack.api_url)
    outbound = Outbound(services, client, per_day=3, poll=0.05).start()
    try:
        deadline = time.monotonic() + 10
        while services.outbox.backlog(TEAM, scheduled=False) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        outbound.close()


def looked_up(services: Services) -> list[str]:
    rows = services.store.db.execute(
        "select payload from outbox where kind = 'person_name' order by id"
    ).fetchall()
    return [json.loads(p)["user"] for (p,) in rows]


def test_reporters_and_proposers_show_by_slack_name_in_notion(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, slack: SlackEmulator
) -> None:
    pain = services.log_pain_point(TEAM, "U0CHLOE", "Refunds take a month", stage="Purchase").pain
    other = services.log_pain_point(TEAM, "U0DEV", "No invoice copy", stage="Purchase").pain
    idea = services.propose_idea(TEAM, "U0BEN", "Refund in a day", pain_point_ids=[pain.id or 0])
    sync.run()
    # Not named yet: the id, and one look-up each in the outbox (once, however many syncs).
    assert plain(notion.page(page_of(sync, pain.id or 0, PAIN))["properties"]["Reporter"]) == (
        "U0CHLOE"
    )
    sync.run()
    assert sorted(looked_up(services)) == ["U0BEN", "U0CHLOE", "U0DEV"]

    deliver(services, slack)
    assert services.people.names(TEAM) == {
        "U0BEN": "ben",
        "U0CHLOE": "chloe",
        "U0DEV": "Dev Patel",  # no display name: the real name
    }
    report = sync.run()
    assert report.updated == 3
    pages = {
        "chloe": notion.page(page_of(sync, pain.id or 0, PAIN)),
        "dev": notion.page(page_of(sync, other.id or 0, PAIN)),
        "idea": notion.page(page_of(sync, idea.id or 0, IDEA)),
    }
    assert plain(pages["chloe"]["properties"]["Reporter"]) == "chloe"
    assert plain(pages["dev"]["properties"]["Reporter"]) == "Dev Patel"
    assert plain(pages["idea"]["properties"]["Proposed by"]) == "ben"
    assert sync.run().updated == 0


def test_someone_slack_does_not_know_stays_an_id_and_is_not_asked_about_again(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, slack: SlackEmulator
) -> None:
    pain = services.log_pain_point(TEAM, "U0GONE", "The app logs me out", stage="Purchase").pain
    sync.run()
    deliver(services, slack)
    assert services.people.names(TEAM) == {}
    assert [c.params.get("user") for c in slack.calls_to("users.info")] == ["U0GONE"]
    sync.run()
    assert looked_up(services) == ["U0GONE"]
    assert plain(notion.page(page_of(sync, pain.id or 0, PAIN))["properties"]["Reporter"]) == (
        "U0GONE"
    )


def test_a_display_name_falls_back_to_the_real_name_then_the_handle() -> None:
    assert display_name({"name": "ada", "profile": {"display_name": "Ada P."}}) == "Ada P."
    assert display_name({"name": "ada", "profile": {"display_name": "", "real_name": "Ada"}}) == (
        "Ada"
    )
    assert display_name({"name": "ada", "profile": {}}) == "ada"
    assert display_name({}) == ""
