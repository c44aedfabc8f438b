"""Pain points two-way: a leader's triage in Notion comes back through the edit use cases.

Notion, the sync and the use cases share one clock that stands still until a test moves
it, so "which edit is later" is decided by the test, as Notion shows it (to the minute).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

import pytest
from notion_helpers import (
    EMULATOR_RATE,
    PAIN,
    TEAM,
    a_person,
    data_source,
    make_sync,
    page_of,
    seed,
)
from slack_sdk import WebClient

from bot.notion.client import NotionClient
from bot.notion.context import SyncReport
from bot.notion.sync import RoadmapSync
from bot.sandbox.notion import NotionEmulator
from bot.sandbox.slack import SlackEmulator
from bot.services import Services
from bot.slack.outbound import Outbound
from prioritize.models import PainStatus

REPORTER = "U0ADA"


class Ticking(Protocol):
    """The shared test clock (see tests/conftest.py)."""

    def __call__(self) -> datetime: ...

    def tick(self, **delta: float) -> datetime: ...


@pytest.fixture
def notion(clock: Ticking) -> Iterator[NotionEmulator]:
    with NotionEmulator(rate_limit=EMULATOR_RATE, burst=5, clock=clock) as emulator:
        yield emulator


@pytest.fixture
def sync(
    services: Services, client: NotionClient, notion: NotionEmulator, clock: Ticking
) -> RoadmapSync:
    s = make_sync(services, client, notion)
    s.clock = clock
    return s


def logged_pain(services: Services) -> int:
    """Seed a workspace and return a pain point of REPORTER's, linked to an idea."""
    seed(services, ideas=2, pains=2)
    pain = services.log_pain_point(
        TEAM,
        REPORTER,
        "Invoices arrive a week late",
        stage=services.journey.stages[3],
        severity=3,
    ).pain
    assert pain.id is not None
    services.propose_idea(TEAM, "U0BEN", "Send invoices at once", pain_point_ids=[pain.id])
    return pain.id


def pain_props(notion: NotionEmulator, sync: RoadmapSync, pain_id: int) -> dict[str, Any]:
    return notion.page(page_of(sync, pain_id, PAIN))["properties"]


def edit_in_both_places(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, clock: Ticking, *, last: str
) -> tuple[int, SyncReport]:
    """Sync a logged pain point, edit its severity to 5 in Notion and to 1 in Slack a minute
    apart (`last` names the later place), sync again: the pain point and the report."""
    pain_id = logged_pain(services)
    sync.run()

    def in_notion() -> None:
        notion.edit_page_as_user(page_of(sync, pain_id, PAIN), {"Severity": {"number": 5}})

    def in_slack() -> None:
        services.editing.edit_pain(TEAM, REPORTER, pain_id, severity=1)

    earlier, later = (in_slack, in_notion) if last == "notion" else (in_notion, in_slack)
    clock.tick(minutes=2)
    earlier()
    clock.tick(minutes=1)
    later()
    return pain_id, sync.run()


def status_set_in_notion(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, clock: Ticking, status: str
) -> int:
    """Sync a logged pain point, set its Status in Notion as a leader two minutes later and
    return the pain point's id."""
    pain_id = logged_pain(services)
    sync.run()
    clock.tick(minutes=2)
    notion.edit_page_as_user(page_of(sync, pain_id, PAIN), {"Status": {"select": {"name": status}}})
    return pain_id


def outbox(services: Services, kind: str) -> list[dict[str, Any]]:
    rows = services.store.db.execute(
        "select payload from outbox where kind = ? order by id", [kind]
    ).fetchall()
    return [json.loads(payload) for (payload,) in rows]


def test_a_leaders_triage_in_notion_is_applied_kept_in_the_history_and_redrawn_in_slack(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, clock: Ticking
) -> None:
    pain_id = logged_pain(services)
    sync.run()
    stages = services.journey.stages
    touchpoint = services.journey.touchpoints[0]
    clock.tick(minutes=2)
    notion.edit_page_as_user(
        page_of(sync, pain_id, PAIN),
        {
            "Severity": {"number": 5},
            "Journey stage": {"select": {"name": stages[1]}},
            "Touchpoint": {"select": {"name": touchpoint}},
        },
    )
    homes_before = len(outbox(services, "home"))

    report = sync.run()

    pain = services.pain_point(TEAM, pain_id)
    assert (pain.severity, pain.stage, pain.touchpoint) == (5, stages[1], touchpoint)
    assert report.read_back == 3 and report.overwritten == 0
    history = services.editing.history_of(TEAM, "pain", pain_id)
    assert {name for edit in history for name in edit["changes"]} == {
        "severity",
        "stage",
        "touchpoint",
    }
    assert all(edit["by"] == "Ada Product" for edit in history)
    changes = {name: change for edit in history for name, change in edit["changes"].items()}
    assert changes["severity"] == [3, 5] and changes["stage"] == [stages[3], stages[1]]
    # Slack follows: the reporter's App Home and the card of the idea it is linked to.
    # (one redraw per burst: the three edits coalesce into it)
    assert [h["user"] for h in outbox(services, "home")[homes_before:]] == [REPORTER]
    linked = services.store.ideas.for_pain_points([pain_id])[pain_id]
    assert {c["idea_id"] for c in outbox(services, "card")} >= set(linked)
    props = pain_props(notion, sync, pain_id)
    assert props["Severity"]["number"] == 5
    assert props["Journey stage"]["select"]["name"] == stages[1]
    assert sync.run().read_back == 0  # an edit is applied once


