"""Helpers for the Notion tests: a seeded workspace, and reading the emulator's pages back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from notion_client import Client

from bot.notion.client import NotionClient
from bot.notion.sync import IDEA, PAIN, RoadmapSync
from bot.sandbox.notion import NotionEmulator
from bot.services import Services
from prioritize.models import Idea, PainPoint

TEAM = "T0001"
EMULATOR_RATE = 400.0
CLIENT_RATE = 300.0


def make_client(
    notion: NotionEmulator, *, http_client: httpx.Client | None = None, rate: float = CLIENT_RATE
) -> NotionClient:
    """Return journeybot's client on the emulator, with short backoffs for the tests."""
    return NotionClient(
        notion.token,
        base_url=notion.base_url,
        requests_per_second=rate,
        http_client=http_client,
        backoff_seconds=0.01,
        timeout_seconds=10,
    )


def make_sync(services: Services, client: NotionClient, notion: NotionEmulator) -> RoadmapSync:
    return RoadmapSync(services, client, team_id=TEAM, parent_page_id=notion.root_page_id)


@dataclass
class Workspace:
    pains: list[PainPoint]
    ideas: list[Idea]


def seed(services: Services, *, ideas: int = 6, pains: int = 4) -> Workspace:
    """Store `pains` pain points and `ideas` ideas linked to them, with a few votes each."""
    stages = services.journey.stages
    stored_pains = [
        services.log_pain_point(
            TEAM,
            f"U{i % 3}",
            f"Customers struggle with step {i} of {stages[i % len(stages)].lower()}",
            stage=stages[i % len(stages)],
            severity=1 + i % 5,
            link=f"https://support.example.com/tickets/{i}",
        ).pain
        for i in range(pains)
    ]
    stored_ideas = []
    for i in range(ideas):
        linked = [stored_pains[i % pains].id] if pains else []
        idea = services.propose_idea(
            TEAM,
            "U0",
            f"Improvement number {i}",
            description=f"What we would build for improvement {i}.\n\nAnd why it helps.",
            pain_point_ids=[p for p in linked if p is not None],
            impact=1 + i % 5,
            complexity=1 + (i * 2) % 5,
            weeks=1 + i % 4,
        )
        for voter in range(i % 4):
            services.record_estimate(
                TEAM, idea.id or 0, f"V{voter}", impact=2 + voter, complexity=3, weeks=2
            )
        stored_ideas.append(idea)
    return Workspace(stored_pains, stored_ideas)


def data_source(sync: RoadmapSync, key: str = "roadmap") -> str:
    obj = sync.state.object(TEAM, key)
    assert obj is not None
    return str(obj.data["data_source_id"])


def rows_by_id(notion: NotionEmulator, sync: RoadmapSync, kind: str = IDEA) -> dict[int, list[Any]]:
    """Return the live Notion pages of each idea (or pain point), keyed by its id."""
    key, prop = ("roadmap", "Idea ID") if kind == IDEA else ("pains", "Pain ID")
    found: dict[int, list[Any]] = {}
    for page in notion.pages(data_source(sync, key)):
        found.setdefault(int(page["properties"][prop]["number"]), []).append(page)
    return found


def page_of(sync: RoadmapSync, idea_id: int, kind: str = IDEA) -> str:
    state = sync.state.page(TEAM, kind, idea_id)
    assert state is not None and state.page_id is not None
    return state.page_id


def view_id(sync: RoadmapSync, key: str) -> str:
    """Return the Notion id of the view journeybot keeps under `key` ("view_board", ...)."""
    view = sync.state.object(TEAM, key)
    assert view is not None and view.notion_id
    return view.notion_id


def views_named(notion: NotionEmulator, sync: RoadmapSync, name: str) -> list[Any]:
    """Return the Roadmap database's views called `name`."""
    roadmap = sync.state.object(TEAM, "roadmap")
    assert roadmap is not None and roadmap.notion_id
    return [v for v in notion.views(roadmap.notion_id) if v["name"] == name]


def a_person(notion: NotionEmulator) -> Client:
    """Return a plain notion-client, standing for a person editing in Notion."""
    return Client(auth=notion.token, base_url=notion.base_url)


def delete_property(notion: NotionEmulator, sync: RoadmapSync, name: str) -> None:
    """Delete a property of the Roadmap data source, as a person would in Notion."""
    a_person(notion).data_sources.update(data_source(sync), properties={name: None})


def synced(services: Services, sync: RoadmapSync) -> Workspace:
    """Seed the workspace (as `seed` does with its defaults) and sync it once."""
    ws = seed(services)
    sync.run()
    return ws


def synced_without(
    notion: NotionEmulator, services: Services, sync: RoadmapSync, name: str
) -> Workspace:
    """Seed the workspace and sync it, then delete the Roadmap's `name` property in Notion."""
    ws = synced(services, sync)
    delete_property(notion, sync, name)
    return ws


def plain(value: dict[str, Any]) -> str:
    """Return the plain text of a title or rich_text property value, or of a text block."""
    kind = value["type"]
    items = value[kind] if isinstance(value[kind], list) else value[kind]["rich_text"]
    return "".join(item["plain_text"] for item in items)


__all__ = [
    "CLIENT_RATE",
    "EMULATOR_RATE",
    "IDEA",
    "PAIN",
    "TEAM",
    "Workspace",
    "a_person",
    "data_source",
    "delete_property",
    "make_client",
    "make_sync",
    "page_of",
    "plain",
    "rows_by_id",
    "seed",
    "synced",
    "synced_without",
    "view_id",
    "views_named",
]