def test_a_stage_not_in_the_journey_map_is_refused_logged_and_put_back(
    notion: NotionEmulator,
    services: Services,
    sync: RoadmapSync,
    clock: Ticking,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pain_id = logged_pain(services)
    sync.run()
    page_id = page_of(sync, pain_id, PAIN)
    clock.tick(minutes=2)
    notion.edit_page_as_user(
        page_id,
        {"Journey stage": {"select": {"name": "Teleportation"}}, "Severity": {"number": 9}},
    )

    with caplog.at_level(logging.WARNING, logger="bot.notion.readback"):
        report = sync.run()

    assert report.read_back == 0 and report.overwritten == 2
    pain = services.pain_point(TEAM, pain_id)
    assert (pain.stage, pain.severity) == (services.journey.stages[3], 3)
    props = pain_props(notion, sync, pain_id)
    assert props["Journey stage"]["select"]["name"] == services.journey.stages[3]
    assert props["Severity"]["number"] == 3
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert any(page_id in line and "'Teleportation'" in line for line in refused)
    assert any(page_id in line and "9.0" in line for line in refused)
    assert services.editing.history_of(TEAM, "pain", pain_id) == []


@pytest.mark.parametrize(
    ("last", "wins", "said", "history", "read_back"),
    [
        ("slack", 1, "Slack's 1.0", [(REPORTER, [3, 1])], 0),
        ("notion", 5, "Notion's 5.0", [(REPORTER, [3, 1]), ("Ada Product", [1, 5])], 1),
    ],
    ids=["slack-later-is-written-back", "notion-later-and-slack-follows"],
)
def test_the_later_of_a_slack_and_a_notion_edit_wins_in_both_places(
    notion: NotionEmulator,
    services: Services,
    sync: RoadmapSync,
    clock: Ticking,
    caplog: pytest.LogCaptureFixture,
    last: str,
    wins: int,
    said: str,
    history: list[tuple[str, list[int]]],
    read_back: int,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.notion.readback"):
        pain_id, report = edit_in_both_places(notion, services, sync, clock, last=last)

    assert report.read_back == read_back
    assert services.pain_point(TEAM, pain_id).severity == wins
    assert pain_props(notion, sync, pain_id)["Severity"]["number"] == wins
    assert any(
        "edited in both places" in r.getMessage() and said in r.getMessage() for r in caplog.records
    )
    edits = services.editing.history_of(TEAM, "pain", pain_id)
    assert [(e["by"], e["changes"]["severity"]) for e in edits] == history


def test_a_quick_sync_reads_pain_points_back_before_it_writes_one(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, clock: Ticking
) -> None:
    pain_id = logged_pain(services)
    other = seed(services, ideas=1, pains=1).pains[0].id or 0
    sync.run()
    clock.tick(minutes=2)
    notion.edit_page_as_user(page_of(sync, pain_id, PAIN), {"Severity": {"number": 5}})
    idea = services.store.ideas.all(TEAM)[0]
    services.support(TEAM, idea.id or 0, "U0NEW")
    assert sync.run(full=False).read_back == 0  # a vote writes no pain page: not read
    assert services.pain_point(TEAM, pain_id).severity == 3
    clock.tick(minutes=1)
    services.editing.edit_pain(TEAM, "U0", other, text="Customers struggle a lot")
    assert sync.run(full=False).read_back == 1  # about to write one: read first
    assert services.pain_point(TEAM, pain_id).severity == 5


def test_a_pain_point_closed_in_notion_is_closed_and_its_reporter_is_told_in_slack(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, clock: Ticking
) -> None:
    pain_id = status_set_in_notion(notion, services, sync, clock, "Closed")
    assert sync.run().read_back == 1
    assert services.pain_point(TEAM, pain_id).status is PainStatus.CLOSED
    assert outbox(services, "pain_closed") == [
        {"pain_id": pain_id, "by": "Ada Product", "source": "notion"}
    ]

    with SlackEmulator() as slack:
        slack.add_user(REPORTER, name="ada")
        client = WebClient(token=slack.token, base_url=slack.api_url)
        outbound = Outbound(services, client, per_day=3, poll=0.05).start()
        try:
            deadline = time.monotonic() + 10
            while not slack.dms(REPORTER) and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            outbound.close()
        texts = [json.dumps(m.get("blocks")) for m in slack.dms(REPORTER)]
    assert any(
        f"closed your pain point *#{pain_id}* in Notion" in t and "Ada Product" in t for t in texts
    )


def test_a_status_notion_may_not_set_is_refused_and_put_back(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, clock: Ticking
) -> None:
    pain_id = status_set_in_notion(notion, services, sync, clock, "Withdrawn")
    report = sync.run()
    assert report.overwritten == 1
    assert services.pain_point(TEAM, pain_id).status is PainStatus.OPEN
    assert pain_props(notion, sync, pain_id)["Status"]["select"]["name"] == "Open"
    assert outbox(services, "pain_closed") == []


def test_a_pain_points_database_made_before_read_back_gets_its_last_edited_by_column(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, clock: Ticking
) -> None:
    pain_id = logged_pain(services)
    sync.run()
    # As an older journeybot left it: no "Last edited by" to tell leaders' edits apart.
    a_person(notion).data_sources.update(
        data_source(sync, "pains"), properties={"Last edited by": None}
    )
    clock.tick(minutes=2)
    notion.edit_page_as_user(page_of(sync, pain_id, PAIN), {"Severity": {"number": 4}})
    report = sync.run()
    assert "Last edited by" in report.repaired
    assert services.pain_point(TEAM, pain_id).severity == 4
